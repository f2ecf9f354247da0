"""`observatoire ui` as the analyst starts and stops it: a real `dagster dev` with its web server, daemon and
code server, stopped by a signal."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serving(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ui_stops_with_all_its_processes_on_a_signal(tmp_path, sig):
    port = _free_port()
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    log = tmp_path / "ui.log"  # a file, not a pipe: a surviving child would keep a pipe open
    with open(log, "w") as out:
        ui = subprocess.Popen(
            [str(BIN / "observatoire"), "ui", "--home", str(tmp_path / "home"), "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    children = []
    try:
        deadline = time.monotonic() + 240
        while not _serving(port) and time.monotonic() < deadline and ui.poll() is None:
            time.sleep(0.5)
        assert _serving(port), "the web server never answered"
        children = psutil.Process(ui.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        assert "dagster-webserver" in names or "webserver" in names
        assert "dagster-daemon" in names or "daemon" in names
        ui.send_signal(sig)
        code = ui.wait(timeout=120)
        _, alive = psutil.wait_procs(children, timeout=10)
    finally:
        for p in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        ui.kill()
    out = log.read_text()
    assert code == 0, out[-3000:]
    assert not [p.pid for p in alive], f"processes left running: {[p.cmdline() for p in alive]}"
    assert "Traceback" not in out
    assert not _serving(port)

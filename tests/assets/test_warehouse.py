"""The writers' lock on real processes: who waits, what they are told, what a crash leaves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from assets.warehouse import writer_lock

ROOT = Path(__file__).resolve().parents[2]


def _holder(home: Path, seconds: float) -> subprocess.Popen:
    """Another process that takes the lock, says so, and keeps it `seconds`."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time; from pathlib import Path
        from assets.warehouse import writer_lock
        with writer_lock(Path({str(home)!r})):
            print("held", flush=True); time.sleep({seconds})
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_the_waiting_message_names_the_holders_pid(tmp_path):
    holder = _holder(tmp_path, 1.5)
    said = []
    with writer_lock(tmp_path, say=said.append):
        assert (tmp_path / "warehouse.lock.pid").read_text() == str(os.getpid())
    holder.wait()
    assert said == [
        f"L'entrepôt est en cours d'écriture par un autre traitement (processus {holder.pid}) : attente de sa fin…"
    ]


def test_a_killed_holder_does_not_block_the_next_writer(tmp_path):
    holder = _holder(tmp_path, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    start = time.monotonic()
    with writer_lock(tmp_path, say=lambda m: None):
        pass
    assert time.monotonic() - start < 5


def test_the_lock_is_reentrant_within_a_process_threads_included(tmp_path):
    said, entered = [], []
    with writer_lock(tmp_path, say=said.append):
        with writer_lock(tmp_path, say=said.append):
            entered.append("nested")
        done = threading.Event()

        def in_thread():
            with writer_lock(tmp_path, say=said.append):
                entered.append("thread")
            done.set()

        worker = threading.Thread(target=in_thread)
        worker.start()
        assert done.wait(5)
    assert entered == ["nested", "thread"] and said == []
    # released once the outermost hold ends: another process takes it at once
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        from pathlib import Path; from assets.warehouse import writer_lock
        with writer_lock(Path({str(tmp_path)!r}), say=print):
            print("taken")
        """),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.stdout.strip() == "taken"

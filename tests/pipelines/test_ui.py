"""`observatoire ui` as the analyst starts and stops it: a real `dagster dev` with its web server, daemon and
code server, stopped by a signal; and the UI answering while `observatoire run` writes the warehouse."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from statistics import median

import psutil
import pytest

from pipelines.generator.api import generate
from tests.conftest import SMALL_TERRITORY, TEST_KEY_HEX, run_main_job

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serving(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _start_ui(home: Path, port: int, log: Path) -> subprocess.Popen:
    """`observatoire ui` on `home`, once its web server answers; its output goes to `log` (a file, not a pipe:
    a surviving child would keep a pipe open)."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "OBSERVATOIRE_CLE": TEST_KEY_HEX}
    with open(log, "w") as out:
        ui = subprocess.Popen(
            [str(BIN / "observatoire"), "ui", "--home", str(home), "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 240
    while not _serving(port) and time.monotonic() < deadline and ui.poll() is None:
        time.sleep(0.5)
    if not _serving(port):
        ui.kill()
        pytest.fail(f"the web server never answered: {log.read_text()[-3000:]}")
    return ui


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ui_stops_with_all_its_processes_on_a_signal(tmp_path, sig):
    port = _free_port()
    log = tmp_path / "ui.log"
    ui = _start_ui(tmp_path / "home", port, log)
    children = []
    try:
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


# --- the UI while a run writes the warehouse ----------------------------------------------------------

LOCATION, REPOSITORY = "pipelines.definitions", "__repository__"
BOUND = 60  # s: the longest any UI request may take while the run writes
# The whole catalogue as its page asks for it: the assets defined, each with its last materialization.
ASSETS = """{
  assetNodes { assetKey { path } }
  assetsOrError { __typename ... on AssetConnection { nodes { key { path } assetMaterializations(limit: 1) { runId } } }
                  ... on PythonError { message } }
}"""
# A sensor evaluated by the code server, as the UI's "test sensor" button does: the inbox's lists the inbox,
# the CIL pack's reads the Parquet copies of the marts that the run rewrites.
DRY_RUN = """mutation($s: SensorSelector!) { sensorDryRun(selectorData: $s, cursor: null) { __typename
  ... on DryRunInstigationTick { evaluationResult { skipReason error { message } } }
  ... on PythonError { message } } }"""
# The definitions loaded again in a new code server, as the UI's "reload" button does.
RELOAD = """mutation($l: String!) { reloadRepositoryLocation(repositoryLocationName: $l) { __typename
  ... on WorkspaceLocationEntry { loadStatus locationOrLoadError { __typename ... on PythonError { message } } }
  ... on PythonError { message } } }"""
SENSOR_STATE = (
    """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor { sensorState { id } } } }"""
)
STOP_SENSOR = """mutation($id: String!) { stopSensor(id: $id) { __typename } }"""
CLI_RUNS = """{ runsOrError(filter: {pipelineName: "observatoire", tags: [{key: "observatoire/origine", value: "cli"}]})
  { ... on Runs { results { runId status } } } }"""


def _graphql(port: int, query: str, **variables) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=BOUND) as r:
            answer = json.load(r)
    except urllib.error.HTTPError as e:
        pytest.fail(f"{e}: {e.read().decode()[:3000]}")
    assert not answer.get("errors"), answer["errors"]
    return answer["data"]


def _page(port: int, path: str):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=BOUND)


def _sensor(name: str) -> dict:
    return {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "sensorName": name}


def _catalogue(port: int) -> dict[tuple[str, ...], str | None]:
    """Every asset the UI lists, with the run of its last materialization (None: never materialized)."""
    data = _graphql(port, ASSETS)
    assert data["assetsOrError"]["__typename"] == "AssetConnection", data["assetsOrError"]
    last = {tuple(n["key"]["path"]): n["assetMaterializations"] for n in data["assetsOrError"]["nodes"]}
    defined = [tuple(n["assetKey"]["path"]) for n in data["assetNodes"]]
    return {k: (last.get(k) or [{"runId": None}])[0]["runId"] for k in defined}


def _always() -> bool:
    return True


class _Timer:
    """Times the UI's answers, keeping only those given while `held()` was true from request to answer (the
    run had the warehouse open all along)."""

    def __init__(self, held=_always):
        self.held, self.timings, self.during = held, {}, False

    def __call__(self, what: str, f, *args, **kwargs):
        before, start = self.held(), time.monotonic()
        out = f(*args, **kwargs)
        elapsed = time.monotonic() - start
        self.during = before and self.held()
        if self.during:
            self.timings.setdefault(what, []).append(elapsed)
        return out


def _probe(port: int, timed: _Timer) -> tuple[dict[tuple[str, ...], str | None], bool]:
    """What an analyst does in the UI, each answer checked and timed: (the catalogue, whether it was read while
    the run held the warehouse)."""
    catalogue = timed("catalogue (GraphQL)", _catalogue, port)
    catalogue_during = timed.during
    with timed("page /assets", _page, port, "/assets") as r:
        assert r.status == 200
    for name in ("boite_de_depot", "pack_cil_trimestriel"):
        tick = timed(f"sensor dry run {name}", _graphql, port, DRY_RUN, s=_sensor(name))["sensorDryRun"]
        assert tick["__typename"] == "DryRunInstigationTick", tick
        assert tick["evaluationResult"]["error"] is None, tick["evaluationResult"]["error"]
    entry = timed("definitions reload", _graphql, port, RELOAD, l=LOCATION)["reloadRepositoryLocation"]
    assert entry["__typename"] == "WorkspaceLocationEntry", entry
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry["locationOrLoadError"]
    return catalogue, catalogue_during


def _holds(proc: psutil.Process, path: Path) -> bool:
    """Whether `proc` or one of its children (dbt) has `path` open."""
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for p in procs:
        with contextlib.suppress(psutil.Error):
            if any(f.path == str(path) for f in p.open_files()):
                return True
    return False


def _probe_while_writing(port: int, run: subprocess.Popen, home: Path, expected: set) -> tuple[dict, bool]:
    """Probe the UI until the run ends: (the timings of the answers given entirely while the run had the
    warehouse open, whether one of them showed a materialization of the run). Each answer counts alone: the
    run opens and closes the warehouse between its steps, and a whole round (a definitions reload included)
    did not always fit in one of its spells (a CI run made 1)."""
    running, warehouse = psutil.Process(run.pid), (home / "warehouse.duckdb").resolve()
    timed = _Timer(held=lambda: _holds(running, warehouse))
    seen_progress = False
    deadline = time.monotonic() + 600
    while run.poll() is None:
        assert time.monotonic() < deadline, "the run never ended"
        catalogue, during = _probe(port, timed)
        seen_progress |= during and any(catalogue[k] for k in expected)  # the home's first run left none
    return timed.timings, seen_progress


def _month(name: str) -> str:
    """A file's month AAAAMM from its name (monthly feeds, dated snapshots); "" for the others."""
    found = re.search(r"_(\d{6})\d{0,2}\.csv$", name)
    return found[1] if found else ""


def _home_after_first_months(tmp_path: Path) -> tuple[Path, Path, set]:
    """(home, depot, assets of the main job): a home with the small territory's first four months loaded by the
    main job, and a depot with the next two months, as a monthly drop brings them."""
    depot, home = tmp_path / "depot", tmp_path / "home"
    generate(depot, **{**SMALL_TERRITORY, "fin": "2026-03"})
    (home / "inbox").mkdir(parents=True)
    for f in depot.iterdir():
        if _month(f.name) <= SMALL_TERRITORY["fin"].replace("-", ""):
            shutil.move(f, home / "inbox" / f.name)
    expected = {tuple(e.asset_key.path) for e in run_main_job(home).get_asset_materialization_events()}
    # Without Parquet copies, the CIL pack's sensor starts no publication when the UI's daemon starts: the run
    # under test is the only writer.
    shutil.rmtree(home / "published" / "donnees")
    return home, depot, expected


def test_ui_answers_while_a_run_writes_the_warehouse(tmp_path):
    home, depot, expected = _home_after_first_months(tmp_path)
    port, log = _free_port(), tmp_path / "ui.log"
    ui = _start_ui(home, port, log)
    run = None
    try:
        # The inbox's sensor would start a second run on the same files, waiting for this one (the case of two
        # runs together is the fault matrix's): stopped, as from its page.
        deadline = time.monotonic() + BOUND
        while not (state := _graphql(port, SENSOR_STATE, s=_sensor("boite_de_depot"))["sensorOrError"]):
            assert time.monotonic() < deadline, "the inbox's sensor never showed"
            time.sleep(1)
        _graphql(port, STOP_SENSOR, id=state["sensorState"]["id"])
        idle = _Timer()
        before, _ = _probe(port, idle)
        assert expected <= set(before)
        for f in depot.iterdir():
            shutil.move(f, home / "inbox" / f.name)
        env = {**os.environ, "OBSERVATOIRE_CLE": TEST_KEY_HEX}
        run = subprocess.Popen(
            [str(BIN / "observatoire"), "run", "--home", str(home)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        writing, seen_progress = _probe_while_writing(port, run, home, expected)
        out = run.communicate(timeout=BOUND)[0]
        assert run.returncode == 0, [line for line in out.splitlines() if "ÉCHEC" in line] or out[-3000:]
        after = _catalogue(port)
        runs = _graphql(port, CLI_RUNS)["runsOrError"]["results"]
    finally:
        if run is not None and run.poll() is None:
            run.kill()
        children = psutil.Process(ui.pid).children(recursive=True)
        ui.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            ui.wait(timeout=120)
        for p in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        ui.kill()
    answers = sum(len(t) for t in writing.values())
    print(f"\nUI while the run writes ({answers} answers given while it had the warehouse open):")
    for what, times in writing.items():
        idle_s, max_s, median_s = max(idle.timings[what]), max(times), median(times)
        print(f"  {what:36} idle {idle_s:5.2f} s, writing: max {max_s:5.2f} s, median {median_s:5.2f} s")
    assert answers >= 3, f"the run held the warehouse for too short a time to probe the UI ({answers} answers)"
    assert "catalogue (GraphQL)" in writing, writing
    assert seen_progress, "the UI never showed the run's first materializations while it wrote"
    assert all(max(t) < BOUND for t in writing.values()), writing
    # After the run: its materializations are the last of every asset of the job.
    [main] = runs
    assert main["status"] == "SUCCESS"
    assert {k for k in expected if after[k] != main["runId"]} == set()

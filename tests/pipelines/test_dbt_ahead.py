"""dbt started ahead (assets/dbt_ahead.py): it runs the build it was prepared for, with dbt's output and exit
code, plain dbt runs anything else, and it never outlives the process that started it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """One home for the module: its first prepared dbt parses in full (~7 s), the next ones partially."""
    return tmp_path_factory.mktemp("ahead")


@pytest.fixture()
def prepared(home, monkeypatch):
    """A home whose dbt is started ahead, under the dbt asset's environment; yields (home, vars, a function
    that starts it and returns its process: in the test's call, the environment of the build)."""
    from assets.dbt import _ahead, end_parse, run_target, start_parse, wait_parse
    from assets.settings import Settings
    from assets.transform import dbt_env

    settings = Settings(home=home)
    vars_, env = settings.dbt_vars(), dbt_env(settings)
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # as the dbt asset sets them

    def start() -> subprocess.Popen:
        start_parse(home, vars_, env)
        wait_parse(home)
        return _ahead[run_target(home)].proc

    yield home, vars_, start
    proc = _ahead[run_target(home)].proc
    end_parse(home)
    assert proc.poll() is not None


def _pids(invocation) -> set[int]:
    return {e.raw_event["info"]["pid"] for e in invocation.stream_raw_events()}


def test_the_build_it_was_prepared_for_runs_in_dbt_started_ahead(prepared):
    from assets.dbt import run_target
    from assets.transform import dbt_build_args
    from pipelines.resources import RESOURCES

    home, vars_, start = prepared
    proc = start()
    # a seed, without the tests that read it with models (no raw table here)
    args = [*dbt_build_args(vars_), "--select", "communes", "--exclude", "test_type:data"]
    invocation = RESOURCES["dbt"].cli(args, target_path=run_target(home), raise_on_error=False)
    assert _pids(invocation) == {proc.pid}
    assert invocation.is_successful()
    assert [r["unique_id"] for r in invocation.get_artifact("run_results.json")["results"]] == [
        "seed.observatoire.communes"
    ]


def test_a_failing_model_fails_in_dbt_started_ahead_with_its_error(prepared):
    from dagster_dbt.errors import DagsterDbtCliRuntimeError

    from assets.dbt import run_target
    from assets.transform import dbt_build_args
    from pipelines.resources import RESOURCES

    home, vars_, start = prepared
    proc = start()
    args = [*dbt_build_args(vars_), "--select", "stg_bailleurs__bailleurs"]  # no raw table
    invocation = RESOURCES["dbt"].cli(args, target_path=run_target(home))
    events = []
    with pytest.raises(DagsterDbtCliRuntimeError, match='raw.bailleurs" does not exist'):
        events.extend(invocation.stream_raw_events())
    assert {e.raw_event["info"]["pid"] for e in events} == {proc.pid}
    assert invocation.process.returncode == 1
    assert proc.wait(timeout=30) is not None


def test_another_command_or_other_vars_run_in_plain_dbt(prepared):
    from assets.dbt import run_target
    from pipelines.resources import RESOURCES

    home, vars_, start = prepared
    proc = start()
    other = {**vars_, "seuil_secret_public": vars_["seuil_secret_public"] + 1}
    args = ["build", "--vars", json.dumps(other, sort_keys=True), "--select", "communes", "--exclude", "test_type:data"]
    invocation = RESOURCES["dbt"].cli(args, target_path=run_target(home), raise_on_error=False)
    pids = _pids(invocation)
    assert invocation.is_successful()
    assert pids and proc.pid not in pids
    assert "dbt préparé non utilisé : other vars" in (run_target(home) / "parse.log").read_text()


HOLDER = """
import sys
from dbt.cli.main import dbtRunner
from assets.dbt_ahead import _release_warehouse
built = dbtRunner().invoke(sys.argv[2:])
if sys.argv[1] == "release":
    _release_warehouse()
print(built.success, flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("release", [True, False])
def test_dbt_started_ahead_releases_the_warehouse_once_built_though_it_lives_on(home, monkeypatch, release):
    # dbt-duckdb keeps its database open in the process after a build: without the release, the run's next
    # connection (made as the dbt step ends) finds the file locked while the prepared process exits
    import duckdb

    from assets.dbt import DBT_DIR, run_target
    from assets.dbt_ahead import build_env
    from assets.settings import Settings
    from assets.transform import dbt_build_args, dbt_env

    settings = Settings(home=home)
    for name, value in dbt_env(settings).items():
        monkeypatch.setenv(name, value)
    args = [*dbt_build_args(settings.dbt_vars()), "--select", "communes", "--exclude", "test_type:data"]
    env = build_env(dict(os.environ), DBT_DIR, run_target(home))
    mode = "release" if release else "keep"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, mode, *args], cwd=DBT_DIR, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        said = next(line.strip() for line in holder.stdout if line.strip() in (b"True", b"False"))  # after dbt's log
        assert said == b"True"  # built; the process lives on
        if release:
            with duckdb.connect(str(home / "warehouse.duckdb")) as con:  # read-write, as the next step's
                tables = "select count(*) from information_schema.tables where table_name = 'communes'"
                assert con.execute(tables).fetchone() == (1,)
        else:
            with pytest.raises(duckdb.IOException, match="lock"):
                duckdb.connect(str(home / "warehouse.duckdb"))
    finally:
        holder.kill()
        holder.wait()


PARENT = """
import sys
from pathlib import Path
from assets.dbt import _ahead, run_target, start_parse
start_parse(Path(sys.argv[1]), {}, {})
print(_ahead[run_target(Path(sys.argv[1]))].proc.pid, flush=True)
sys.stdin.read()
"""


def test_dbt_started_ahead_dies_with_the_process_that_started_it(tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    pid = int(parent.stdout.readline())
    os.kill(pid, 0)  # started
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists() and _state(pid) != "Z" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or _state(pid) == "Z"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"

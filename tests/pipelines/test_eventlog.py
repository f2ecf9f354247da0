"""The home's Dagster event log is written without a disk flush per event, and loses nothing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from pipelines import eventlog
from pipelines.eventlog import write_events_fast

ROOT = Path(__file__).resolve().parents[2]
JOB = textwrap.dedent("""
    import dagster as dg
    from pipelines.eventlog import write_events_fast
    write_events_fast()
    assets = [dg.asset(name=f"a{i}")(lambda: None) for i in range(5)]
    graph = dg.Definitions(assets=assets).resolve_asset_graph()
    dg.define_asset_job("j").resolve(asset_graph=graph).execute_in_process(instance=dg.DagsterInstance.get())
""")


def _home(tmp_path, monkeypatch):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def test_every_event_of_a_run_is_readable_once_its_process_has_ended(tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    subprocess.run([sys.executable, "-c", JOB], check=True, capture_output=True, cwd=ROOT)
    instance = dg.DagsterInstance.from_config(str(home))
    (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    materialized = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    assert sorted(e.dagster_event.asset_key.path[0] for e in materialized) == [f"a{i}" for i in range(5)]
    assert {k.path[0] for k in instance.all_asset_keys()} == {f"a{i}" for i in range(5)}
    instance.dispose()


def test_dagster_connections_under_the_home_do_not_wait_for_the_disk_and_stay_held(tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    write_events_fast()
    db = home / "x.db"
    sqlite3.connect(db).execute("PRAGMA journal_mode=WAL").fetchall()
    engine = sa.create_engine(f"sqlite:///{db}", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()
    assert str(db) in eventlog._held  # so that Dagster's close is not the last, which would checkpoint


def test_databases_outside_the_home_are_left_as_sqlite_sets_them(tmp_path, monkeypatch):
    (tmp_path / "home").mkdir()
    _home(tmp_path / "home", monkeypatch)
    write_events_fast()
    db = tmp_path / "elsewhere.db"
    engine = sa.create_engine(f"sqlite:///{db}", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL, SQLite's default
    engine.dispose()
    assert str(db) not in eventlog._held


def test_only_a_few_databases_are_held_at_a_time(tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    write_events_fast()
    for i in range(eventlog._HELD_MAX + 3):
        db = home / f"run{i}.db"
        sqlite3.connect(db).execute("PRAGMA journal_mode=WAL").fetchall()
        engine = sa.create_engine(f"sqlite:///{db}", poolclass=sa.pool.NullPool)
        engine.connect().close()
        engine.dispose()
    assert len(eventlog._held) <= eventlog._HELD_MAX
    assert str(home / f"run{eventlog._HELD_MAX + 2}.db") in eventlog._held

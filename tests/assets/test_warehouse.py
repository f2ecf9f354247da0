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

import duckdb
import pytest

from assets.warehouse import WarehouseBusy, connect, keep_open, release, writer_lock

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


def _duckdb_holder(db: Path, seconds: float, read_only: bool = True) -> subprocess.Popen:
    """Another program (here a Python with DuckDB, like a DuckDB shell or DBeaver) keeping the file open."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}, read_only={read_only}); "
            f"print('open', flush=True); time.sleep({seconds})",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_a_writer_waits_for_a_program_holding_the_warehouse_then_goes_on(tmp_path):
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    holder = _duckdb_holder(tmp_path / "warehouse.duckdb", 2)
    said = []
    start = time.monotonic()
    with connect(tmp_path, say=said.append, patience=60) as con:
        waited = time.monotonic() - start
        con.execute("create table t as select 1 as x")
    holder.wait()
    assert waited > 1.0
    assert len(said) == 1 and f"ouvert par un autre programme (processus {holder.pid}, python" in said[0]
    assert "attente de sa fermeture" in said[0]


def test_a_program_holding_the_warehouse_too_long_stops_the_writer_with_a_french_error(tmp_path):
    duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()
    holder = _duckdb_holder(tmp_path / "warehouse.duckdb", 60, read_only=False)
    try:
        with pytest.raises(WarehouseBusy, match=rf"toujours ouvert par un autre programme \(processus {holder.pid}"):
            with connect(tmp_path, read_only=True, say=lambda m: None, patience=1):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_the_warehouse_spills_beyond_the_memory_the_settings_give_into_a_private_folder(tmp_path):
    (tmp_path / "observatoire.toml").write_text('memoire_duckdb = "512MB"\n', encoding="utf-8")
    with connect(tmp_path) as con:
        settings = "select current_setting('memory_limit'), current_setting('temp_directory')"
        limit, spill = con.execute(settings).fetchone()
    assert limit == "488.2 MiB"
    assert Path(spill) == tmp_path / "warehouse.duckdb.tmp"
    assert Path(spill).stat().st_mode & 0o777 == 0o700


def _profile_settings() -> dict[str, str]:
    """dbt's DuckDB settings from dbt_project/profiles.yml (those set on each cursor and those the database is
    opened with), `env_var` calls given their defaults."""
    import re

    import yaml

    from assets.paths import DBT_DIR

    profile = yaml.safe_load((DBT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    output = profile["observatoire"]["outputs"]["local"]
    settings = {**output.get("config_options", {}), **output.get("settings", {})}
    assert settings  # the memory limit at least
    env_var = re.compile(r"\{\{\s*env_var\('[^']+',\s*'([^']*)'\)\s*\}\}")
    return {k: env_var.sub(r"\1", str(v)) for k, v in settings.items()}


def test_dbt_s_settings_can_be_set_again_after_the_warehouse_has_spilled(tmp_path):
    # dbt-duckdb sets its profile's settings on every cursor: a `temp_directory` among them stopped a
    # scale-100 update once DuckDB had spilled ("Cannot switch temporary directory")
    (tmp_path / "observatoire.toml").write_text('memoire_duckdb = "64MB"\n', encoding="utf-8")
    with connect(tmp_path) as con:
        con.execute("select count(*) from (select random() r from range(10000000) order by r)").fetchone()
        for key, value in _profile_settings().items():
            con.execute(f"set {key} = '{value}'")


def _opens_elsewhere(path: Path) -> bool:
    """Whether another process can open the DuckDB file `path` (read only)."""
    code = f"import duckdb; duckdb.connect({str(path)!r}, read_only=True).close()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_a_warehouse_kept_open_serves_readers_and_writers_without_opening_its_file_again(tmp_path, monkeypatch):
    with connect(tmp_path) as con:
        con.execute("create table t as select 1 as x")
    keep_open(tmp_path)
    try:
        opened = []
        plain = duckdb.connect
        monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or plain(*a, **k))
        # a reader beside the kept writer, which DuckDB alone refuses in one process ("different configuration")
        with connect(tmp_path, read_only=True) as con:
            assert con.sql("select x from t").fetchall() == [(1,)]
        with connect(tmp_path) as con:
            con.execute("insert into t values (2)")
        with connect(tmp_path, read_only=True) as con:
            assert con.sql("select sum(x) from t").fetchall() == [(3,)]
        assert opened == []
        assert not _opens_elsewhere(tmp_path / "warehouse.duckdb")  # held all along
    finally:
        release(tmp_path)
    release(tmp_path)  # twice: nothing left to close
    assert _opens_elsewhere(tmp_path / "warehouse.duckdb")


def test_a_warehouse_above_the_size_kept_open_is_opened_by_each_connection(tmp_path, monkeypatch):
    from assets import warehouse

    with connect(tmp_path) as con:
        con.execute("create table t as select 1 as x")
    monkeypatch.setattr(warehouse, "KEEP_MAX_BYTES", (tmp_path / "warehouse.duckdb").stat().st_size - 1)
    keep_open(tmp_path)
    assert warehouse._kept == {}
    assert _opens_elsewhere(tmp_path / "warehouse.duckdb")

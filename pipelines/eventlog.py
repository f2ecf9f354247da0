"""Dagster's SQLite event log, written without a disk flush per event.

Dagster's SQLite storage opens, commits and closes a connection for every event (a run of the demo writes
~1,100 events, plus one per planned asset): in WAL mode with the default `synchronous=FULL`, each commit
flushes the log to disk, and each close, being the last connection, checkpoints it (two more flushes).
Profiled on a 12-month scale-1 run (`python -m cProfile -m pipelines.cli run`): 3,180 commits and 3,809
closes took 87 s of a 315 s run on a loaded machine, ~26 ms per event.

Two settings take a commit and close from ~26 ms to ~0.1 ms (the same pattern on bare sqlite3, same machine;
a whole Dagster event, `python bench/eventlog.py`: 50 ms -> 21 ms on a loaded machine):
- `synchronous=NORMAL`, SQLite's own advice for WAL: a commit no longer waits for the disk. The database
  stays consistent after a power loss, which may only forget the last events (the warehouse, DuckDB, has
  its own log and is not concerned);
- one connection per database, held for the process, so that Dagster's closes are never the last one and
  do not checkpoint; SQLite's automatic checkpoint (every 1,000 pages) still bounds the WAL.

Dagster's storage also builds a new SQLAlchemy engine for each of those connections (5.5 per event: the
run's database, then the asset index): `HeldEngineEventLogStorage`, the home's event log storage
(`dagster.yaml`), keeps one engine per database, which saves ~1.4 ms of CPU per connection (300 inserts on
this loaded machine: 1.76 ms with an engine each, 0.36 ms with one engine). The run's 295 planned
assets and checks are written before its first step.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData

# The run's own database and the index, a few at a time: a long process (the test suite) sees many homes.
_HELD_MAX = 8
_held: OrderedDict[str, sqlite3.Connection] = OrderedDict()


def _under_dagster_home(path: str) -> bool:
    home = os.environ.get("DAGSTER_HOME")
    return bool(home and path) and Path(path).resolve().is_relative_to(Path(home).resolve())


def _on_connect(dbapi_conn, _record) -> None:
    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    path = dbapi_conn.execute("PRAGMA database_list").fetchone()[2]
    if not _under_dagster_home(path):
        return
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")
    # a new database is switched to WAL after its first connection: hold it from the next one
    if path in _held or dbapi_conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        if path in _held:
            _held.move_to_end(path)
        return
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("SELECT count(*) FROM sqlite_master").fetchall()  # a read maps the WAL index: now held
    _held[path] = holder
    if len(_held) > _HELD_MAX:
        _held.popitem(last=False)[1].close()


def _release() -> None:
    while _held:
        _held.popitem()[1].close()


def write_events_fast() -> None:
    """For the Dagster storages under $DAGSTER_HOME of this process (idempotent)."""
    if not sa.event.contains(sa.engine.Engine, "connect", _on_connect):
        sa.event.listen(sa.engine.Engine, "connect", _on_connect)
        atexit.register(_release)


class HeldEngineEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (same files, same tables) with one engine per database, kept for the
    process (a few at a time), instead of one engine per connection."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    def has_table(self, table_name: str) -> bool:
        """Dagster asks, for every planned or evaluated check and tagged event, whether its table exists, each
        time on a new engine and connection (~0.55 ms): a table found stays (until `wipe`)."""
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> HeldEngineEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str, pool: type[sa.pool.Pool] = sa.pool.StaticPool) -> sa.Engine:
        return create_engine(
            self.conn_string_for_shard(shard),
            poolclass=pool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )

    def _held_engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            if shard not in self._initialized_dbs:  # Dagster's creation, on connections of its own
                init = self._engine(shard, sa.pool.NullPool)
                self._initdb(init)
                init.dispose()
                self._initialized_dbs.add(shard)
            # one connection per database, used under the storage's lock by one thread at a time
            engine = self._engines[shard] = self._engine(shard)
            if len(self._engines) > _HELD_MAX:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock, self._held_engine(shard).connect() as conn, conn.begin():
            yield conn

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the files are deleted: no connection may keep writing to them
        self._tables.clear()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


def event_log_config(dagster_home: Path) -> str:
    """The `event_log_storage` block of the home's dagster.yaml (Dagster's default folder)."""
    return (
        "event_log_storage:\n"
        f"  module: {__name__}\n"
        f"  class: {HeldEngineEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {dagster_home / 'history' / 'runs'}\n"
    )

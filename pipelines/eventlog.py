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
"""

from __future__ import annotations

import atexit
import os
import sqlite3
from collections import OrderedDict
from pathlib import Path

import sqlalchemy as sa

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

"""The DuckDB warehouse: one writing process at a time, serialized on an OS file lock.

The kernel releases the lock when a process dies, so a killed run never blocks the next one.
Within a process the lock is re-entrant (a run holds it while its assets open connections).
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb

_held: dict[Path, list] = {}  # lock path -> [fd, depth]
_guard = threading.RLock()


@contextmanager
def writer_lock(home: Path, *, say=None) -> Iterator[None]:
    """Hold `<home>/warehouse.lock` exclusively; wait with a French message when another writer has it."""
    path = (home / "warehouse.lock").resolve()
    with _guard:
        if path in _held:
            _held[path][1] += 1
            try:
                yield
            finally:
                _held[path][1] -= 1
            return
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            (say or (lambda m: print(m, file=sys.stderr)))(
                f"L'entrepôt est en cours d'écriture par un autre traitement (processus {other}) : attente de sa fin…"
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _held[path] = [fd, 1]
        try:
            yield
        finally:
            del _held[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


@contextmanager
def connect(home: Path, *, read_only: bool = False, say=None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `<home>/warehouse.duckdb`; writers take the lock first."""
    path = home / "warehouse.duckdb"
    if read_only:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("set enable_progress_bar = false")
            yield con
        finally:
            con.close()
        return
    with writer_lock(home, say=say):
        con = duckdb.connect(str(path))
        try:
            con.execute("set enable_progress_bar = false")
            yield con
        finally:
            con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, on_rollback: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Commit what the block does, or roll it all back (then `on_rollback`) when it raises."""
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        con.rollback()
        on_rollback()
        raise


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first value of a query's first row (None when no row); the result is always consumed,
    since DuckDB 2.0 blocks a connection on an unread result."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None

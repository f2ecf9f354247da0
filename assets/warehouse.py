"""The DuckDB warehouse: one writing process at a time, serialized on an OS file lock (filelock).

The kernel releases the lock when a process dies, so a killed run never blocks the next one.
Within a process the lock is re-entrant, across threads too (a run holds it while its assets open
connections). filelock owns the lock file's content, so the holder's PID, for the waiting message,
goes in a file of its own beside it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from .private import private_file

_guard = threading.Lock()  # one thread at a time takes or gives back the process's hold


@contextmanager
def writer_lock(home: Path, *, say=None) -> Iterator[None]:
    """Hold `<home>/warehouse.lock` exclusively; wait with a French message when another writer has it."""
    home.mkdir(parents=True, exist_ok=True)
    path = (home / "warehouse.lock").resolve()
    # One lock object per path in the process, its hold shared by the process's threads.
    lock = FileLock(path, thread_local=False, is_singleton=True)
    pid_file = path.with_name(path.name + ".pid")
    with _guard:
        _acquire(lock, pid_file, say or (lambda m: print(m, file=sys.stderr)))
    try:
        yield
    finally:
        with _guard:
            if lock.lock_counter == 1:
                pid_file.unlink(missing_ok=True)
            lock.release()


def _acquire(lock: FileLock, pid_file: Path, say: Callable[[str], None]) -> None:
    """Take the lock: at once when this process holds it or it is free, else after saying who has it."""
    if lock.is_locked:
        lock.acquire()
        return
    try:
        lock.acquire(blocking=False)
    except Timeout:
        other = _holder(pid_file)
        say(f"L'entrepôt est en cours d'écriture par un autre traitement (processus {other}) : attente de sa fin…")
        lock.acquire()
    pid_file.write_text(str(os.getpid()))


def _holder(pid_file: Path) -> str:
    """The PID the holder wrote ("?" while it has not yet written it)."""
    try:
        return pid_file.read_text().strip() or "?"
    except FileNotFoundError:
        return "?"


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
        wal = path.with_name(path.name + ".wal")
        private_file(path, wal)
        try:
            con.execute("set enable_progress_bar = false")
            yield con
        finally:
            con.close()
            private_file(path, wal)


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

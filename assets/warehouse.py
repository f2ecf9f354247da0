"""The DuckDB warehouse: one writing process at a time, serialized on an OS file lock (filelock).

The kernel releases the lock when a process dies, so a killed run never blocks the next one.
Another program holding the DuckDB file itself (a DuckDB shell, DBeaver) is waited for, up to a setting.
Within a process the lock is re-entrant, across threads too (a run holds it while its assets open
connections). filelock owns the lock file's content, so the holder's PID, for the waiting message,
goes in a file of its own beside it.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from filelock import FileLock, Timeout

from .private import private_dir, private_file

if TYPE_CHECKING:
    from .settings import Settings  # at run time imported late: settings imports dagster

_guard = threading.Lock()  # one thread at a time takes or gives back the process's hold


def _to_stderr(message: str) -> None:
    """Where the waiting messages go when the caller gives no `say`."""
    print(message, file=sys.stderr)


@contextmanager
def writer_lock(home: Path, *, say=None) -> Iterator[None]:
    """Hold `<home>/warehouse.lock` exclusively; wait with a French message when another writer has it."""
    home.mkdir(parents=True, exist_ok=True)
    path = (home / "warehouse.lock").resolve()
    # One lock object per path in the process, its hold shared by the process's threads.
    lock = FileLock(path, thread_local=False, is_singleton=True)
    pid_file = path.with_name(path.name + ".pid")
    with _guard:
        _acquire(lock, pid_file, say or _to_stderr)
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


class WarehouseBusy(RuntimeError):
    """Another program kept the warehouse file open longer than the run waits (French message)."""


# DuckDB's error when another process holds the file: "... Conflicting lock is held in <program> (PID <n>) ..."
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
POLL_SECONDS = 0.5


@contextmanager
def connect(
    home: Path, *, read_only: bool = False, say=None, patience: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `<home>/warehouse.duckdb`; writers take the lock first. While another program holds
    the file, wait for it up to `patience` seconds (default: the `attente_entrepot_secondes` setting)."""
    say = say or _to_stderr
    if read_only:
        con = _open(home, read_only, say, patience)
        try:
            con.execute("set enable_progress_bar = false")
            yield con
        finally:
            con.close()
        return
    with writer_lock(home, say=say):
        con = _open(home, read_only, say, patience)
        path = home / "warehouse.duckdb"
        wal = path.with_name(path.name + ".wal")
        private_file(path, wal)
        try:
            con.execute("set enable_progress_bar = false")
            yield con
        finally:
            con.close()
            private_file(path, wal)


def duckdb_config(settings: Settings) -> dict[str, str]:
    """The settings a connection to the warehouse is opened with; DuckDB's spill folder made first, private
    like the warehouse (DuckDB would make it readable by all)."""
    private_dir(settings.spill_dir)
    return settings.duckdb_config


def _open(home: Path, read_only: bool, say: Callable[[str], None], patience: float | None) -> duckdb.DuckDBPyConnection:
    """The connection, once no other program holds the file (said once, with that program's process)."""
    from .settings import load_settings

    with _keeping:
        kept = _kept.get(home.resolve())
        if kept is not None:
            return kept.cursor()
    settings = load_settings(home)
    path = home / "warehouse.duckdb"
    deadline = None
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=duckdb_config(settings))
        except duckdb.IOException as e:
            holder = _holder_of_file(str(e))
            if holder is None:
                raise
            if deadline is None:
                if patience is None:
                    patience = settings.attente_entrepot_secondes
                deadline = time.monotonic() + patience
                say(f"L'entrepôt {path} est ouvert par un autre programme ({holder}) : attente de sa fermeture…")
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"l'entrepôt {path} est toujours ouvert par un autre programme ({holder}) après {patience:g} s "
                    "d'attente : fermez-le dans ce programme (shell DuckDB, DBeaver…) puis relancez le traitement"
                ) from None
            time.sleep(POLL_SECONDS)


# The warehouses this process keeps open (keep_open), of which connect() hands out cursors.
_kept: dict[Path, duckdb.DuckDBPyConnection] = {}
_keeping = threading.Lock()
# A warehouse kept open keeps in memory what its readers read (DuckDB's buffer cache, freed at each close
# otherwise), up to its file's size: only a small one is kept. `bench/run.py` (/tmp/b28): 114 MB at scale 1;
# 0.91 GB at scale 10, kept, whose run peaked at 5.6 GiB (5.3 GiB in /tmp/b26, before); 2.8 GB at scale 250 (3
# months), never kept, where the 8 GiB target is.
KEEP_MAX_BYTES = 1_000_000_000


def keep_open(home: Path, say: Callable[[str], None] | None = None) -> None:
    """Keeps the warehouse open in this process until `release`: connect() then hands out a cursor of it (~1 ms)
    instead of opening the file. Each open builds DuckDB's catalog again (~17 ms of CPU on an idle machine) and
    each close trims its memory; the 21 connections of the checks of an update at scale 1 spent 1.4-1.7 s of the
    run's wall time there (up to 0.76 s for one open) while the work ahead of the publication shared the cores.
    Kept, those checks took 5.05-5.54 s against 5.61-6.20 s (5 alternated trials each, `observatoire run` of the
    October files on a restored home). For the CLI's run once dbt has built, until its publication ends: only
    this process reads the warehouse then, and nothing writes to it. Not while the run writes: a write that fails
    for want of disk invalidates DuckDB's database, which the next connection must open afresh. A warehouse above
    KEEP_MAX_BYTES is not kept."""
    key = home.resolve()
    with _keeping:
        if key in _kept or (home / "warehouse.duckdb").stat().st_size > KEEP_MAX_BYTES:
            return
    con = _open(home, False, say or _to_stderr, None)
    with _keeping:
        _kept[key] = con


def release(home: Path) -> None:
    """Closes the warehouse `keep_open` kept open (none: nothing to do)."""
    with _keeping:
        con = _kept.pop(home.resolve(), None)
    if con is not None:
        con.close()


def _holder_of_file(error: str) -> str | None:
    """'processus <pid>, <name>' from DuckDB's lock error (None for any other error)."""
    import psutil

    found = _LOCK_HOLDER.search(error)
    if found is None:
        return None
    pid = int(found["pid"])
    try:
        name = psutil.Process(pid).name()
    except psutil.Error:  # gone already, or not ours to see
        name = Path(found["program"]).name
    return f"processus {pid}, {name}"


class WarehouseWriteFailed(RuntimeError):
    """A commit the warehouse could not write, a full disk most often (French message): nothing of it is kept."""


# DuckDB's words when the disk is full or the file may grow no more (a quota, RLIMIT_FSIZE).
_DISK_FULL = ("No space left on device", "File too large", "Disk quota exceeded")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, on_rollback: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Commit what the block does, or roll it all back (then `on_rollback`) when it raises. A commit that
    cannot be written (its WAL) raises WarehouseWriteFailed: DuckDB has then rolled it back itself."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        on_rollback()
        raise
    try:
        con.commit()
    except duckdb.Error as e:
        on_rollback()
        full = any(words in str(e) for words in _DISK_FULL)
        raise WarehouseWriteFailed(
            f"écriture de l'entrepôt impossible ({'disque plein' if full else e}) : rien de cette étape n'y est "
            "enregistré, il est resté tel qu'il était"
            + (" ; libérez de la place sur le disque puis relancez le traitement" if full else "")
        ) from None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first value of a query's first row (None when no row); the result is always consumed,
    since DuckDB 2.0 blocks a connection on an unread result."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None

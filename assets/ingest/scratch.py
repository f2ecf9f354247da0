"""An in-memory DuckDB connection for computations on frames, never attached to the warehouse.

Opening a DuckDB database costs ~15 ms, paid once per process here rather than per file: each use
gets its own cursor on the one in-memory database; what a cursor registers goes with it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_db: duckdb.DuckDBPyConnection | None = None
_lock = threading.Lock()


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    global _db
    with _lock:
        if _db is None:
            _db = duckdb.connect(":memory:")
            _db.execute("set enable_progress_bar = false")
        cur = _db.cursor()
    try:
        yield cur
    finally:
        cur.close()

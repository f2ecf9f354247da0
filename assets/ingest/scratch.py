"""An in-memory DuckDB connection for computations on a frame, never attached to the warehouse."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    try:
        con.execute("set enable_progress_bar = false")
        yield con
    finally:
        con.close()

"""The public's rows of each quarter (statistical confidentiality, audience `public`), kept in a cache
under `<home>/cache/public/`: the site shows every quarter's history, and secondary suppression costs
about 1.3 s of CPU per quarter of the demo (`python bench/secret.py`), while a monthly run changes few past
quarters.

A cached quarter is reused only when everything its result depends on is unchanged: the quarter's rows,
the reference tables, the thresholds, and the source of the confidentiality modules themselves."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from ..private import private_dir, private_file
from ..settings import Settings
from . import confidentiality, primary, relations, secondary, verify
from .cil_sources import quarter_rows
from .confidentiality import Thresholds, publishable, read_identities

CODE = (confidentiality, primary, relations, secondary, verify)
ORDER = ["indicateur", "niveau_geo", "code_geo", "modalite"]


def cache_dir(settings: Settings) -> Path:
    return settings.home / "cache" / "public"


def fingerprint(settings: Settings, reference: tuple[pl.DataFrame, pl.DataFrame]) -> bytes:
    """What the result depends on besides the quarter's rows."""
    h = hashlib.sha256(f"{settings.seuil_secret_public}".encode())
    for module in CODE:
        h.update(Path(module.__file__).read_bytes())
    for frame in (*reference, read_identities()):
        h.update(frame.write_csv().encode())
    return h.digest()


def _key(rows: pl.DataFrame, base: bytes) -> str:
    h = hashlib.sha256(base)
    h.update(rows.sort(ORDER).write_csv().encode())
    return h.hexdigest()[:24]


def _path(settings: Settings, quarter: tuple[int, int], key: str) -> Path:
    return cache_dir(settings) / f"{quarter[0]}T{quarter[1]}-{key}.parquet"


def _store(result: pl.DataFrame, path: Path) -> None:
    """Writes one quarter's result in place of the quarter's older ones (a reader never sees half a file)."""
    private_dir(path.parent.parent, path.parent)
    for old in path.parent.glob(f"{path.name.split('-')[0]}-*.parquet"):
        old.unlink()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    result.write_parquet(tmp)
    private_file(tmp)
    os.replace(tmp, path)


def public_quarters(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    quarters: list[tuple[int, int]],
    reference: tuple[pl.DataFrame, pl.DataFrame],
) -> pl.DataFrame:
    """The rows the public may see of each quarter, with the `secret` reason column, in the quarters' order.
    The quarters not cached are computed in parallel, one process per core: the LP check is single-threaded
    and a cold site of the demo's 11 quarters took 24 s in one process."""
    base = fingerprint(settings, reference)
    found, todo = {}, {}
    for q in quarters:
        rows = quarter_rows(con, *q)
        path = _path(settings, q, _key(rows, base))
        if path.exists():
            found[q] = pl.read_parquet(path)
        else:
            todo[q] = (rows, path)
    for q, result in _compute(todo, settings, reference):
        _store(result, todo[q][1])
        found[q] = result
    return pl.concat([found[q] for q in quarters])


def _compute(todo: dict, settings: Settings, reference: tuple) -> Iterator[tuple[tuple[int, int], pl.DataFrame]]:
    """The workers run `publishable` itself with the thresholds alone, so that they import confidentiality
    only: this module and Settings' import dagster (1.6 s of CPU per worker before, 0.6 s now)."""
    workers, thresholds = min(len(todo), os.cpu_count() or 1), Thresholds.of(settings)
    args = {q: (rows, "public", thresholds, *reference) for q, (rows, _) in todo.items()}
    if workers <= 1:
        yield from ((q, publishable(*a, reasons=True)) for q, a in args.items())
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {q: pool.submit(publishable, *a, reasons=True) for q, a in args.items()}
        yield from ((q, f.result()) for q, f in futures.items())


def public_quarter(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    annee: int,
    trimestre: int,
    reference: tuple[pl.DataFrame, pl.DataFrame],
) -> pl.DataFrame:
    """The rows of one quarter the public may see, with the `secret` reason column (cached)."""
    return public_quarters(con, settings, [(annee, trimestre)], reference)

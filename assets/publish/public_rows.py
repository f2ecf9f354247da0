"""The rows each audience may see of each quarter (statistical confidentiality), kept in a cache under
`<home>/cache/<audience>/`: the site shows every quarter's history to the public, the CIL pack one quarter
to the CIL, and secondary suppression costs about 1.3 s of CPU per quarter and audience of the demo
(`python bench/secret.py`), while a monthly run changes few past quarters.

A cached quarter is reused only when everything its result depends on is unchanged: the quarter's rows,
the reference tables, the audience's threshold, and the source of the confidentiality modules themselves."""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from ..private import private_dir, private_file
from ..settings import Settings
from .confidentiality import Thresholds, publishable, read_identities, threshold
from .paced import Paced

# The modules whose code the result depends on, read as files: imported, secondary and verify (numpy, scipy,
# highspy) would weigh on every run's start.
CODE = ("confidentiality", "primary", "relations", "secondary", "verify")
ORDER = ["indicateur", "niveau_geo", "code_geo", "modalite"]
Quarter = tuple[int, int]
# the releases submitted ahead (`submit`) that no reader took yet, by cache file, and their feeders
_ahead: dict[Path, Future] = {}
_paced: list[Paced] = []


def cache_dir(settings: Settings, audience: str = "public") -> Path:
    return settings.home / "cache" / audience


def fingerprint(settings: Settings, reference: tuple[pl.DataFrame, pl.DataFrame], audience: str) -> bytes:
    """What the result depends on besides the quarter's rows (the audience has a folder of its own)."""
    h = hashlib.sha256(f"{threshold(settings, audience)}".encode())
    for module in CODE:
        h.update((Path(__file__).parent / f"{module}.py").read_bytes())
    for frame in (*reference, read_identities()):
        h.update(frame.write_csv().encode())
    return h.digest()


def _key(rows_csv: bytes, base: bytes) -> str:
    """A release's cache key: its audience's fingerprint and the quarter's rows (sorted, as CSV)."""
    h = hashlib.sha256(base)
    h.update(rows_csv)
    return h.hexdigest()[:24]


def _path(settings: Settings, quarter: Quarter, audience: str, key: str) -> Path:
    return cache_dir(settings, audience) / f"{quarter[0]}T{quarter[1]}-{key}.parquet"


def _store(result: pl.DataFrame, path: Path) -> None:
    """Writes one quarter's result in place of the quarter's older ones (a reader never sees half a file)."""
    private_dir(path.parent.parent, path.parent)
    for old in path.parent.glob(f"{path.name.split('-')[0]}-*.parquet"):
        old.unlink()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    result.write_parquet(tmp)
    private_file(tmp)
    os.replace(tmp, path)


def quarter_rows(con: duckdb.DuckDBPyConnection, annee: int, trimestre: int) -> pl.DataFrame:
    """The rows of one quarter of `marts.fct_indicateurs`, before confidentiality."""
    return con.sql(
        "select * from marts.fct_indicateurs where annee = $a and trimestre = $t", params={"a": annee, "t": trimestre}
    ).pl()


def _lookup(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    wanted: list[tuple[Quarter, str]],
    reference: tuple[pl.DataFrame, pl.DataFrame],
) -> tuple[dict[tuple[Quarter, str], Path], dict[tuple[Quarter, str], tuple[pl.DataFrame, Path]]]:
    """The cache file of each release of `wanted` that has one, and the rows and cache path of the others."""
    bases = {a: fingerprint(settings, reference, a) for a in dict.fromkeys(a for _, a in wanted)}
    cached, todo = {}, {}
    for q in dict.fromkeys(q for q, _ in wanted):
        rows = quarter_rows(con, *q)
        rows_csv = rows.sort(ORDER).write_csv().encode()  # once for both audiences of the quarter
        for a in (a for w, a in wanted if w == q):
            path = _path(settings, q, a, _key(rows_csv, bases[a]))
            if path.exists():
                cached[q, a] = path
            else:
                todo[q, a] = (rows, path)
    return cached, todo


def releases(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    wanted: list[tuple[Quarter, str]],
    reference: tuple[pl.DataFrame, pl.DataFrame],
) -> dict[tuple[Quarter, str], pl.DataFrame]:
    """The rows each (quarter, audience) of `wanted` may see, with the `secret` reason column. Those neither
    cached nor submitted ahead (`submit`) are computed in parallel, one process per core: the LP check is
    single-threaded and a cold site of the demo's 11 quarters took 24 s in one process."""
    cached, todo = _lookup(con, settings, wanted, reference)
    found = {release: pl.read_parquet(path) for release, path in cached.items()}
    ahead = {release: _ahead.pop(path) for release, (_, path) in todo.items() if path in _ahead}
    if ahead:  # a reader waits: every release submitted ahead is computed at once now
        while _paced:
            _paced.pop().hurry()
    rest = {release: v for release, v in todo.items() if release not in ahead}
    # the worker's error, if any, is raised here: in the step that needs the release
    results = itertools.chain(((r, f.result()) for r, f in ahead.items()), _compute(rest, settings, reference))
    for release, result in results:
        _store(result, todo[release][1])
        found[release] = result
    return found


def submit(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    wanted: list[tuple[Quarter, str]],
    reference: tuple[pl.DataFrame, pl.DataFrame],
) -> int:
    """Starts computing in the background the releases of `wanted` neither cached nor already submitted, in
    `wanted`'s order, one at a time until a reader waits for one (paced.py); `releases` then waits for those it
    needs (and stores them) instead of computing them. Returns how many were submitted."""
    todo = {r: v for r, v in _lookup(con, settings, wanted, reference)[1].items() if v[1] not in _ahead}
    if not todo:
        return 0
    tasks = [(_args(rows, release[1], settings, reference), {"reasons": True}) for release, (rows, _) in todo.items()]
    paced = Paced(_pool(len(todo)), publishable, tasks)
    _paced.append(paced)
    for (_, path), future in zip(todo.values(), paced.futures, strict=True):
        _ahead[path] = future
    return len(todo)


def forget(settings: Settings) -> None:
    """Drops the releases of the home submitted ahead that no reader took (those not started are cancelled)."""
    root = settings.home / "cache"
    for path in [p for p in _ahead if p.is_relative_to(root)]:
        _ahead.pop(path).cancel()
    while _paced:  # past the cancelled ones at once
        _paced.pop().hurry()


def public_quarters(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    quarters: list[Quarter],
    reference: tuple[pl.DataFrame, pl.DataFrame],
) -> pl.DataFrame:
    """The rows the public may see of each quarter, with the `secret` reason column, in the quarters' order."""
    found = releases(con, settings, [(q, "public") for q in quarters], reference)
    return pl.concat([found[q, "public"] for q in quarters])


def _pool(releases: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(min(releases, os.cpu_count() or 1), mp_context=multiprocessing.get_context("spawn"))


def _args(rows: pl.DataFrame, audience: str, settings: Settings, reference: tuple) -> tuple:
    """The workers run `publishable` itself with the thresholds alone, so that they import confidentiality
    only: this module and Settings' import dagster (1.6 s of CPU per worker before, 0.6 s now)."""
    return (rows, audience, Thresholds.of(settings), *reference)


def _compute(todo: dict, settings: Settings, reference: tuple) -> Iterator[tuple[tuple[Quarter, str], pl.DataFrame]]:
    args = {(q, a): _args(rows, a, settings, reference) for (q, a), (rows, _) in todo.items()}
    if min(len(todo), os.cpu_count() or 1) <= 1:
        yield from ((r, publishable(*a, reasons=True)) for r, a in args.items())
        return
    with _pool(len(todo)) as pool:
        futures = {r: pool.submit(publishable, *a, reasons=True) for r, a in args.items()}
        yield from ((r, f.result()) for r, f in futures.items())


def public_quarter(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    annee: int,
    trimestre: int,
    reference: tuple[pl.DataFrame, pl.DataFrame],
) -> pl.DataFrame:
    """The rows of one quarter the public may see, with the `secret` reason column (cached)."""
    return public_quarters(con, settings, [(annee, trimestre)], reference)

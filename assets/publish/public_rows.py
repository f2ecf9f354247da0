"""The public's rows of each quarter (statistical confidentiality, audience `public`), kept in a cache
under `<home>/cache/public/`: the site shows every quarter's history, and secondary suppression costs
about 2 s per quarter of the demo (`python bench/site.py`), while a monthly run changes few past quarters.

A cached quarter is reused only when everything its result depends on is unchanged: the quarter's rows,
the reference tables, the thresholds, and the source of the confidentiality modules themselves."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import polars as pl

from ..private import private_dir, private_file
from ..settings import Settings
from . import confidentiality, primary, relations, secondary, verify
from .cil_sources import quarter_rows
from .confidentiality import publishable, read_identities

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


def public_quarter(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    annee: int,
    trimestre: int,
    reference: tuple[pl.DataFrame, pl.DataFrame],
    base: bytes | None = None,
) -> pl.DataFrame:
    """The rows of one quarter the public may see, with the `secret` reason column (cached)."""
    rows = quarter_rows(con, annee, trimestre)
    key = _key(rows, base or fingerprint(settings, reference))
    folder = cache_dir(settings)
    path = folder / f"{annee}T{trimestre}-{key}.parquet"
    if path.exists():
        return pl.read_parquet(path)
    result = publishable(rows, "public", settings, *reference, reasons=True)
    private_dir(folder.parent, folder)
    for old in folder.glob(f"{annee}T{trimestre}-*.parquet"):
        old.unlink()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    result.write_parquet(tmp)
    private_file(tmp)
    os.replace(tmp, path)
    return result

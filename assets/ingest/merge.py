"""Merge policies: what a file's valid rows do to its feed's raw table (CONTRACTS.md, "Dates, periods
and re-sent files").

One function per policy, chosen by the contract's `merge` value; each runs inside the caller's
transaction with the file's rows registered as the view `incoming`, and returns the rows to insert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from expectations.contract import Contract, FileInfo

from .reader import LANDLORD
from .schema import columns_of

INCOMING = "incoming"


@dataclass
class Merged:
    loaded: int
    ignored: int = 0  # rows left out because the warehouse already holds them (or a later version)
    conflicts: pl.DataFrame = field(default_factory=pl.DataFrame)  # quarantine rows


def merge_file(con: duckdb.DuckDBPyConnection, contract: Contract, info: FileInfo, rows: pl.DataFrame) -> Merged:
    """Apply the feed's merge policy to `rows` (warehouse columns and meta) and insert what remains."""
    _register(con, rows)
    try:
        rows, ignored, conflicts = POLICIES[contract.merge](con, contract, info, rows)
        con.execute(f"insert into {contract.table} by name select * from {INCOMING}")
    finally:
        con.unregister(INCOMING)
    if contract.feed == "sne_radiations":
        deradiations(con)
    return Merged(rows.height, ignored, conflicts)


def replace_period(
    con, contract: Contract, info: FileInfo, rows: pl.DataFrame
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Snapshots (demands, stock, programmes) and yearly feeds: the file replaces the rows of its date,
    and of its landlord when its name carries one."""
    cond, params = "_date_fichier = ?", [info.date]
    if info.siren:
        cond, params = cond + f" and {LANDLORD} = ?", params + [info.siren]
    con.execute(f"delete from {contract.table} where {cond}", params)
    return rows, 0, pl.DataFrame()


def replace_key(con, contract: Contract, info: FileInfo, rows: pl.DataFrame) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """CAL answers: a row replaces the one of the same key. The landlord referential (no date in its
    name) is so upserted by `siren`, and a landlord the file omits is kept."""
    ignored = 0
    if info.date is not None:
        # A row of a later period stands: an earlier month re-sent afterwards does not undo its answers.
        # fetchall, not .pl(): the answer is mostly empty, and a frame costs ~6 ms per file.
        newer = [
            r[0]
            for r in con.sql(
                f"select distinct n._ligne from {INCOMING} n join {contract.table} t on "
                f"{_key_match(contract, 'n', 't')} where t._date_fichier > n._date_fichier"
            ).fetchall()
        ]
        if newer:
            ignored = len(newer)
            rows = _register(con, rows.filter(~pl.col("_ligne").is_in(newer)))
    con.execute(f"delete from {contract.table} as t using {INCOMING} as n where {_key_match(contract, 't', 'n')}")
    return rows, ignored, pl.DataFrame()


def unique_events(
    con, contract: Contract, info: FileInfo, rows: pl.DataFrame
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Event feeds: a key is unique across files; a later identical row is ignored, a later different
    one quarantined as a conflict (the earlier row stands)."""
    data = [n for n, _ in columns_of(contract) if not n.startswith("_")]
    same = " and ".join(f"n.{c} is not distinct from t.{c}" for c in data)
    found = con.sql(
        f"select n._ligne, any_value(t._fichier) as other, bool_and({same}) as identical "
        f"from {INCOMING} n join {contract.table} t on {_key_match(contract, 'n', 't')} group by n._ligne"
    ).fetchall()  # mostly empty: no frame unless needed (~6 ms per file)
    if not found:
        return rows, 0, pl.DataFrame()
    existing = pl.DataFrame(
        found, schema=["_ligne", "other", "identical"], orient="row", schema_overrides={"_ligne": rows.schema["_ligne"]}
    )
    clash = existing.filter(~pl.col("identical"))
    conflicts = (
        rows.join(clash, on="_ligne").select(
            ligne=pl.col("_ligne"),
            colonne=pl.lit(", ".join(contract.keys)),
            regle=pl.lit("conflit"),
            raison=pl.format("conflit avec {} : même clé, valeurs différentes", pl.col("other")),
            reason_en=pl.lit("conflicts with an earlier file"),
            valeurs=_row_json(rows),
        )
        if clash.height
        else pl.DataFrame()
    )
    rows = _register(con, rows.join(existing.select("_ligne"), on="_ligne", how="anti"))
    return rows, existing.filter(pl.col("identical")).height, conflicts


Policy = Callable[[duckdb.DuckDBPyConnection, Contract, FileInfo, pl.DataFrame], tuple[pl.DataFrame, int, pl.DataFrame]]
POLICIES: dict[str, Policy] = {
    "replace_period": replace_period,
    "replace_key": replace_key,
    "unique_events": unique_events,
}


def deradiations(con: duckdb.DuckDBPyConnection) -> None:
    """A radiation is cancelled when a later empty-motif row follows it with no radiation in between
    (SNE "déradiation"): recomputed over the whole table, since a file may cancel an older file's row."""
    con.execute("""
        update raw.sne_radiations as r set _annulee = coalesce((
            select true from raw.sne_radiations d
            where d.id_demande = r.id_demande and d.motif_radiation is null
              and d.date_radiation > r.date_radiation
              and not exists (
                select 1 from raw.sne_radiations m
                where m.id_demande = r.id_demande and m.motif_radiation is not null
                  and m.date_radiation > r.date_radiation and m.date_radiation < d.date_radiation)
            limit 1), false)
    """)


def _register(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> pl.DataFrame:
    """(Re-)register `rows` as the incoming view; returns them."""
    con.unregister(INCOMING)  # a no-op when none is registered
    con.register(INCOMING, rows)
    return rows


def _key_match(contract: Contract, a: str, b: str) -> str:
    return " and ".join(f"{a}.{k} is not distinct from {b}.{k}" for k in contract.warehouse_keys)


def _row_json(frame: pl.DataFrame) -> pl.Expr:
    """A loaded row's values (already free of personal fields), meta columns left out."""
    cols = [c for c in frame.columns if not c.startswith("_")]
    return pl.struct(cols).struct.json_encode()

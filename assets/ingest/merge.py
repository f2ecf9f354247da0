"""Merge policies: what files' valid rows do to their feed's raw table (CONTRACTS.md, "Dates, periods
and re-sent files").

One function per policy, chosen by the contract's `merge` value. A batch of files of one feed merges in
one pass, with the result of merging them one after the other in their order (the batch's files are
told apart by `_seq`): at scale 1, 33 months, merging the 560 CAL and movement files one by one cost
~20 ms each, the join with the whole table growing with the history. Each policy runs inside the
caller's transaction with the batch's rows registered as the view `incoming`, and says which of them
are not inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import polars as pl

from expectations.contract import Contract, FileInfo

from .reader import LANDLORD
from .schema import columns_of

INCOMING, SKIP = "incoming", "skip"
ROW = ["_seq", "_ligne"]  # a row of the batch: its file's rank in the batch, its line


@dataclass
class Merged:
    loaded: int
    ignored: int = 0  # rows left out because the warehouse already holds them (or a later version)
    conflicts: pl.DataFrame = field(default_factory=pl.DataFrame)  # quarantine rows


@dataclass(frozen=True)
class Part:
    """One file of a batch: what its name says, and its valid rows (warehouse columns and meta)."""

    info: FileInfo
    rows: pl.DataFrame


def merge_file(con: duckdb.DuckDBPyConnection, contract: Contract, info: FileInfo, rows: pl.DataFrame) -> Merged:
    """Apply the feed's merge policy to one file's `rows` and insert what remains."""
    return merge_batch(con, contract, [Part(info, rows)])[0]


def joins_batch(contract: Contract, info: FileInfo, batch: Sequence[FileInfo]) -> bool:
    """Whether a file can merge in one pass with the batch's files, as if after them. A period's snapshot
    replaces its date's rows: two of the same date go one after the other. The landlord referential (no
    date in its name) is upserted alone."""
    if contract.merge == "replace_period":
        return info.date not in {b.date for b in batch}
    if contract.merge == "replace_key":
        return info.date is not None and all(b.date is not None for b in batch)
    return True


def merge_batch(con: duckdb.DuckDBPyConnection, contract: Contract, parts: Sequence[Part]) -> list[Merged]:
    """Apply the feed's merge policy to the files' rows, as if one after the other in their order, and
    insert what remains; one `Merged` per file."""
    incoming = pl.concat(
        [p.rows.with_columns(_seq=pl.lit(i, pl.Int32)) for i, p in enumerate(parts)], how="vertical_relaxed"
    )
    con.register(INCOMING, incoming)
    try:
        merged, skip = POLICIES[contract.merge](con, contract, parts)
        if skip.height:
            con.register(SKIP, skip.select(ROW))
            source = f"(select * from {INCOMING} anti join {SKIP} using (_seq, _ligne))"
        else:
            source = INCOMING
        con.execute(f"insert into {contract.table} by name select * exclude (_seq) from {source}")
    finally:
        con.unregister(INCOMING)
        con.unregister(SKIP)  # a no-op when none is registered
    if contract.feed == "sne_radiations":
        deradiations(con)
    return merged


def replace_period(con, contract: Contract, parts: Sequence[Part]) -> tuple[list[Merged], pl.DataFrame]:
    """Snapshots (demands, stock, programmes) and yearly feeds: a file replaces the rows of its date, and
    of its landlord when its name carries one (a batch holds one file per date: `joins_batch`)."""
    dates = [p.info.date for p in parts if p.info.date is not None and not p.info.siren]
    pairs = [(p.info.siren, p.info.date) for p in parts if p.info.date is not None and p.info.siren]
    if dates:
        con.execute(f"delete from {contract.table} where _date_fichier in (select unnest(?::date[]))", [dates])
    if pairs:
        con.execute(
            f"delete from {contract.table} t using (select unnest(?::varchar[]) as s, unnest(?::date[]) as d) p "
            f"where t.{LANDLORD} = p.s and t._date_fichier = p.d",
            [[s for s, _ in pairs], [d for _, d in pairs]],
        )
    return [Merged(p.rows.height) for p in parts], pl.DataFrame(schema={"_seq": pl.Int32, "_ligne": pl.Int64})


def replace_key(con, contract: Contract, parts: Sequence[Part]) -> tuple[list[Merged], pl.DataFrame]:
    """CAL answers: a row replaces the one of the same key, unless a row of a later period stands (an
    earlier month re-sent afterwards does not undo its answers): in the table, or in an earlier file of
    the batch. Of a key's rows that stand, the batch's last is inserted. The landlord referential (no date
    in its name) is so upserted by `siren`, and a landlord the file omits is kept."""
    keys = ", ".join(contract.warehouse_keys)
    dated = parts[0].info.date is not None  # `joins_batch`: all the batch's files are dated, or it is one file
    later = (
        f"""coalesce(max(_date_fichier) over (partition by {keys} order by _seq
                rows between unbounded preceding and 1 preceding) > _date_fichier, false)
            or exists (select 1 from {contract.table} t where {_key_match(contract, "t", "n")}
                and t._date_fichier > n._date_fichier)"""
        if dated
        else "false"
    )
    verdict = con.sql(f"""
        select _seq, _ligne, ignored from (
            select _seq, _ligne, ignored,
                row_number() over (partition by {keys}, ignored order by _seq desc) > 1 as superseded
            from (select n.*, {later} as ignored from {INCOMING} n))
        where ignored or superseded
    """).pl()
    ignored = verdict.filter("ignored")
    con.register(SKIP, ignored.select(ROW))
    con.execute(
        f"delete from {contract.table} as t using (select * from {INCOMING} anti join {SKIP} using (_seq, _ligne)) "
        f"as n where {_key_match(contract, 't', 'n')}"
    )
    per_file = ignored.group_by("_seq").len()
    count = dict(zip(per_file["_seq"].to_list(), per_file["len"].to_list(), strict=True))
    merged = [Merged(p.rows.height - count.get(i, 0), count.get(i, 0)) for i, p in enumerate(parts)]
    return merged, verdict


def unique_events(con, contract: Contract, parts: Sequence[Part]) -> tuple[list[Merged], pl.DataFrame]:
    """Event feeds: a key is unique across files; a later identical row is ignored, a later different
    one quarantined as a conflict (the earlier row stands: in the table, else the batch's first)."""
    data = [n for n, _ in columns_of(contract) if not n.startswith("_")]
    same = " and ".join(f"n.{c} is not distinct from t.{c}" for c in data)
    keys = ", ".join(contract.warehouse_keys)
    found = con.sql(f"""
        select n._seq, n._ligne, any_value(t._fichier) as other, bool_and({same}) as identical
        from {INCOMING} n join {contract.table} t on {_key_match(contract, "n", "t")} group by n._seq, n._ligne
        union all
        select n._seq, n._ligne, t._fichier, {same}
        from ({INCOMING} n anti join {contract.table} o on {_key_match(contract, "n", "o")})
        join (select * from {INCOMING} qualify row_number() over (partition by {keys} order by _seq) = 1) t
            on {_key_match(contract, "n", "t")} and n._seq > t._seq
    """).pl()
    merged = []
    for i, p in enumerate(parts):
        existing = found.filter(pl.col("_seq") == i).select(
            pl.col("_ligne").cast(p.rows.schema["_ligne"]), "other", "identical"
        )
        merged.append(_events_of_file(contract, p.rows, existing))
    return merged, found


def _events_of_file(contract: Contract, rows: pl.DataFrame, existing: pl.DataFrame) -> Merged:
    """A file's events: those already held (`existing`: _ligne, other, identical) are not loaded, the
    different ones quarantined as conflicts."""
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
    return Merged(rows.height - existing.height, existing.height - clash.height, conflicts)


Policy = Callable[[duckdb.DuckDBPyConnection, Contract, Sequence[Part]], tuple[list[Merged], pl.DataFrame]]
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


def _key_match(contract: Contract, a: str, b: str) -> str:
    return " and ".join(f"{a}.{k} is not distinct from {b}.{k}" for k in contract.warehouse_keys)


def _row_json(frame: pl.DataFrame) -> pl.Expr:
    """A loaded row's values (already free of personal fields), meta columns left out."""
    cols = [c for c in frame.columns if not c.startswith("_")]
    return pl.struct(cols).struct.json_encode()

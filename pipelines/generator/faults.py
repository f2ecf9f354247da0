"""``--defauts``: realistic faulty rows at a known rate, counted per file.

In each file of the feeds below, about ``params.FAULT_RATE`` of the data rows get one fault each
(at least one per SNE file; other files draw their count with stochastic rounding, so small files
get one now and then). The kinds are spread evenly over the file's faults. The header line is never
touched. What the ingestion should do with each kind (CONTRACTS.md):

| kind | what is written | rows quarantined |
|---|---|---|
| ``code_invalide`` | a code outside the contract's list | 1 |
| ``date_impossible`` | ``31/02/2025`` (``2025-02-31``, or month ``13/2024``) | 1 |
| ``doublon_identique`` | an exact copy of a row, right after it | 0 (one copy kept) |
| ``doublon_conflictuel`` | a copy with the same key and one other value changed | 2 (both rows) |
| ``champs_manquants`` | a line cut short by one to three fields | 1 |
| ``champs_en_trop`` | a line with one field more | 1 |
| ``revenu_negatif`` | ``revenu_mensuel`` = ``-350,00`` (SNE files) | 1 |
| ``enfants_incoherents`` | children under 14 = persons (SNE files) | 1 |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import params

QUARANTINED = {
    "code_invalide": 1,
    "date_impossible": 1,
    "doublon_identique": 0,
    "doublon_conflictuel": 2,
    "champs_manquants": 1,
    "champs_en_trop": 1,
    "revenu_negatif": 1,
    "enfants_incoherents": 1,
}
COMMON = (
    "code_invalide",
    "date_impossible",
    "doublon_identique",
    "doublon_conflictuel",
    "champs_manquants",
    "champs_en_trop",
)
SNE = COMMON + ("revenu_negatif", "enfants_incoherents")


@dataclass(frozen=True)
class FeedFaults:
    kinds: tuple[str, ...]
    code: tuple[str, str]  # column, invalid code
    date: str  # a date column (or a month column, see ``month``)
    conflict: tuple[str, str, str]  # column, new value, alternative when the row already holds it
    at_least_one: bool = False
    month: bool = False


FEEDS = {
    "sne_demandes": FeedFaults(SNE, ("logement_actuel", "PAVILLON"), "date_depot", ("revenu_mensuel", "1", "2"), True),
    "sne_radiations": FeedFaults(
        SNE, ("motif_radiation", "RADFIN"), "date_radiation", ("revenu_mensuel", "1", "2"), True
    ),
    "rpls": FeedFaults(COMMON, ("MODE", "7"), "BAIL", ("LOYERPRINC", "1", "2"), month=True),
    "mouvements": FeedFaults(
        COMMON,
        ("type_evenement", "ARRIVEE"),
        "date_evenement",
        ("groupe_immobilier", "GROUPE-MODIFIE", "GROUPE-MODIFIE-2"),
    ),
    "cal": FeedFaults(
        COMMON, ("decision", "ACCORD"), "date_cal", ("motif_refus_libelle", "Libellé modifié", "Libellé modifié bis")
    ),
    "positionnements": FeedFaults(
        COMMON, ("avis_commission", "FAVORABLE"), "date_commission", ("rang_propose", "1", "2")
    ),
}
FAULTY_FEEDS = frozenset(FEEDS)


@dataclass(frozen=True)
class LineOp:
    drop_fields: int = 0
    extra: str = ""


def expected_quarantine(counts: dict[str, int]) -> int:
    return sum(QUARANTINED[k] * v for k, v in counts.items())


def _how_many(n_rows: int, spec: FeedFaults, rng: np.random.Generator) -> int:
    x = params.FAULT_RATE * n_rows
    k = int(np.floor(x + rng.random()))
    return max(1, k) if spec.at_least_one else k


def _set(frame: pl.DataFrame, col: str, rows: np.ndarray, value: pl.Expr | str) -> pl.DataFrame:
    if len(rows) == 0:
        return frame
    hit = pl.int_range(pl.len()).is_in(pl.Series(rows, dtype=pl.Int64).implode())
    v = pl.lit(value) if isinstance(value, str) else value
    return frame.with_columns(pl.when(hit).then(v).otherwise(pl.col(col)).alias(col))


def inject(frame: pl.DataFrame, feed: str, dialect, rng: np.random.Generator):
    """Faulty rows in a frame of strings; returns (frame, line operations by 0-based data row, counts)."""
    spec = FEEDS[feed]
    n = frame.height
    total = min(_how_many(n, spec, rng), n)
    if total == 0:
        return frame, {}, {}
    kinds = list(spec.kinds)
    per = np.full(len(kinds), total // len(kinds))
    per[rng.permutation(len(kinds))[: total % len(kinds)]] += 1
    line_safe = ~frame.select(pl.any_horizontal(pl.all().fill_null("").str.contains(r'[;"]'))).to_series().to_numpy()
    date_known = frame[spec.date].is_not_null().to_numpy()
    eligible = {"date_impossible": date_known, "champs_manquants": line_safe, "champs_en_trop": line_safe}
    used = np.zeros(n, dtype=bool)
    rows: dict[str, np.ndarray] = {}
    for kind, k in zip(kinds, per, strict=True):
        ok = ~used & eligible.get(kind, np.ones(n, dtype=bool))
        pick = np.sort(rng.choice(np.flatnonzero(ok), size=min(int(k), int(ok.sum())), replace=False))
        used[pick] = True
        rows[kind] = pick
    counts = {k: int(len(v)) for k, v in rows.items() if len(v)}

    col, bad = spec.code
    frame = _set(frame, col, rows["code_invalide"], bad)
    impossible = "13/2024" if spec.month else ("31/02/2025" if dialect.date_format.startswith("%d") else "2025-02-31")
    frame = _set(frame, spec.date, rows["date_impossible"], impossible)
    if "revenu_negatif" in rows:
        frame = _set(frame, "revenu_mensuel", rows["revenu_negatif"], "-350,00")
        frame = _set(frame, "nb_enfants_moins_14_ans", rows["enfants_incoherents"], pl.col("nb_personnes"))

    tag = np.zeros(n, dtype=np.int8)
    tag[rows["champs_manquants"]] = 1
    tag[rows["champs_en_trop"]] = 2
    base = frame.with_columns(_pos=pl.int_range(pl.len()), _dup=pl.lit(0), _tag=pl.Series(tag))
    ident = base[rows["doublon_identique"]].with_columns(_dup=pl.lit(1), _tag=pl.lit(0, dtype=pl.Int8))
    ccol, new, alt = spec.conflict
    conflict = base[rows["doublon_conflictuel"]].with_columns(
        pl.when(pl.col(ccol) == new).then(pl.lit(alt)).otherwise(pl.lit(new)).alias(ccol),
        _dup=pl.lit(1),
        _tag=pl.lit(0, dtype=pl.Int8),
    )
    out = pl.concat([base, ident, conflict]).sort(["_pos", "_dup"], maintain_order=True)
    tags = out["_tag"].to_numpy()
    n_drop = rng.integers(1, 4, size=int((tags == 1).sum()))
    ops: dict[int, LineOp] = {}
    for i, r in enumerate(np.flatnonzero(tags == 1)):
        ops[int(r)] = LineOp(drop_fields=int(min(n_drop[i], frame.width - 1)))
    for r in np.flatnonzero(tags == 2):
        ops[int(r)] = LineOp(extra="EN_TROP")
    return out.drop("_pos", "_dup", "_tag"), ops, counts


def apply_line_ops(text: str, ops: dict[int, LineOp], eol: str) -> str:
    """Cut or extend lines of ``text`` (by 0-based line index; no field holds a line break)."""
    lines = text.split(eol)
    for i, op in ops.items():
        if op.drop_fields:
            lines[i] = ";".join(lines[i].split(";")[: -op.drop_fields])
        if op.extra:
            lines[i] = lines[i] + ";" + op.extra
    return eol.join(lines)

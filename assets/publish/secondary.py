"""Secondary suppression: complements iterated until stable (a simple form of τ-ARGUS's hypercube
heuristic), set-based in Polars; the loop is over iterations, each one a few joins on every relation.

A relation is protected when its hidden cells are at least two and sum to at least the threshold (with the
unpublished rest of a window): then none of them can be recomputed by subtraction, nor bounded within less
than the threshold. An unprotected relation gets its smallest published cell hidden (ties broken on
indicateur, niveau_geo, code_geo, modalite). Never-masked rows are never chosen; a hidden cell that
never-masked rows determine alone is published instead (they are published anyway).
"""

from __future__ import annotations

import polars as pl

ORDER = ["v", "indicateur", "niveau_geo", "code_geo", "modalite", "_id"]


def _unprotected(members: pl.DataFrame, state: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Members of the relations that some hidden cell leaves unprotected, with the rows' state."""
    m = members.join(state, on="_id")
    per = m.group_by("rel").agg(
        n_hidden=pl.col("_hidden").sum() + (pl.col("reste").first() > 0).cast(pl.UInt32),
        hidden_sum=pl.col("v").filter("_hidden").sum() + pl.col("reste").first(),
        largest_primary=pl.col("v").filter(pl.col("_hidden") & pl.col("_primary")).max().fill_null(0),
    )
    few = (pl.col("n_hidden") == 1) | (pl.col("hidden_sum") - pl.col("largest_primary") < threshold)
    weak = per.filter((pl.col("n_hidden") >= 1) & few)
    return m.join(weak, on="rel", how="semi")


def _complements(weak: pl.DataFrame) -> pl.DataFrame:
    """(_id) of the smallest published cell that may be hidden, in each unprotected relation."""
    # a zero hidden beside a small cell widens nothing: complements are positive cells
    free = weak.filter(~pl.col("_hidden") & ~pl.col("_locked") & (pl.col("v") > 0))
    return free.sort(ORDER).group_by("rel", maintain_order=True).first().select("_id").unique()


def _determined(weak: pl.DataFrame) -> pl.DataFrame:
    """(_id) of the hidden rows each of whose counts (`_cells` of them) is alone hidden in a relation whose
    other cells are all published and never masked."""
    per = weak.group_by("rel").agg(
        n_hidden=pl.col("_hidden").sum(),
        free=(~pl.col("_hidden") & ~pl.col("_locked")).sum(),
        reste=pl.col("reste").first(),
    )
    alone = per.filter((pl.col("n_hidden") == 1) & (pl.col("free") == 0) & (pl.col("reste") == 0))
    known = weak.join(alone, on="rel", how="semi").filter(pl.col("_hidden") & ~pl.col("_out"))
    per_row = known.group_by("_id").agg(n=pl.col("composante").n_unique(), cells=pl.col("_cells").first())
    return per_row.filter(pl.col("n") == pl.col("cells")).select("_id")


def suppress(members: pl.DataFrame, state: pl.DataFrame, threshold: int, max_rounds: int = 1000) -> pl.DataFrame:
    """`state` (_id, _hidden, _locked, _out, _cells, indicateur, niveau_geo, code_geo, modalite) after complements:
    `_hidden` grows until every relation is protected or only never-masked cells could protect it."""
    for _ in range(max_rounds):
        weak = _unprotected(members, state, threshold)
        new = _complements(weak)
        if new.height:
            state = state.with_columns(_hidden=pl.col("_hidden") | pl.col("_id").is_in(new["_id"].implode()))
            continue
        shown = _determined(weak)
        if not shown.height:
            return state
        flag = pl.col("_id").is_in(shown["_id"].implode())
        state = state.with_columns(_hidden=pl.col("_hidden") & ~flag, _locked=pl.col("_locked") | flag)
    raise RuntimeError(f"secret secondaire : pas de point fixe après {max_rounds} itérations")

"""Secondary suppression: complements iterated until stable (a simple form of τ-ARGUS's hypercube
heuristic), set-based in Polars; the loop is over iterations, each one a few joins on every relation.

It works on counts, not rows: the cells that two-cell relations make equal (an identity of the seed, a
one-commune sector, the common denominator of a cut) are one count, a class, known to the readers as soon as
one row shows it. Hiding a count hides every row it recurs in; a row is hidden when one of its counts is.

A relation is protected when its hidden counts are at least two and sum, without the largest small one, to at
least the threshold (with the unpublished rest of a window): then none of them can be recomputed by
subtraction, nor a small one bounded within less than the threshold. An unprotected relation gets its
smallest published count hidden, a positive one first (ties broken on the first row showing it). Counts of
never-masked rows are never chosen; a hidden count that never-masked rows determine alone is published instead
(they are published anyway).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .verify import narrow


def classes(c: pl.DataFrame, members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the cells `c` with their class `cls`; the members (rel, cls, v, total, reste) of the other relations).
    A two-cell exact relation makes one class; a relation naming a class twice (its other members are zeros)
    tells nothing more, and is left out. Cells are numbered in the order of their key, not of the rows: the
    class numbers, hence the LP's variables and the vertex it returns, are the same whatever the rows' order."""
    c = c.sort("indicateur", "sig", "composante").with_row_index("_cell")
    m = members.join(c.select("_id", "composante", "_cell"), on=["_id", "composante"])
    pairs = m.filter((pl.len().over("rel") == 2) & (pl.col("reste") == 0))
    ends = pairs.group_by("rel").agg(a=pl.col("_cell").min(), b=pl.col("_cell").max())
    n = c.height
    graph = coo_matrix((np.ones(ends.height), (ends["a"].to_numpy(), ends["b"].to_numpy())), shape=(n, n))
    label = connected_components(graph, directed=False)[1]
    c = c.with_columns(cls=pl.Series(label, dtype=pl.Int64))
    m = m.join(pairs.select("rel").unique(), on="rel", how="anti").join(c.select("_cell", "cls"), on="_cell")
    m = m.filter((pl.len().over("rel", "cls") == 1).all().over("rel"))
    return c, m.select("rel", "cls", "v", "total", "reste")


def _rows_hidden(cell_rows: pl.DataFrame, rows: pl.DataFrame, hide: pl.Series, known: pl.Series) -> pl.DataFrame:
    """(_id, _hidden): a row is hidden when it shows a hidden count, unless it is never masked or every count
    it shows is known anyway (never-masked rows give or determine it)."""
    k = pl.col("cls").is_in(known.implode())
    flags = cell_rows.select("_id", "_small", h=pl.col("cls").is_in(hide.implode()) & ~k, k=k)
    per = flags.group_by("_id").agg(pl.col("h").any(), pl.col("k").all(), pl.col("_small").any())
    r = rows.join(per, on="_id", how="left").with_columns(pl.col("h", "k", "_small").fill_null(False))
    # a row small for no count of its own (an extreme share, for the public) is hidden as such
    hidden = (pl.col("h") | (pl.col("_primary") & ~pl.col("_small"))) & ~pl.col("k") & ~pl.col("_locked")
    return r.select("_id", _hidden=hidden)


def _class_state(cell_rows: pl.DataFrame, rows: pl.DataFrame, hidden: pl.DataFrame, known: pl.Series) -> pl.DataFrame:
    """(cls, _shown, _free): shown when known or a row the audience receives shows it; free when it is shown
    and may still be hidden."""
    x = cell_rows.join(hidden, on="_id").join(rows.select("_id", "_out"), on="_id")
    per = x.group_by("cls").agg(_seen=(~pl.col("_hidden") & ~pl.col("_out")).any())
    k = pl.col("cls").is_in(known.implode())
    return per.select("cls", _shown=pl.col("_seen") | k, _free=pl.col("_seen") & ~k)


def _weak(members: pl.DataFrame, state: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Members of the relations that some hidden count leaves unprotected, with the classes' state."""
    m = members.join(state, on="cls")
    hid = ~pl.col("_shown")
    per = m.group_by("rel").agg(
        cells=hid.sum(),
        n_hidden=hid.sum() + (pl.col("reste").first() > 0).cast(pl.UInt32),
        hidden_sum=pl.col("v").filter(hid).sum() + pl.col("reste").first(),
        largest_small=pl.col("v").filter(hid & pl.col("_small")).max().fill_null(0),
    )
    few = (pl.col("n_hidden") == 1) | (pl.col("hidden_sum") - pl.col("largest_small") < threshold)
    # the unpublished rest of a window is no hidden cell: a window whose cells are all published is safe
    return m.join(per.filter((pl.col("cells") >= 1) & few), on="rel", how="semi")


def _complements(weak: pl.DataFrame) -> pl.Series:
    """The smallest free positive count of each unprotected relation. Never a zero: it adds nothing to the
    hidden sum, and its own row gives it away (a share or a median over no observation is `non_calculable`,
    a statut that stays published). Hiding zeros one by one also took 30 rounds on a demo quarter: 3,563
    rows hidden for nothing (2026T3, CIL audience)."""
    free = weak.filter("_free", pl.col("v") > 0).sort("v", "_key")
    return free.group_by("rel", maintain_order=True).first()["cls"].unique()


def _determined(weak: pl.DataFrame) -> pl.Series:
    """The counts alone hidden in a relation whose other counts are all known (never masked or determined)."""
    per = weak.group_by("rel").agg(
        n_hidden=(~pl.col("_shown")).sum(), free=pl.col("_free").sum(), reste=pl.col("reste").first()
    )
    alone = per.filter((pl.col("n_hidden") == 1) & (pl.col("free") == 0) & (pl.col("reste") == 0))
    return weak.join(alone, on="rel", how="semi").filter(~pl.col("_shown"))["cls"].unique()


def _widen(
    members: pl.DataFrame, state: pl.DataFrame, small: pl.Series, known: pl.Series, threshold: int
) -> tuple[pl.Series, pl.Series]:
    """(the small hidden counts that only never-masked rows bound too narrowly; the counts to hide): where the
    relations together still bound a small hidden count (of `small`) within less than the threshold
    (verify.py), the smallest free count of each relation binding its range is hidden, unless the never-masked
    rows alone bound it as narrowly (nothing can widen it)."""
    shown = state.filter("_shown")["cls"]
    tight = narrow(members, shown, small.filter(~small.is_in(shown.implode())), threshold)
    hopeless = (
        narrow(members, known, tight["cls"].unique(), threshold)["cls"].unique() if tight.height else tight["cls"]
    )
    binding = tight.filter(~pl.col("cls").is_in(hopeless.implode())).select("rel").unique()
    return hopeless, _complements(members.join(binding, on="rel").join(state, on="cls"))


def suppress(
    cell_rows: pl.DataFrame,
    members: pl.DataFrame,
    rows: pl.DataFrame,
    threshold: int,
    told: pl.Series | None = None,
    max_rounds: int = 1000,
) -> pl.DataFrame:
    """(_id, _hidden) of the rows (`_id`, `_out`, `_locked`, `_primary`) after complements; `cell_rows` are
    the cells (`_id`, `cls`, `v`, `_small`, `_key`), `members` the relations between classes, `told` the
    classes the readers know otherwise (a zero that a published statut tells)."""
    per_class = cell_rows.join(rows.select("_id", "_out", "_locked"), on="_id").group_by("cls")
    facts = per_class.agg(_small=pl.col("_small").any(), _key=pl.col("_key").min())
    known = per_class.agg(k=(pl.col("_locked") & ~pl.col("_out")).any()).filter("k")["cls"]
    if told is not None:
        known = pl.concat([known, told.cast(known.dtype)]).unique()
    hide = facts.filter("_small", ~pl.col("cls").is_in(known.implode()))["cls"]
    unchecked = hide
    members = members.join(facts, on="cls")
    for _ in range(max_rounds):
        hidden = _rows_hidden(cell_rows, rows, hide, known)
        state = _class_state(cell_rows, rows, hidden, known)
        weak = _weak(members, state, threshold)
        new = _complements(weak)
        if not new.len():
            shown = _determined(weak)
            if shown.len():
                known = pl.concat([known, shown]).unique()
                continue
            hopeless, new = _widen(members, state, unchecked, known, threshold)
            unchecked = unchecked.filter(~unchecked.is_in(hopeless.implode()))
        if not new.len():
            return hidden
        hide = pl.concat([hide, new]).unique()
    raise RuntimeError(f"secret secondaire : pas de point fixe après {max_rounds} itérations")

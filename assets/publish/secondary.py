"""Secondary suppression: complements iterated until stable (a simple form of τ-ARGUS's hypercube
heuristic), set-based: classes and relations in Polars, then each round of the loop a few numpy reductions
over every relation's members.

It works on counts, not rows: the cells that two-cell relations make equal (an identity of the seed, a
one-commune sector, the common denominator of a cut) are one count, a class, known to the readers as soon as
one row shows it. Hiding a count hides every row it recurs in; a row is hidden when one of its counts is.

A relation is protected when its hidden counts are at least two and sum, without the largest small one, to at
least the threshold (with the unpublished rest of a window): then none of them can be recomputed by
subtraction, nor a small one bounded within less than the threshold. An unprotected relation gets its
smallest published positive count hidden (ties broken on the first row showing it), never a zero. Counts of
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


class _Table:
    """The release as arrays, built once: each round of the loop is then a few numpy reductions over the cells
    and the relations' members (the same rounds as joins and group-bys in Polars took 22 ms each, 0.33 s of
    CPU per public quarter of the demo; ~2 ms here). Classes are numbered 0…n−1 (`classes`)."""

    def __init__(self, cell_rows: pl.DataFrame, members: pl.DataFrame, rows: pl.DataFrame):
        rows = rows.with_row_index("_row")
        cells = cell_rows.join(rows.select("_id", "_row"), on="_id")
        self.rows = rows
        self.n_cls = int(cells["cls"].max()) + 1 if cells.height else 0
        self.cell_row, self.cell_cls = cells["_row"].to_numpy(), cells["cls"].to_numpy()
        self.cell_small = cells["_small"].to_numpy()
        self.out, self.locked, self.primary = (rows[c].to_numpy() for c in ("_out", "_locked", "_primary"))
        self.n_cells = np.bincount(self.cell_row, minlength=rows.height)
        small_row = np.bincount(self.cell_row, weights=self.cell_small, minlength=rows.height) > 0
        # a row small for no count of its own (an extreme share, for the public) is hidden as such
        self.alone = self.primary & ~small_row
        # members in the order complements are chosen in: the smallest count first, then the first row showing it
        self.members = members  # for the LP check, in the order it always had
        m = members.with_columns(rel_code=pl.col("rel").rank("dense").cast(pl.Int64) - 1)
        m = m.sort("v", "_key")
        self.codes = m.select("rel", "rel_code").unique()
        self.rel, self.cls = m["rel_code"].to_numpy(), m["cls"].to_numpy()
        self.v, self.small = m["v"].to_numpy(), m["_small"].to_numpy()
        self.n_rel = int(self.rel.max()) + 1 if m.height else 0
        per_rel = m.group_by("rel_code").agg(pl.col("reste").first()).sort("rel_code")
        self.reste = np.zeros(self.n_rel)
        self.reste[per_rel["rel_code"].to_numpy()] = per_rel["reste"].to_numpy()

    def mask(self, classes: pl.Series) -> np.ndarray:
        out = np.zeros(self.n_cls, dtype=bool)
        out[classes.to_numpy()] = True
        return out

    def classes(self, mask: np.ndarray) -> pl.Series:
        return pl.Series("cls", np.flatnonzero(mask), dtype=pl.Int64)

    def rows_hidden(self, hide: np.ndarray, known: np.ndarray) -> np.ndarray:
        """A row is hidden when it shows a hidden count, unless it is never masked or every count it shows is
        known anyway (never-masked rows give or determine it)."""
        n = len(self.out)
        shows_hidden = np.bincount(self.cell_row, weights=hide[self.cell_cls] & ~known[self.cell_cls], minlength=n) > 0
        all_known = (np.bincount(self.cell_row, weights=~known[self.cell_cls], minlength=n) == 0) & (self.n_cells > 0)
        return (shows_hidden | self.alone) & ~all_known & ~self.locked

    def shown(self, hidden: np.ndarray, known: np.ndarray) -> np.ndarray:
        """A count is shown when known or a row the audience receives shows it."""
        seen = ~hidden[self.cell_row] & ~self.out[self.cell_row]
        return (np.bincount(self.cell_cls, weights=seen, minlength=self.n_cls) > 0) | known

    def weak(self, shown: np.ndarray, threshold: int) -> np.ndarray:
        """The relations (as a mask over their codes) that some hidden count leaves unprotected."""
        hid = ~shown[self.cls]
        cells = np.bincount(self.rel, weights=hid, minlength=self.n_rel)
        n_hidden = cells + (self.reste > 0)
        hidden_sum = np.bincount(self.rel, weights=self.v * hid, minlength=self.n_rel) + self.reste
        largest_small = np.zeros(self.n_rel)
        hs = hid & self.small
        np.maximum.at(largest_small, self.rel[hs], self.v[hs])
        few = (n_hidden == 1) | (hidden_sum - largest_small < threshold)
        # the unpublished rest of a window is no hidden cell: a window whose cells are all published is safe
        return (cells >= 1) & few

    def complements(self, rels: np.ndarray, free: np.ndarray) -> np.ndarray:
        """The first free positive count, in the members' order, of each relation of `rels` (a mask over
        classes). Never a zero: it adds nothing to the hidden sum, and its own row gives it away (a share or a
        median over no observation is `non_calculable`, a statut that stays published). Hiding zeros one by one
        took 30 rounds on a demo quarter and hid 3,563 rows for nothing (2026T3, CIL audience)."""
        candidate = rels[self.rel] & free[self.cls] & (self.v > 0)
        _, first = np.unique(self.rel[candidate], return_index=True)
        out = np.zeros(self.n_cls, dtype=bool)
        out[self.cls[candidate][first]] = True
        return out

    def determined(self, weak: np.ndarray, shown: np.ndarray, free: np.ndarray) -> np.ndarray:
        """The counts alone hidden in a weak relation whose other counts are all known (never masked or
        determined)."""
        n_hidden = np.bincount(self.rel, weights=~shown[self.cls], minlength=self.n_rel)
        n_free = np.bincount(self.rel, weights=free[self.cls], minlength=self.n_rel)
        alone = weak & (n_hidden == 1) & (n_free == 0) & (self.reste == 0)
        out = np.zeros(self.n_cls, dtype=bool)
        out[self.cls[alone[self.rel] & ~shown[self.cls]]] = True
        return out

    def widen(
        self, shown: np.ndarray, free: np.ndarray, small: np.ndarray, known: np.ndarray, threshold: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(the small hidden counts that only never-masked rows bound too narrowly; the counts to hide): where the
        relations together still bound a small hidden count (of `small`) within less than the threshold
        (verify.py), the smallest free count of each relation binding its range is hidden, unless the
        never-masked rows alone bound it as narrowly (nothing can widen it)."""
        tight = narrow(self.members, self.classes(shown), self.classes(small & ~shown), threshold)
        hopeless = np.zeros(self.n_cls, dtype=bool)
        if tight.height:
            hopeless = self.mask(narrow(self.members, self.classes(known), tight["cls"].unique(), threshold)["cls"])
        binding = tight.filter(~pl.col("cls").is_in(self.classes(hopeless).implode())).select("rel").unique()
        rels = np.zeros(self.n_rel, dtype=bool)
        rels[self.codes.join(binding, on="rel")["rel_code"].to_numpy()] = True
        return hopeless, self.complements(rels, free)


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
    table = _Table(cell_rows, members.join(facts, on="cls"), rows)
    known = table.mask(per_class.agg(k=(pl.col("_locked") & ~pl.col("_out")).any()).filter("k")["cls"])
    if told is not None:
        known |= table.mask(told)
    hide = table.mask(facts.filter("_small")["cls"]) & ~known
    unchecked = hide.copy()
    for _ in range(max_rounds):
        hidden = table.rows_hidden(hide, known)
        shown = table.shown(hidden, known)
        free = shown & ~known
        weak = table.weak(shown, threshold)
        new = table.complements(weak, free)
        if not new.any():
            determined = table.determined(weak, shown, free)
            if determined.any():
                known |= determined
                continue
            hopeless, new = table.widen(shown, free, unchecked, known, threshold)
            unchecked &= ~hopeless
        if not new.any():
            return table.rows.select("_id", _hidden=pl.Series(hidden))
        hide |= new
    raise RuntimeError(f"secret secondaire : pas de point fixe après {max_rounds} itérations")

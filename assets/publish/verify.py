"""The suppression checks itself by linear programming before it lets a release go (docs/confidentialite.md).

Complements chosen relation by relation protect each relation, not always their combination: in a table cut
three ways (commune × typologie × motif) the published totals together may bound a small hidden count within
less than the threshold. For each small hidden count, this computes the smallest and largest value that the
published counts allow (counts ≥ 0, scipy's HiGHS) and returns those whose range is narrower than the
threshold; the suppression then hides more around them.

Only the connected parts of the system that hold a small hidden count are solved. Most small counts are settled
by a few LPs over the sum of the open ones (each solution is a consistent table: together with the true table,
two tables where the count differs by the threshold prove it protected); the rest get their exact range.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

TOLERANCE = 1e-6  # HiGHS's feasibility tolerance is 1e-7


def narrow(members: pl.DataFrame, shown: pl.Series, small: pl.Series, threshold: int) -> pl.DataFrame:
    """(cls, rel): the classes of `small` (hidden) whose range, given the `shown` classes and the relations
    `members` (rel, cls, v, total), is narrower than `threshold`, each with the relations that bind its range
    (the LP's nonzero duals: where hiding one more count widens it)."""
    known = pl.col("cls").is_in(shown.implode())
    m = members.with_columns(coef=pl.when("total").then(1.0).otherwise(-1.0))
    m = m.filter((~known).any().over("rel"))
    if m.is_empty():
        return pl.DataFrame(schema={"cls": pl.Int64, "rel": pl.String})
    # published terms go to the right-hand side: Σ coef·unknown = −Σ coef·published
    rhs = m.group_by("rel").agg(b=-(pl.col("coef") * pl.col("v")).filter(known).sum()).sort("rel")
    rel_index = rhs.with_row_index("r")
    unknown = m.filter(~known)
    var = unknown.select("cls", "v").unique("cls").sort("cls").with_row_index("j")
    terms = unknown.join(rel_index.select("rel", "r"), on="rel").join(var.select("cls", "j"), on="cls")
    window = rel_index.select(pl.col("rel").str.starts_with("fenetre|"))["rel"].to_numpy()
    system = _System(
        terms["r"].to_numpy(), terms["j"].to_numpy(), terms["coef"].to_numpy(), rhs["b"].to_numpy(), window
    )
    targets = var.filter(pl.col("cls").is_in(small.implode()))["j"].to_numpy()
    found = [hit for part in system.parts(targets) for hit in system.narrow(part, var["v"].to_numpy(), threshold)]
    hits = pl.DataFrame(found, schema={"j": pl.UInt32, "r": pl.UInt32}, orient="row")
    return hits.join(var, on="j").join(rel_index, on="r").select("cls", "rel").unique().sort("cls", "rel")


class _System:
    """Σ a·x = b (or ≥ b for a window: its total is at least its parts), x ≥ 0, in sparse form."""

    def __init__(self, r: np.ndarray, j: np.ndarray, a: np.ndarray, b: np.ndarray, window: np.ndarray):
        self.r, self.j, self.a, self.b, self.window = r, j, a, b, window
        self.nvar = int(j.max()) + 1 if len(j) else 0

    def parts(self, targets: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(relations, variables) of each connected part holding a target."""
        n = len(self.b) + self.nvar
        graph = coo_matrix((np.ones(len(self.r)), (self.r, self.j + len(self.b))), shape=(n, n))
        label = connected_components(graph, directed=False)[1]
        rel_label, var_label = label[: len(self.b)], label[len(self.b) :]
        wanted = np.unique(var_label[targets])
        return [(np.flatnonzero(rel_label == k), targets[var_label[targets] == k]) for k in wanted]

    def narrow(self, part: tuple[np.ndarray, np.ndarray], truth: np.ndarray, threshold: int) -> list[tuple[int, int]]:
        """(target, relation binding its range) of the targets of `part` narrower than `threshold`."""
        rels, targets = part
        keep = np.isin(self.r, rels)
        cols = np.unique(self.j[keep])
        col_of = {c: i for i, c in enumerate(cols)}
        row_of = {r: i for i, r in enumerate(rels)}
        rows = np.array([row_of[r] for r in self.r[keep]])
        a = csr_matrix((self.a[keep], (rows, [col_of[c] for c in self.j[keep]])), shape=(len(rels), len(cols)))
        eq, ge = ~self.window[rels], self.window[rels]
        lp = {"A_eq": a[eq], "b_eq": self.b[rels][eq]} if eq.any() else {}
        if ge.any():  # a·x ≥ b written −a·x ≤ −b
            lp |= {"A_ub": -a[ge], "b_ub": -self.b[rels][ge]}
        local = np.array([col_of[t] for t in targets])
        low, high = truth[cols].copy(), truth[cols].copy()

        def solve(which: np.ndarray, sense: float) -> np.ndarray:
            """Moves the counts `which` down (sense 1) or up (−1, each capped `threshold` above its lowest
            value seen: higher proves nothing more, and the LP stays bounded)."""
            c = np.zeros(len(cols))
            c[which] = sense
            upper = np.full(len(cols), np.inf)
            if sense < 0:
                upper[which] = low[which] + threshold
            res = linprog(c, bounds=np.column_stack([np.zeros(len(cols)), upper]), method="highs", **lp)
            if res.status != 0:
                raise RuntimeError(f"secret secondaire : vérification impossible ({res.message})")
            np.minimum(low, res.x, out=low)
            np.maximum(high, res.x, out=high)
            duals = np.zeros(len(rels))
            if eq.any():
                duals[eq] = res.eqlin.marginals
            if ge.any():
                duals[ge] = res.ineqlin.marginals
            return rels[np.abs(duals) > TOLERANCE]

        def still_open() -> np.ndarray:
            return local[high[local] - low[local] < threshold - TOLERANCE]

        # LPs over the sum of the counts still open settle most of them at once
        before = len(local) + 1
        while 0 < len(open_ := still_open()) < before:
            before = len(open_)
            solve(open_, 1.0)
            solve(still_open(), -1.0)
        out = []
        for t, i in zip(targets, local, strict=True):
            if high[i] - low[i] >= threshold - TOLERANCE:
                continue
            binding = np.union1d(solve(np.array([i]), 1.0), solve(np.array([i]), -1.0))
            if high[i] - low[i] < threshold - TOLERANCE:
                out += [(int(t), int(r)) for r in binding]
        return out

"""The suppression checks itself by linear programming before it lets a release go (docs/confidentialite.md).

Complements chosen relation by relation protect each relation, not always their combination: in a table cut
three ways (commune × typologie × motif) the published totals together may bound a small hidden count within
less than the threshold. For each small hidden count, this computes the smallest and largest value that the
published counts allow (counts ≥ 0, scipy's HiGHS) and returns those whose range is narrower than the
threshold; the suppression then hides more around them.

Only the connected parts of the system that hold a small hidden count are solved. Most small counts are settled
by a few LPs moving the open ones together (each solution is a consistent table: together with the true table,
two tables where the count differs by the threshold prove it protected); the rest get their exact range. The
result depends only on the exact ranges and their duals, never on the tables the batch LPs happen to find
(`python bench/secret.py --comparer` checks it on every quarter of the demo).
"""

from __future__ import annotations

import highspy
import numpy as np
import polars as pl
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
        rels, targets = part  # both sorted
        keep = np.isin(self.r, rels)
        cols = np.unique(self.j[keep])
        rows, local = np.searchsorted(rels, self.r[keep]), np.searchsorted(cols, targets)
        a = csr_matrix((self.a[keep], (rows, np.searchsorted(cols, self.j[keep]))), shape=(len(rels), len(cols)))
        b, ge = self.b[rels], self.window[rels]
        low, high = truth[cols].copy(), truth[cols].copy()
        _Batch(a, b, ge).settle(local, low, high, threshold)
        exact, out = None, []
        for t, i in zip(targets, local, strict=True):
            if high[i] - low[i] >= threshold - TOLERANCE:
                continue
            exact = exact or _Exact(a, b, ge, rels, low, high, threshold)
            binding = np.union1d(exact.solve(np.array([i]), 1.0), exact.solve(np.array([i]), -1.0))
            if high[i] - low[i] < threshold - TOLERANCE:
                out += [(int(t), int(r)) for r in binding]
        return out


def _record(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    """A consistent table `x` widens the ranges seen of every count."""
    np.minimum(low, x, out=low)
    np.maximum(high, x, out=high)


class _Batch:
    """LPs over the counts still open, some pushed down and the others up, settle most of them at once. Which
    tables they find does not change the result (only the exact ranges of the counts left open do), so the
    part's LP is kept in HiGHS between solves (highspy; scipy's `linprog` builds, checks and presolves a new
    model each time: 1.6 s of CPU per public quarter of the demo, ~400 LPs, against 1.1 s here)."""

    def __init__(self, a: csr_matrix, b: np.ndarray, ge: np.ndarray):
        self.n = a.shape[1]
        csc = a.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, a.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.zeros(self.n), np.zeros(self.n), np.full(self.n, np.inf)
        lp.row_lower_, lp.row_upper_ = b, np.where(ge, np.inf, b)  # a window's total is at least its parts
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = csc.indptr, csc.indices, csc.data
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(lp)
        self.all = np.arange(self.n, dtype=np.int32)

    def table(self, which: np.ndarray, sense: np.ndarray, low: np.ndarray, threshold: int) -> np.ndarray:
        """A consistent table with the counts `which` moved down (sense 1) or up (−1, each capped `threshold`
        above its lowest value seen: higher proves nothing more, and the LP stays bounded)."""
        cost, upper = np.zeros(self.n), np.full(self.n, np.inf)
        cost[which] = sense
        up = which[sense < 0]
        upper[up] = low[up] + threshold
        self.highs.changeColsCost(self.n, self.all, cost)
        self.highs.changeColsBounds(self.n, self.all, np.zeros(self.n), upper)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            why = self.highs.modelStatusToString(status)
            raise RuntimeError(f"secret secondaire : vérification impossible ({why})")
        return np.array(self.highs.getSolution().col_value)

    def settle(self, local: np.ndarray, low: np.ndarray, high: np.ndarray, threshold: int) -> None:
        """Widens the ranges seen of the counts `local` until they are all settled or two rounds settle none.
        A round pushes the open counts one way, then the other: all down first, then random ways (seeded).
        Two open counts of one relation can only move apart: pushing both down, then both up, settles one of
        them per round (12 rounds for the demo's largest part); random ways settle both half the time (291
        LPs instead of ~400 for the demo's last public quarter, 0.66 s of CPU instead of 1.1 s)."""
        rng = np.random.default_rng(0)

        def still_open() -> np.ndarray:
            return local[high[local] - low[local] < threshold - TOLERANCE]

        sense, idle = None, 0
        while len(open_ := still_open()) and idle < 2:
            sense = np.ones(len(open_)) if sense is None else rng.choice([1.0, -1.0], len(open_))
            _record(self.table(open_, sense, low, threshold), low, high)
            back = np.isin(open_, still_open())
            if back.any():
                _record(self.table(open_[back], -sense[back], low, threshold), low, high)
            idle = idle + 1 if len(still_open()) == len(open_) else 0


class _Exact:
    """The exact range of one count, and the relations binding it (the LP's nonzero duals), by scipy's
    `linprog`, a new model each time: its duals name the complements, so they must not depend on the LPs
    solved before."""

    def __init__(self, a, b, ge, rels, low, high, threshold):
        eq = ~ge
        self.lp = {"A_eq": a[eq], "b_eq": b[eq]} if eq.any() else {}
        if ge.any():  # a·x ≥ b written −a·x ≤ −b
            self.lp |= {"A_ub": -a[ge], "b_ub": -b[ge]}
        self.eq, self.ge, self.rels = eq, ge, rels
        self.low, self.high, self.threshold, self.n = low, high, threshold, a.shape[1]

    def solve(self, which: np.ndarray, sense: float) -> np.ndarray:
        """Moves the counts `which` down (sense 1) or up (−1, capped `threshold` above the lowest value seen)."""
        c = np.zeros(self.n)
        c[which] = sense
        upper = np.full(self.n, np.inf)
        if sense < 0:
            upper[which] = self.low[which] + self.threshold
        # imported here: scipy.optimize costs ~0.6 s of CPU in each worker of public_rows, which seldom needs it
        from scipy.optimize import linprog

        res = linprog(c, bounds=np.column_stack([np.zeros(self.n), upper]), method="highs", **self.lp)
        if res.status != 0:
            raise RuntimeError(f"secret secondaire : vérification impossible ({res.message})")
        _record(res.x, self.low, self.high)
        duals = np.zeros(len(self.rels))
        if self.eq.any():
            duals[self.eq] = res.eqlin.marginals
        if self.ge.any():
            duals[self.ge] = res.ineqlin.marginals
        return self.rels[np.abs(duals) > TOLERANCE]

"""An independent attacker of a suppressed release (issue 11): what can be recomputed from what is published?

It knows only what any reader knows: the structure of the long table (catalogue, communes and their sectors,
modalite keys, the declared identities) and the published cells. From the structure it writes every candidate
additive relation between the count cells of one release, keeps those that hold exactly on the unsuppressed
release, and computes with linear programming (HiGHS) the smallest and largest value of each hidden cell that
is consistent with everything published, counts being non-negative. It never reads the suppressing code.

A cell is one count component of a row: `valeur` of a count, `numerateur` and `denominateur` of a share or a
ratio, `denominateur` (number of observations) of a median, mean or quartile. Published cells are constants;
hidden cells and the cells of rows the audience does not receive are unknowns ≥ 0 (only the hidden ones are
reported); a wider window's unknown earlier quarters (R4Q − quarter ≥ 0) are an inequality.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

ROW_KEY = ("indicateur", "niveau_geo", "code_geo", "modalite")
COMPONENTS = {
    "compte": ("valeur",),
    "part": ("numerateur", "denominateur"),
    "ratio": ("numerateur", "denominateur"),
    "duree": ("denominateur",),
    "score": ("denominateur",),
}
GEO_DIM = {"COMMUNE": "commune", "SECTEUR": "secteur", "BAILLEUR": "bailleur", "RESERVATAIRE": "reservataire"}
GEO_DIM |= {"RESIDENCE": "residence"}
GEO_DIMS = {*GEO_DIM.values(), "commune>secteur"}  # a commune within its sector
WIDE_WINDOWS = ("r4q", "ytd", "12m")
EXACT = 1e-9  # a relation holds when |Σ parts − total| ≤ EXACT on the unsuppressed release
PINNED = 0.5  # counts are integers: an interval narrower than this leaves one value
SOLVER_TOL = 1e-7  # HiGHS's feasibility tolerance
DIRECTION_TOL = 1e-6  # a direction's component above this raises its cell

# A cell: (indicateur, coordinates, composante); coordinates = the row's geography and modalite as sorted
# `dim=value` pairs, so that the EPCI is "" and `bailleur=X` is the same whether in code_geo or modalite.
Cell = tuple[str, str, str]


@dataclass(frozen=True)
class Relation:
    """Σ coef·cell = 0 (`eq`) or ≥ 0 (`ge`); `origine` says which structural rule wrote it."""

    terms: tuple[tuple[Cell, float], ...]
    kind: str
    origine: str
    partout: bool = False  # a guessed relation: kept only if every relation of the same origine holds

    def residual(self, values: dict[Cell, float]) -> float:
        return sum(c * values[cell] for cell, c in self.terms)

    def holds(self, values: dict[Cell, float]) -> bool:
        r = self.residual(values)
        return abs(r) <= EXACT if self.kind == "eq" else r >= -EXACT


@dataclass
class Audit:
    """The attack's outcome: `intervals` has one row per hidden cell (`bas`, `haut`: what the published cells allow)."""

    intervals: pl.DataFrame
    relations: list[Relation]
    dropped: list[Relation]
    seuil: int
    components: int
    seconds: float

    @property
    def pinned(self) -> pl.DataFrame:
        """Hidden cells that the published ones determine exactly; a cell that is not small and whose count is
        published as such in another row (D6's denominateur hidden with its row, D5_r4q published) reveals
        nothing hidden, and is left out."""
        return self.intervals.filter(
            pl.col("haut") - pl.col("bas") < PINNED,
            pl.col("primaire") | ~pl.col("copie"),
            pl.col("valeur") != 0,
            ~pl.col("inevitable"),
        )

    @property
    def exposed(self) -> pl.DataFrame:
        """Cells hidden for being small whose interval is narrower than the audience's threshold, where the
        never-masked rows alone do not bound them as narrowly."""
        return self.intervals.filter(
            pl.col("primaire"), pl.col("haut") - pl.col("bas") < self.seuil, ~pl.col("inevitable")
        )


def coordinates(niveau_geo: str, code_geo: str, modalite: str) -> dict[str, str]:
    pairs = {} if modalite == "ensemble" else dict(p.split("=", 1) for p in modalite.split(","))
    if niveau_geo in GEO_DIM:
        pairs[GEO_DIM[niveau_geo]] = code_geo
    return pairs


def key(pairs: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(pairs.items()))


def count_cells(rows: pl.DataFrame, catalogue: pl.DataFrame) -> dict[Cell, float]:
    """Every non-null count component of `rows`, by cell."""
    nature = dict(zip(catalogue["indicateur"], catalogue["nature"], strict=True))
    out = {}
    for r in rows.iter_rows(named=True):
        coords = key(coordinates(r["niveau_geo"], r["code_geo"], r["modalite"]))
        for comp in COMPONENTS.get(nature[r["indicateur"]], ()):
            if r[comp] is not None:
                out[(r["indicateur"], coords, comp)] = float(r[comp])
    return out


def candidate_relations(
    cells: dict[Cell, float], catalogue: pl.DataFrame, communes: pl.DataFrame, identities: pl.DataFrame, trimestre: int
) -> list[Relation]:
    """Every additive relation the structure suggests (relations.md), true or not."""
    famille = dict(zip(catalogue["indicateur"], catalogue["famille"], strict=True))
    fenetre = dict(zip(catalogue["indicateur"], catalogue["fenetre"], strict=True))
    nature = dict(zip(catalogue["indicateur"], catalogue["nature"], strict=True))
    secteur = dict(zip(communes["code_insee"], communes["code_secteur"], strict=True))
    by_family: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    by_indicator: dict[tuple[str, str], list[str]] = defaultdict(list)
    for cell in cells:
        by_family[(famille[cell[0]], cell[1])].append(cell)
        by_indicator[(cell[0], cell[2])].append(cell[1])
    quarterly = defaultdict(list)
    for ind in catalogue.filter(pl.col("fenetre") == "trimestre")["indicateur"]:
        quarterly[famille[ind]].append(ind)

    # 1–2. geography and cuts: the rows that differ only by one dimension sum to the row without it
    parts: dict[tuple, list[Cell]] = defaultdict(list)
    for cell in cells:
        ind, coords, comp = cell
        pairs = dict(p.split("=", 1) for p in coords.split(",")) if coords else {}
        for dim in pairs:
            rest = {k: v for k, v in pairs.items() if k != dim}
            parts[(ind, comp, key(rest), dim)].append(cell)
            if dim == "commune" and pairs[dim] in secteur:
                parts[(ind, comp, key(rest | {"secteur": secteur[pairs[dim]]}), "commune>secteur")].append(cell)
    out = []
    for (ind, comp, parent, dim), children in parts.items():
        if (ind, parent, comp) in cells:
            terms = (((ind, parent, comp), 1.0), *((c, -1.0) for c in children))
            out.append(Relation(terms, "eq", f"{ind}.{comp} = somme sur {dim}"))
        else:
            # no total of its own (D7_tranche, C1 by decision, D1_toutes_communes): another count of the family
            # at the parent, or for a cut the parts' common denominator; kept only if true everywhere (a 0 = 0
            # somewhere proves nothing)
            totals = by_family[(famille[ind], parent)]
            shared = [(ind, c[1], "denominateur") for c in children if (ind, c[1], "denominateur") in cells]
            if comp == "numerateur" and dim not in GEO_DIMS and shared:
                totals = totals + shared[:1]
                origine = f"{ind}.denominateur commun sur {dim}"
                out += [Relation(((d, 1.0), (shared[0], -1.0)), "eq", origine, partout=True) for d in shared[1:]]
            for total in totals:
                terms = ((total, 1.0), *((c, -1.0) for c in children))
                origine = f"{total[0]}.{total[2]} = somme de {ind}.{comp} sur {dim}"
                out.append(Relation(terms, "eq", origine, partout=True))

    # 3. windows: a wider window of the same family counts at least the quarter's count
    for ind, coords, comp in cells:
        if fenetre[ind] not in WIDE_WINDOWS:
            continue
        for q in quarterly[famille[ind]]:
            if (q, coords, comp) in cells and nature[q] == nature[ind]:
                kind = "eq" if fenetre[ind] == "ytd" and trimestre == 1 else "ge"
                out.append(Relation((((ind, coords, comp), 1.0), ((q, coords, comp), -1.0)), kind, f"{ind} ≥ {q}"))

    # 4. declared identities: the same count in two rows at the same geography and modalite
    for ind, comp, other, other_comp in identities.select(
        "indicateur", "composante", "egal_a", "composante_egal_a"
    ).iter_rows():
        comp, other_comp = (_alias(nature.get(i), c) for i, c in ((ind, comp), (other, other_comp)))
        for coords in by_indicator[(ind, comp)]:
            if (other, coords, other_comp) in cells:
                terms = (((ind, coords, comp), 1.0), ((other, coords, other_comp), -1.0))
                out.append(Relation(terms, "eq", f"{ind}.{comp} = {other}.{other_comp}"))
    return list(dict.fromkeys(out))


def select(candidates: list[Relation], truth: dict[Cell, float]) -> tuple[list[Relation], list[Relation]]:
    """(kept, dropped): the candidates that hold on the unsuppressed release, and the others."""
    false_origins = {r.origine for r in candidates if r.partout and not r.holds(truth)}
    kept = [r for r in candidates if r.holds(truth) and r.origine not in false_origins]
    return kept, [r for r in candidates if not r.holds(truth) or r.origine in false_origins]


def _alias(nature: str | None, comp: str) -> str:
    """A count's numerateur is its valeur (INDICATORS.md): one cell."""
    return "valeur" if nature == "compte" and comp == "numerateur" else comp


def bounds(relations: list[Relation], published: dict[Cell, float], variables: list[Cell], targets: list[Cell]):
    """(bas, haut) of each target over the non-negative solutions of `relations`, one LP per component."""
    index = {v: i for i, v in enumerate(variables)}
    # a relation–variable incidence graph: its connected components are independent systems
    rows, cols = zip(
        *((r, index[c]) for r, rel in enumerate(relations) for c, _ in rel.terms if c in index), strict=True
    )
    n = len(relations) + len(variables)
    graph = coo_matrix((np.ones(len(rows)), (rows, np.array(cols) + len(relations))), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    by_component: dict[int, list[int]] = defaultdict(list)
    for r in range(len(relations)):
        by_component[label[r]].append(r)
    out = dict.fromkeys(targets, (0.0, np.inf))  # in no relation: nothing bounds it
    for rels in by_component.values():
        local = sorted({index[c] for r in rels for c, _ in relations[r].terms if c in index})
        wanted = [variables[i] for i in local if variables[i] in out]
        if wanted:
            out.update(_solve([relations[r] for r in rels], published, [variables[i] for i in local], wanted))
    return out, len(by_component)


def _solve(relations: list[Relation], published: dict[Cell, float], variables: list[Cell], targets: list[Cell]):
    """Exact (bas, haut) of each target: two LPs each, skipped where cheaper facts already give the answer —
    a target that a direction of the system raises without end (`_unbounded`), a feasible point returned by an
    earlier LP that reaches a bound the rows imply (`_propagate`). Measured on the demo's release with a naive
    suppression (5,253 hidden cells): ~40 s of CPU with two LPs per cell, 11 s with these shortcuts."""
    index = {v: i for i, v in enumerate(variables)}
    system = _system(relations, published, index)
    floor, ceiling = _propagate(system, len(index))
    at_floor = np.zeros(len(index), bool)
    at_ceiling = np.zeros(len(index), bool)
    at_ceiling[_unbounded(system, [index[t] for t in targets])] = True
    ceiling[at_ceiling] = np.inf

    def end(c: np.ndarray) -> float:
        res = linprog(c, bounds=(0, None), method="highs", **system)
        assert res.status == 0, f"système incohérent autour de {variables[int(np.argmax(np.abs(c)))]} : {res.message}"
        at_floor[:] |= res.x <= floor + SOLVER_TOL
        at_ceiling[:] |= res.x >= ceiling - SOLVER_TOL
        return float(c @ res.x)

    # LPs over the sum of the targets still open: each vertex settles many at once
    wanted = np.array([index[t] for t in targets])
    for sense, settled in ((1.0, at_floor), (-1.0, at_ceiling)):
        while not settled[wanted].all():
            left = wanted[~settled[wanted]]
            c = np.zeros(len(index))
            c[left] = sense
            end(c)
            if not settled[left].any():
                break
    out = {}
    for t in targets:
        i = index[t]
        unit = np.zeros(len(index))
        unit[i] = 1.0
        bas = floor[i] if at_floor[i] else end(unit)
        haut = ceiling[i] if at_ceiling[i] else -end(-unit)
        out[t] = (bas, haut)
    return out


def _unbounded(system: dict, candidates: list[int]) -> list[int]:
    """The candidates that grow without end: those a direction d ≥ 0 of the system (A_eq·d = 0, A_ub·d ≤ 0)
    raises; each LP over directions in [0, 1] finds some, until none is left (one or two LPs, not one each)."""
    n = next(a.shape[1] for k, a in system.items() if k.startswith("A_"))
    cone = {k: np.zeros(len(b)) if k.startswith("b_") else b for k, b in system.items()}
    found, left = [], list(candidates)
    while left:
        c = np.zeros(n)
        c[left] = -1.0
        res = linprog(c, bounds=(0, 1), method="highs", **cone)
        grown = [i for i in left if res.x[i] > DIRECTION_TOL]
        if not grown:
            break
        found += grown
        left = [i for i in left if res.x[i] <= DIRECTION_TOL]
    return found


def _system(relations: list[Relation], published: dict[Cell, float], index: dict[Cell, int]) -> dict:
    """linprog's A_eq, b_eq, A_ub, b_ub: published cells are constants, moved to the right-hand side."""
    systems = {"eq": ([], [], [], []), "ub": ([], [], [], [])}  # rows, cols, coefs, right-hand sides
    for rel in relations:
        kind = "eq" if rel.kind == "eq" else "ub"
        rows, cols, coefs, rhs = systems[kind]
        sign = 1.0 if kind == "eq" else -1.0  # Σ a·x ≥ c is written −Σ a·x ≤ −c
        for cell, c in rel.terms:
            if cell in index:
                rows.append(len(rhs))
                cols.append(index[cell])
                coefs.append(sign * c)
        rhs.append(-sign * sum(c * published[cell] for cell, c in rel.terms if cell not in index))
    out = {}
    for kind, (rows, cols, coefs, rhs) in systems.items():
        if rhs:
            out[f"A_{kind}"] = csr_matrix((coefs, (rows, cols)), shape=(len(rhs), len(index)))
            out[f"b_{kind}"] = np.array(rhs)
    return out


def _propagate(system: dict, n: int, rounds: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (lo, hi) that every solution respects, by propagating each row over the others' bounds (the
    presolve step of LP solvers): x_j ≥ 0, and a_j·x_j = b − Σ_{i≠j} a_i·x_i within the others' ranges."""
    rows = [(system["A_ub"].tocoo(), system["b_ub"], False)] if "A_ub" in system else []
    rows += [(system["A_eq"].tocoo(), system["b_eq"], True)] if "A_eq" in system else []
    lo, hi = np.zeros(n), np.full(n, np.inf)
    for _ in range(rounds):
        before = lo.copy(), hi.copy()
        for a, b, equal in rows:
            small = np.where(a.data > 0, a.data * lo[a.col], a.data * hi[a.col])  # each term's least value
            large = np.where(a.data > 0, a.data * hi[a.col], a.data * lo[a.col])
            rest_min = _sum_but_self(small, a.row, len(b))
            bound = (b[a.row] - rest_min) / a.data  # a_j > 0: an upper bound of x_j; a_j < 0: a lower one
            np.minimum.at(hi, a.col[a.data > 0], bound[a.data > 0])
            np.maximum.at(lo, a.col[a.data < 0], bound[a.data < 0])
            if equal:
                rest_max = _sum_but_self(large, a.row, len(b))
                bound = (b[a.row] - rest_max) / a.data
                np.maximum.at(lo, a.col[a.data > 0], bound[a.data > 0])
                np.minimum.at(hi, a.col[a.data < 0], bound[a.data < 0])
        if np.array_equal(lo, before[0]) and np.array_equal(hi, before[1]):
            break
    return lo, hi


def _sum_but_self(terms: np.ndarray, row: np.ndarray, nrows: int) -> np.ndarray:
    """For each entry, the sum of the other entries of its row (±inf kept apart, so that inf − inf never occurs)."""
    infinite = np.isinf(terms)
    finite = np.bincount(row, np.where(infinite, 0.0, terms), nrows)[row] - np.where(infinite, 0.0, terms)
    others_infinite = np.bincount(row, infinite, nrows)[row] - infinite
    sign = np.sign(np.bincount(row, np.where(infinite, terms, 0.0).clip(-1, 1), nrows))[row]
    finite[others_infinite > 0] = sign[others_infinite > 0] * np.inf
    return finite


def audit(
    before: pl.DataFrame,
    after: pl.DataFrame,
    catalogue: pl.DataFrame,
    communes: pl.DataFrame,
    identities: pl.DataFrame,
    seuil: int,
    never_masked: pl.DataFrame | None = None,
) -> Audit:
    """Attack `after` (one audience's release) knowing the structure of `before` (the same quarter, unsuppressed).
    `never_masked` are the rows the rules publish whatever their size (the CIL's institutional rows): what they
    alone let an attacker find is no fault of the suppression, and is told apart (`inevitable`)."""
    start = time.perf_counter()
    truth = count_cells(before, catalogue)
    told = told_zeros(before, after, catalogue)
    published = count_cells(after, catalogue) | told
    secret = sorted(count_cells(_reveal(before, after, "secret"), catalogue))
    candidates = candidate_relations(truth, catalogue, communes, identities, before["trimestre"][0])
    kept, dropped = select(candidates, truth)
    twins = _twins(kept)
    found, copies, ncomp = _attack(kept, twins, truth, published, secret)
    dwellings = {c for c in truth if c[2] == "valeur" and c[0] in _dwelling_counts(catalogue)}
    dwellings |= {c for c in secret if dwellings & twins.get(c, set())}
    rows = [(*t, truth[t], *found[t], t not in dwellings and _small(t, truth, seuil), t in copies) for t in secret]
    intervals = pl.DataFrame(
        rows,
        schema={**dict.fromkeys(["indicateur", "coordonnees", "composante"], pl.String)}
        | dict.fromkeys(["valeur", "bas", "haut"], pl.Float64)
        | dict.fromkeys(["primaire", "copie"], pl.Boolean),
        orient="row",
    )
    received = before.join(after.select(ROW_KEY), on=ROW_KEY, how="semi")
    zeros = {c: v for c, v in count_cells(received, catalogue).items() if v == 0}
    intervals = _inevitable(intervals, kept, twins, truth, never_masked, catalogue, seuil, zeros)
    return Audit(intervals, kept, dropped, seuil, ncomp, time.perf_counter() - start)


def _attack(kept: list[Relation], twins: dict, truth: dict, published: dict, targets: list[Cell]):
    """({target: (bas, haut)}, the targets published in another row, components) over the non-negative
    solutions of the relations `kept` given the `published` cells."""
    # the same count seen in several rows is one unknown (or the published value, if one row shows it)
    one = {c: min(members, key=lambda m: (m not in published, m)) for c, members in twins.items()}
    system = [r for r in (_substitute(r, one) for r in kept) if any(c not in published for c, _ in r.terms)]
    # unpublished cells (hidden, or rows this audience does not receive) are unknowns ≥ 0
    variables = sorted({one.get(c, c) for c in truth} - published.keys())
    wanted = sorted({one.get(t, t) for t in targets} - published.keys())
    found, ncomp = bounds(system, published, variables, wanted) if system and wanted else ({}, 0)
    found |= {c: (published[c], published[c]) for c in published}
    found = {t: found.get(one.get(t, t), (0.0, np.inf)) for t in targets}
    return found, {c for c in targets if one.get(c, c) in published}, ncomp


def _inevitable(intervals, kept, twins, truth, never_masked, catalogue, seuil, zeros) -> pl.DataFrame:
    """Adds `inevitable`: the cell is bounded as narrowly when only the never-masked rows are published, with
    the dwelling counts (public in RPLS) and the zeros (a zero designates no household: the rules never hide
    one for another's sake, and a statut tells many). Only the cells the attack found too narrow are attacked
    again."""
    narrow = pl.col("haut") - pl.col("bas") < pl.when("primaire").then(seuil).otherwise(PINNED)
    suspects = intervals.filter(narrow)
    if never_masked is None or suspects.is_empty():
        return intervals.with_columns(inevitable=pl.lit(False))
    given = count_cells(never_masked, catalogue) | zeros
    given |= {c: v for c, v in truth.items() if c[2] == "valeur" and c[0] in _dwelling_counts(catalogue)}
    targets = [tuple(r) for r in suspects.select("indicateur", "coordonnees", "composante").iter_rows()]
    found, _, _ = _attack(kept, twins, truth, given, targets)
    base = pl.DataFrame(
        [(*t, found[t][1] - found[t][0]) for t in targets],
        schema=["indicateur", "coordonnees", "composante", "largeur_sans_secret"],
        orient="row",
    )
    out = intervals.join(base, on=["indicateur", "coordonnees", "composante"], how="left")
    width = pl.col("haut") - pl.col("bas")
    return out.select(*intervals.columns, inevitable=(pl.col("largeur_sans_secret") <= width + PINNED).fill_null(False))


def _substitute(relation: Relation, one: dict[Cell, Cell]) -> Relation:
    """The relation with each cell replaced by its class's representative (terms of one cell added up)."""
    terms: dict[Cell, float] = defaultdict(float)
    for cell, c in relation.terms:
        terms[one.get(cell, cell)] += c
    kept = tuple((cell, c) for cell, c in terms.items() if c != 0)
    return Relation(kept, relation.kind, relation.origine, relation.partout)


def _twins(relations: list[Relation]) -> dict[Cell, set[Cell]]:
    """Each cell's class of cells equal to it through chains of two-cell relations (identities, a one-commune
    sector, a shared denominator): the same count seen in several rows."""
    pairs = [tuple(c for c, _ in r.terms) for r in relations if r.kind == "eq" and len(r.terms) == 2]
    if not pairs:
        return {}
    cells = sorted({c for pair in pairs for c in pair})
    index = {c: i for i, c in enumerate(cells)}
    edges = np.array([(index[a], index[b]) for a, b in pairs]).T
    graph = coo_matrix((np.ones(len(pairs)), (edges[0], edges[1])), shape=(len(cells), len(cells)))
    _, label = connected_components(graph, directed=False)
    members: dict[int, set[Cell]] = defaultdict(set)
    for c in cells:
        members[label[index[c]]].add(c)
    return {c: members[label[index[c]]] for c in cells}


def _dwelling_counts(catalogue: pl.DataFrame) -> set[str]:
    """Counts of dwellings: public (RPLS open data), never masked, never a primary cell."""
    return set(catalogue.filter(nature="compte", compte_de="logements")["indicateur"])


def told_zeros(before: pl.DataFrame, after: pl.DataFrame, catalogue: pl.DataFrame) -> dict[Cell, float]:
    """The zeros that a published `non_calculable` tells, counts shown or not: over no observation (the
    encoder says `aucune_observation`), a row's denominateur is 0, and so is a share's numerateur."""
    over_none = _reveal(before, after, "non_calculable").filter(pl.col("denominateur") == 0)
    share = set(catalogue.filter(nature="part")["indicateur"])
    cells = count_cells(over_none, catalogue)
    return {c: 0.0 for c, v in cells.items() if v == 0 and (c[2] == "denominateur" or c[0] in share)}


def _reveal(before: pl.DataFrame, after: pl.DataFrame, statut: str) -> pl.DataFrame:
    """The unsuppressed rows that `after` gives with this statut."""
    return before.join(after.filter(pl.col("statut") == statut).select(ROW_KEY), on=ROW_KEY, how="semi")


def _small(cell: Cell, truth: dict[Cell, float], seuil: int) -> bool:
    """Small in the unsuppressed release: a count in [1, seuil). A zero designates no household and is published
    (docs/confidentialite.md, « Zéros »): a hidden zero that the attacker finds is no disclosure."""
    v = truth[cell]
    return 0 < v < seuil

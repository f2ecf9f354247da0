"""The chance of being housed: cumulative incidence of attribution among competing exits (Aalen–Johansen).

A demand spell runs from its deposit to attribution (the event), another exit (radiation for any other reason,
a competing event) or the last extraction (still active: right censored). Spells deposited before the first
extraction of the history are seen only if still active then: each enters the risk set at its age at that
extraction (delayed entry, left truncation); counting them from their deposit would fill the early risk set with
survivors and underestimate every curve.

Times are in the caller's unit; the warehouse passes months as days / 30.4375 (the `mois_entre` macro), so
spells ending the same day are tied. Tied exits of different kinds are processed together, which is the exact
estimator: no jitter, and the result does not depend on row order. A spell is at risk at t when
entry <= t <= exit, so one leaving the day it enters (radiated on the first extraction's day) counts.

Variance and 95 % band as lifelines' `AalenJohansenFitter` (Collett's Greenwood-type variance, band on
log(-log F)); its per-time loop is replaced by cumulative sums, so a curve costs O(n log n).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

import numpy as np
import polars as pl

CENSURE, ATTRIBUTION, AUTRE_SORTIE = 0, 1, 2


@dataclass(frozen=True)
class Incidence:
    """The estimated curve, a step function over the distinct times of the data (exits and entries)."""

    temps: np.ndarray
    a_risque: np.ndarray
    cif: np.ndarray
    variance: np.ndarray
    bas: np.ndarray
    haut: np.ndarray

    def _indices(self, t) -> tuple[np.ndarray, np.ndarray]:
        i = np.searchsorted(self.temps, np.asarray(t, dtype=float), side="right") - 1
        return np.maximum(i, 0), (i >= 0) & (np.asarray(t) <= self.temps[-1])

    def au_temps(self, t) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cif, bas, haut) at times t; NaN beyond the last observed time (the curve is not known there)."""
        i, connu = self._indices(t)
        before = np.asarray(t) < self.temps[0]

        def pick(values: np.ndarray) -> np.ndarray:
            return np.where(connu, values[i], np.where(before, 0.0, np.nan))

        return pick(self.cif), pick(self.bas), pick(self.haut)

    def premier_passage(self, seuil: float = 0.5) -> float | None:
        """The first time the curve reaches `seuil`; None if it does not within the observed horizon."""
        atteint = np.flatnonzero(self.cif >= seuil)
        return float(self.temps[atteint[0]]) if atteint.size else None


def aalen_johansen(duree, evenement, entree=None, alpha: float = 0.05) -> Incidence:
    """Cumulative incidence of ATTRIBUTION; any other non-zero code is a competing exit, 0 is censoring.

    `duree`: time from origin to exit or censoring; `entree`: time at which the spell enters the risk set
    (0, the default, for a spell followed from its origin)."""
    duree = np.asarray(duree, dtype=float)
    evenement = np.asarray(evenement)
    entree = np.zeros_like(duree) if entree is None else np.asarray(entree, dtype=float)
    if duree.size == 0:
        raise ValueError("aucun parcours : la courbe ne peut pas être estimée")
    if np.any(entree > duree) or np.any(entree < 0):
        raise ValueError("une entrée doit être positive et au plus égale à la durée du parcours")

    temps = np.unique(np.concatenate([duree, entree]))
    m = temps.size
    a_risque = np.searchsorted(np.sort(entree), temps, side="right") - np.searchsorted(
        np.sort(duree), temps, side="left"
    )
    position = np.searchsorted(temps, duree)
    sorties = np.bincount(position[evenement != CENSURE], minlength=m)
    attributions = np.bincount(position[evenement == ATTRIBUTION], minlength=m)

    n = np.maximum(a_risque, 1).astype(float)  # no exit where nobody is at risk: the ratios are then 0
    survie = np.cumprod(1.0 - sorties / n)
    survie_avant = np.concatenate([[1.0], survie[:-1]])
    cif = np.cumsum(survie_avant * attributions / n)

    variance = _variance(cif, survie_avant, n, sorties, attributions)
    bas, haut = _bande(cif, variance, alpha)
    return Incidence(temps, a_risque, cif, variance, bas, haut)


def _variance(cif, survie_avant, n, sorties, attributions) -> np.ndarray:
    """Var F(t_k) = Σ_{j<=k} (F_k − F_j)² a_j + b_j − 2 (F_k − F_j) c_j, expanded into cumulative sums.

    a_j = d_j / (n_j (n_j − d_j)) is undefined where every spell at risk leaves (n_j = d_j): the overall
    survival is then 0, F stays constant, and its factor (F_k − F_j)² is 0 (lifelines skips the term too)."""
    reste = n - sorties
    a = np.divide(sorties, n * reste, out=np.zeros_like(n), where=reste > 0)
    b = survie_avant**2 * attributions * (n - attributions) / n**3
    c = survie_avant * attributions / n**2
    somme_a, somme_fa, somme_ffa = np.cumsum(a), np.cumsum(cif * a), np.cumsum(cif**2 * a)
    premier = cif**2 * somme_a - 2 * cif * somme_fa + somme_ffa
    troisieme = cif * np.cumsum(c) - np.cumsum(cif * c)
    return np.maximum(premier + np.cumsum(b) - 2 * troisieme, 0.0)


def _bande(cif, variance, alpha) -> tuple[np.ndarray, np.ndarray]:
    """Delta-method band on log(−log F), inside [0, 1]; a point estimate of 0 or 1 (no variance) is its own band."""
    z = NormalDist().inv_cdf(1 - alpha / 2)
    interieur = (cif > 0) & (cif < 1)
    f = np.where(interieur, cif, 0.5)
    log_f = np.log(f)
    g = np.log(-log_f)
    se = np.sqrt(variance) / (f * np.abs(log_f))
    bas = np.where(interieur, np.exp(-np.exp(g + z * se)), cif)
    haut = np.where(interieur, np.exp(-np.exp(g - z * se)), cif)
    return bas, haut


# --- The H1 family (INDICATORS.md, Appendix A): the curve read at 1, 2, 3 and 5 years, and where it crosses 50 %

JOURS_PAR_MOIS = 30.4375  # as the `mois_entre` macro
HORIZONS = {"1an": 12, "2ans": 24, "3ans": 36, "5ans": 60}
# The cuts of the catalogue's H1 rows (`decoupages`, read by the encoder), each with the columns of its groups
DECOUPAGES = {
    "epci": (),
    "epci:prioritaire": ("prioritaire",),
    "secteur:typologie": ("secteur", "typologie"),
    "commune:typologie": ("commune", "typologie"),
}
DIMENSIONS = ("commune", "secteur", "typologie", "prioritaire")


def parcours_connus(parcours: pl.DataFrame, origine: date, t: date) -> pl.DataFrame:
    """The spells as known at t, with duree, entree (months since deposit) and evenement.

    `parcours`: date_depot, date_fin (the radiation that ended it, null if none), statut (int_demandes_periodes),
    derniere_extraction. `origine`: the history's first extraction. A spell ended before it was never seen at
    risk and is left out; one not ended by t is censored at t, or at its last extraction if it left the
    snapshots without a radiation."""
    fin = pl.col("date_fin")
    termine = fin.is_not_null() & (fin <= t)
    vu_jusqu_a = pl.when(fin.is_not_null()).then(pl.min_horizontal(fin, pl.lit(t)))
    vu_jusqu_a = vu_jusqu_a.otherwise(pl.min_horizontal(pl.col("derniere_extraction"), pl.lit(t)))
    depot = pl.col("date_depot")
    return parcours.filter((depot <= t) & (fin.is_null() | (fin >= origine))).with_columns(
        duree=(vu_jusqu_a - depot).dt.total_days() / JOURS_PAR_MOIS,
        entree=(pl.lit(origine) - depot).dt.total_days().clip(lower_bound=0) / JOURS_PAR_MOIS,
        evenement=pl.when(termine & (pl.col("statut") == "attribuee"))
        .then(ATTRIBUTION)
        .when(termine)
        .then(AUTRE_SORTIE)
        .otherwise(CENSURE),
    )


def indicateurs_h1(parcours: pl.DataFrame) -> pl.DataFrame:
    """The H1 facts of every cut of DECOUPAGES, one per group and indicator, as the encoder reads them (its
    `decoupage` names the one cut it is the value of), from spells with duree, entree, evenement
    (parcours_connus) and commune, secteur (null for a commune that is its own sector), typologie, prioritaire
    ('OUI'/'NON'). num: attributions observed; den: spells; what the publication thresholds read."""
    lignes = []
    for decoupage, cles in DECOUPAGES.items() if not parcours.is_empty() else ():
        groupes = parcours.drop_nulls(cles).partition_by(cles, as_dict=True) if cles else {(): parcours}
        for valeurs, groupe in groupes.items():
            commun = dict.fromkeys(DIMENSIONS) | dict(zip(cles, valeurs, strict=True))
            commun |= {
                "decoupage": decoupage,
                "num": float((groupe["evenement"] == ATTRIBUTION).sum()),
                "den": float(groupe.height),
            }
            for indicateur, x, raison in _courbe_h1(groupe):
                lignes.append(commun | {"indicateur": indicateur, "x": x, "raison": raison})
    return pl.DataFrame(lignes, schema=SCHEMA_H1)


SCHEMA_H1 = {
    "decoupage": pl.String,
    **dict.fromkeys(DIMENSIONS, pl.String),
    "indicateur": pl.String,
    "x": pl.Float64,
    "num": pl.Float64,
    "den": pl.Float64,
    "raison": pl.String,
}


def _courbe_h1(groupe: pl.DataFrame) -> list[tuple[str, float | None, str | None]]:
    """(indicateur, valeur, raison) of one group: a point beyond the observed horizon is not computable, and
    so is the 50 % crossing when the curve stays below it (competing exits often level it off below)."""
    courbe = aalen_johansen(groupe["duree"].to_numpy(), groupe["evenement"].to_numpy(), groupe["entree"].to_numpy())
    cif, bas, haut = courbe.au_temps(np.array(list(HORIZONS.values()), dtype=float))
    out = []
    for i, nom in enumerate(HORIZONS):
        for suffixe, valeurs in (("", cif), ("_bas", bas), ("_haut", haut)):
            connu = bool(np.isfinite(valeurs[i]))
            out.append(
                (f"H1_{nom}{suffixe}", float(valeurs[i]) if connu else None, None if connu else "horizon_non_observe")
            )
    passage = courbe.premier_passage(0.5)
    out.append(("H1_delai_50", passage, None if passage is not None else "seuil_50_non_atteint"))
    return out


def faits_h1(trimestres: pl.DataFrame, parcours: pl.DataFrame, communes: pl.DataFrame) -> pl.DataFrame:
    """The H1 facts of every quarter of `trimestres` (annee, trimestre, fin), as int_demandes_survie gives them,
    from the spells of int_demandes_periodes (the EPCI's) and the COMMUNE rows of int_geographies; the delayed
    entry is at the history's first extraction. `bench/survie.py` times it."""
    colonnes = {"annee": pl.Int32, "trimestre": pl.Int32} | SCHEMA_H1
    if parcours.is_empty():
        return pl.DataFrame(schema=colonnes)
    origine = parcours["premiere_extraction"].min()
    # a commune that is its own sector (its code as code_secteur) has no SECTEUR row
    secteurs = communes.select(
        commune="code_geo",
        secteur=pl.when(pl.col("code_secteur") != pl.col("code_geo")).then(pl.col("code_secteur")),
    )
    parcours = parcours.select(
        "date_depot",
        "date_fin",
        "statut",
        "derniere_extraction",
        "typologie",
        commune="commune_choix1",
        prioritaire=pl.when(pl.col("prioritaire_declare")).then(pl.lit("OUI")).otherwise(pl.lit("NON")),
    ).join(secteurs, on="commune", how="left")
    faits = [
        indicateurs_h1(parcours_connus(parcours, origine, t["fin"])).with_columns(
            annee=pl.lit(t["annee"]), trimestre=pl.lit(t["trimestre"])
        )
        for t in trimestres.iter_rows(named=True)
    ]
    return pl.concat([pl.DataFrame(schema=colonnes), *faits], how="diagonal_relaxed").select(
        pl.col(c).cast(t) for c, t in colonnes.items()
    )

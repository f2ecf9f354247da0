"""The indicator catalogue (INDICATORS.md, Appendix A), written once as the dbt seed `indicateurs.csv`.

dbt reads it through `ref('indicateurs')` (the encoder of the long table); Python reads it here: the
structural suite's generator, the tests, and later the confidentiality rules, the CIL pack and the pages.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from .contract import SEEDS_DIR

CATALOGUE = SEEDS_DIR / "indicateurs.csv"


@dataclass(frozen=True)
class Indicateur:
    indicateur: str
    famille: str
    domaine: str
    nature: str  # compte, part, ratio, duree, score, drapeau
    agregat: str  # somme, rapport, mediane, moyenne, q1, q3, max, estimation
    compte_de: str
    unite: str
    additif: bool
    fenetre: str
    couverture: tuple[str, ...]  # feeds whose coverage must hold the whole window
    flux: tuple[str, ...]  # the feeds it reads (the pages' source line gives their extraction dates)
    decoupages: tuple[str, ...]  # `level[:dim+dim]`
    seuil_denominateur: float
    facteur: float
    sensible: bool
    libelle: str
    definition: str
    reference: str
    feuille_cil: str  # the sheet of the CIL pack that shows it (empty: not in the pack)

    @property
    def niveaux(self) -> set[str]:
        """The levels it is published at overall (epci, commune, secteur...), cuts without a modality."""
        return {d for d in self.decoupages if ":" not in d}


def _bool(text: str) -> bool:
    return {"true": True, "false": False}[text]


@cache
def catalogue() -> tuple[Indicateur, ...]:
    """Every indicator, in the seed's order."""
    with open(CATALOGUE, encoding="utf-8", newline="") as f:
        return tuple(
            Indicateur(
                **{
                    **row,
                    "additif": _bool(row["additif"]),
                    "sensible": _bool(row["sensible"]),
                    "decoupages": tuple(row["decoupages"].split()),
                    "couverture": tuple(row["couverture"].split()),
                    "flux": tuple(row["flux"].split()),
                    "seuil_denominateur": float(row["seuil_denominateur"]),
                    "facteur": float(row["facteur"]),
                }
            )
            for row in csv.DictReader(f)
        )


def par_indicateur() -> dict[str, Indicateur]:
    return {i.indicateur: i for i in catalogue()}

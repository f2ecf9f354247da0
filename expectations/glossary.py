"""The analyst's glossary of indicator codes (docs/glossaire.md), generated from the catalogue seed.

Run `python -m expectations.glossary > docs/glossaire.md`; a test checks the committed file is current.
"""

from __future__ import annotations

import csv

from .catalogue import CATALOGUE, Indicateur, catalogue
from .contract import SEEDS_DIR

CHANGEMENTS = SEEDS_DIR / "changements_definitions.csv"

DOMAINES = {
    "demande": "Demande",
    "attributions": "Attributions et tension",
    "commission": "Commission et CAL",
    "parc": "Parc",
}
FENETRES = {
    "date_t": "à la fin du trimestre",
    "trimestre": "sur le trimestre",
    "r4q": "sur les 4 derniers trimestres",
    "ytd": "depuis le début de l'année",
    "12m": "sur les 12 derniers mois",
    "36m": "sur les 36 derniers mois",
    "annee": "sur l'année",
    "mois": "par mois",
}


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _row(i: Indicateur) -> str:
    sums = "oui" if i.additif else "non"
    reference = i.reference or "—"
    return (
        f"| `{i.indicateur}` | **{_cell(i.libelle)}** — {_cell(i.definition)} | {i.unite} | "
        f"{FENETRES[i.fenetre]} | {sums} | {_cell(reference)} |"
    )


def render() -> str:
    lines = [
        "# Glossaire des indicateurs (document généré)",
        "",
        f"Généré depuis le catalogue `{CATALOGUE.relative_to(CATALOGUE.parents[2])}` par "
        "`python -m expectations.glossary > docs/glossaire.md` : ne pas modifier à la main. Chaque code est "
        "une valeur de la colonne `indicateur` de `fct_indicateurs` ; « s'additionne » dit si la somme des "
        "communes (ou des typologies) a un sens.",
        "",
    ]
    for domaine in dict.fromkeys(i.domaine for i in catalogue()):  # a new domain needs its title
        lines += [
            f"## {DOMAINES[domaine]}",
            "",
            "| code | libellé et définition | unité | période | s'additionne | référence |",
            "|---|---|---|---|---|---|",
        ]
        lines += [_row(i) for i in catalogue() if i.domaine == domaine]
        lines.append("")
    return "\n".join(lines + changes())


def changes() -> list[str]:
    """The change log of definitions (seed changements_definitions), as the CIL reads it."""
    with open(CHANGEMENTS, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    return [
        "## Changements de définition",
        "",
        "Chaque indicateur dont les chiffres publiés ont changé de règle, avec la date et la raison "
        f"(`{CHANGEMENTS.relative_to(CHANGEMENTS.parents[2])}`, repris dans le `Lisez-moi` du pack CIL).",
        "",
        "| code | date | raison |",
        "|---|---|---|",
        *(f"| `{r['indicateur']}` | {r['date']} | {_cell(r['raison'])} |" for r in rows),
        "",
    ]


if __name__ == "__main__":
    print(render(), end="")

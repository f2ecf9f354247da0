"""French number and period formats, written once for the pages, the pack's charts and the run summary:
`1 234,5`, `12,5 %`, `T3 2026`. The thousands separator is the narrow no-break space (U+202F) French
typography uses, so that a number never breaks across lines on a phone."""

from __future__ import annotations

import datetime as dt

NNBSP = "\u202f"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")  # fmt: skip
MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def nombre(x: float, decimales: int = 0) -> str:
    """`1 234,5`: thousands by a narrow no-break space, a decimal comma."""
    return f"{x:,.{decimales}f}".replace(",", NNBSP).replace(".", ",")


def pourcent(part: float, decimales: int = 1) -> str:
    """A share between 0 and 1 as `12,5 %`."""
    return f"{nombre(part * 100, decimales)}{NNBSP}%"


def trimestre(annee: int, numero: int) -> str:
    """`T3 2026`, as the pages and the charts name a quarter."""
    return f"T{numero}{NNBSP}{annee}"


def mois(annee: int, numero: int, court: bool = False) -> str:
    """`septembre 2026`, or `sept. 2026` for a column header."""
    return f"{(MONTHS_SHORT if court else MONTHS)[numero - 1]}{NNBSP if court else ' '}{annee}"


def date_longue(jour: dt.date) -> str:
    """`1er octobre 2026`, `31 mars 2026`."""
    day = "1er" if jour.day == 1 else str(jour.day)
    return f"{day} {MONTHS[jour.month - 1]} {jour.year}"


def evolution(avant: float, apres: float) -> str | None:
    """The change between two values in words: `augmenté de 4 %`, `baissé de 12 %`, `peu changé` (under
    1 % either way); None when the earlier value is 0 or missing (no rate to give)."""
    if not avant:
        return None
    rate = (apres - avant) / abs(avant)
    if abs(rate) < 0.01:
        return "peu changé"
    return f"{'augmenté' if rate > 0 else 'baissé'} de {pourcent(abs(rate), 0)}"


def de_lieu(nom: str) -> str:
    """`d'Antibes`, `du Bar-sur-Loup`, `des Ferres`, `de La Colle-sur-Loup`, `de Valbonne`."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if nom.startswith(article):
            return contracted + nom.removeprefix(article)
    return f"d'{nom}" if nom[:1].upper() in "AEIOUYÉÈÊÂÎÔ" else f"de {nom}"

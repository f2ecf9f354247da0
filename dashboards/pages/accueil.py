"""The home page: the key figures of the site's quarter, each with its change over a year and a link to
the page that explains it."""

from __future__ import annotations

from dataclasses import dataclass

from ..render import Page
from ..site_data import SiteData
from .common import change_words, value_words


@dataclass(frozen=True)
class KeyFigure:
    indicateur: str
    label: str
    href: str
    nature: str
    unit: str = ""
    niveau: str = "EPCI"
    code: str | None = None


KEY_FIGURES = (
    KeyFigure("D1", "Demandes actives", "demande.html#demande-communes", "compte"),
    KeyFigure("D5_r4q", "Attributions sur les quatre derniers trimestres", "attributions.html#attributions-historique",
              "compte"),
    KeyFigure("D6", "Demandes pour une attribution", "attributions.html#tension-communes", "ratio"),
    KeyFigure("D8_median", "Délai d'attente médian des demandes attribuées", "attributions.html#delais", "duree",
              "mois"),
    KeyFigure("D7_part_5ans", "Demandes en attente depuis 5 ans ou plus", "demande.html#demande-anciennete", "part"),
    KeyFigure("C2", "Refus après une proposition de logement", "commission.html#refus-historique", "part"),
    KeyFigure("Q1", "Attributions aux publics prioritaires, contingents des collectivités (objectif 25 %)",
              "quotas.html#quotas-reservataires", "part", niveau="RESERVATAIRE", code="COLTER"),
    KeyFigure("Q2", "Attributions hors QPV au 1er quartile de revenus (objectif 25 %)", "quotas.html#quotas-epci",
              "part"),
    KeyFigure("Q3", "Attributions en QPV aux quartiles 2 à 4 (objectif 50 %)", "quotas.html#quotas-epci", "part"),
)  # fmt: skip


def card(data: SiteData, k: KeyFigure) -> dict:
    now = data.row(k.indicateur, k.niveau, k.code)
    before = data.row(k.indicateur, k.niveau, k.code, quarter=data.year_before())
    return {
        "label": k.label,
        "href": k.href,
        "value": value_words(now, k.nature, k.unit),
        "change": change_words(before, now, k.nature) or "évolution sur un an non disponible",
    }


def pages(data: SiteData) -> list[Page]:
    intro = (
        f"La demande de logement social et les attributions dans les communes de la {data.epci_nom}, "
        f"au {data.period}. Chaque chiffre mène à la page qui le détaille ; les ménages qui cherchent un "
        "logement trouveront ce qu'ils peuvent attendre dans chaque commune sur la page « Vous cherchez un "
        "logement »."
    )
    cards = [card(data, k) for k in KEY_FIGURES]
    return [
        Page(
            "index.html",
            "La demande de logement social",
            intro,
            nav="index.html",
            template="accueil.html.j2",
            context={"cards": cards},
        )
    ]

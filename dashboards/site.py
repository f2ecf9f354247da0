"""The public site: every page of dashboards/pages written under one folder, with plotly.js, its French
locale and the site's style beside them (no CDN, opens from disk), and a method page gathering the
definitions of every indicator shown."""

from __future__ import annotations

from pathlib import Path

from .formats import date_longue
from .pages import accueil, attributions, commission, communes, demande, demandeurs, parc, quotas
from .render import Page, write_page, write_static
from .site_data import SiteData

MENU = (
    ("index.html", "Accueil"),
    ("demande.html", "Demande"),
    ("attributions.html", "Attributions"),
    ("commission.html", "Commission et CAL"),
    ("quotas.html", "Quotas"),
    ("parc.html", "Parc social"),
    ("communes.html", "Communes"),
    ("demandeurs.html", "Vous cherchez un logement ?"),
)
BUILDERS = (
    accueil.pages,
    demande.pages,
    attributions.pages,
    commission.pages,
    quotas.pages,
    parc.pages,
    communes.pages,
    demandeurs.pages,
)


def build(data: SiteData, out: Path) -> list[Path]:
    """Writes the whole site under `out` (which must exist and be empty); returns the pages written."""
    write_static(out)
    common = {
        "site_name": f"Observatoire de la demande de logement social — {data.epci_nom}",
        "menu": MENU,
        "period": data.period,
        "fin": date_longue(data.fin),
        "seuil": data.seuil,
    }
    source = lambda c: data.source_line(c.indicateurs)  # noqa: E731
    methods = lambda c: [_method(data, i) for i in c.indicateurs]  # noqa: E731
    pages = [p for builder in BUILDERS for p in builder(data)]
    shown = list(dict.fromkeys(i for p in pages for s in p.sections for c in s.charts for i in c.indicateurs))
    pages.append(method_page(data, shown))
    written = []
    for page in pages:
        written += write_page(page, out, common, source, methods)
    return [p for p in written if p.suffix == ".html"]


def _method(data: SiteData, indicateur: str) -> dict:
    entry = data.indicator(indicateur)
    return {"libelle": f"{entry['libelle']} ({indicateur})", "definition": entry["definition"]}


def method_page(data: SiteData, indicateurs: list[str]) -> Page:
    intro = (
        "Les définitions de chaque indicateur publié, telles que l'observatoire les calcule. Tous les chiffres "
        "sont recalculés à chaque réception de fichiers : un trimestre passé peut changer quand une donnée "
        "arrive en retard. Les chiffres trop petits sont couverts par le secret statistique."
    )
    page = Page("methode.html", "Méthode et définitions", intro, template="methode.html.j2")
    page.context = {"definitions": [_method(data, i) for i in indicateurs]}
    return page

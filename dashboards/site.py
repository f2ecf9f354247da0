"""The public site: every page of dashboards/pages written under one folder, with plotly.js, its French
locale and the site's style beside them (no CDN, opens from disk), and a method page gathering the
definitions of every indicator shown."""

from __future__ import annotations

import dataclasses
import importlib
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
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
# The pages' modules, in the site's order: each has `pages(data)`, or `parts(data)` and `page(data, part)`.
BUILDERS = (accueil, demande, attributions, commission, quotas, parc, communes, demandeurs)


# A page of the site: its builder's module, and the part of it (None: the module's `pages`, else `page(data, part)`).
Unit = tuple[str, str | None]
# What drawing a unit wrote, page by page: its files (the page, then its tables' CSVs) and the indicators it shows.
Drawn = list[tuple[list[Path], list[str]]]
# Pages of the helper process in flight at once (each a few tens of ms): enough that it never waits for the next.
IN_FLIGHT = 2


def build(data: SiteData, out: Path, helper: Executor | None = None) -> list[Path]:
    """Writes the whole site under `out` (which must exist and be empty); returns the pages written. With
    `helper` (a pool of one process, whose tasks run in order), the pages are drawn in two processes: this
    one from the first, the helper from the last, until they meet. Drawing is single-threaded Python
    (Plotly's figures, ~50 ms a commune page): 2.0 s for the demo's 33 pages in one process, the last step
    of a run, with the second core idle."""
    write_static(out)
    units = [(m.__name__, p) for m in BUILDERS for p in (m.parts(data) if hasattr(m, "parts") else [None])]
    drawn = _draw(data, out, units, helper) if helper is not None else [_write(data, out, u) for u in units]
    shown = list(dict.fromkeys(i for pages in drawn for _, indicateurs in pages for i in indicateurs))
    written = [path for pages in drawn for paths, _ in pages for path in paths]
    written += _write_page(data, out, method_page(data, shown))
    return [p for p in written if p.suffix == ".html"]


def _common(data: SiteData) -> dict:
    return {
        "site_name": f"Observatoire de la demande de logement social — {data.epci_nom}",
        "menu": MENU,
        "period": data.period,
        "fin": date_longue(data.fin),
        "seuil": data.seuil,
    }


def _write_page(data: SiteData, out: Path, page: Page) -> list[Path]:
    source = lambda c: data.source_line(c.indicateurs)  # noqa: E731
    methods = lambda c: [_method(data, i) for i in c.indicateurs]  # noqa: E731
    return write_page(page, out, _common(data), source, methods)


def _write(data: SiteData, out: Path, unit: Unit) -> Drawn:
    """Draws and writes the pages of one unit."""
    module, part = importlib.import_module(unit[0]), unit[1]
    pages = module.pages(data) if part is None else module.page(data, part)
    shown = lambda p: list(dict.fromkeys(i for s in p.sections for c in s.charts for i in c.indicateurs))  # noqa: E731
    return [(_write_page(data, out, page), shown(page)) for page in pages]


_received: SiteData | None = None  # in the helper process: the data of the site being drawn


def _write_there(out: Path, unit: Unit, data: SiteData | None = None) -> Drawn:
    """`_write` in the helper process; the site's data comes with its first unit (16 MB pickled at scale 1)."""
    global _received
    if data is not None:
        _received = data
    return _write(_received, out, unit)


def _draw(data: SiteData, out: Path, units: list[Unit], helper: Executor) -> list[Drawn]:
    """Each unit drawn once, this process taking them from the front, the helper from the back."""
    drawn: list = [None] * len(units)
    away: dict[int, Future] = {}
    front, back = 0, len(units)
    plain = dataclasses.replace(data, built={})  # the memo of derived frames stays here
    while front < back or away:
        while back > front and len(away) < IN_FLIGHT:
            back -= 1
            away[back] = _submit(helper, out, units[back], plain if back == len(units) - 1 else None)
        if front < back:
            drawn[front] = _write(data, out, units[front])
            front += 1
        for k in [k for k, f in away.items() if f.done() or front >= back]:
            drawn[k] = _result(away.pop(k), data, out, units[k])
    return drawn


def _submit(helper: Executor, out: Path, unit: Unit, data: SiteData | None) -> Future:
    try:
        return helper.submit(_write_there, out, unit, data)
    except BrokenProcessPool as e:  # its process died before: `_result` draws the unit here
        failed: Future = Future()
        failed.set_exception(e)
        return failed


def _result(future: Future, data: SiteData, out: Path, unit: Unit) -> Drawn:
    """The helper's pages of a unit; drawn here if the helper process died (its error otherwise raised)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return _write(data, out, unit)


def warm() -> None:
    """What drawing a first page imports and compiles (Plotly's figures, the templates): a helper started ahead
    does it while it waits for its first page."""
    import plotly.io as pio

    from .blocks import bars
    from .render import environment

    pio.to_html(bars(["a"], {"n": [1]}), full_html=False, include_plotlyjs=False)
    for name in environment().list_templates():
        environment().get_template(name)


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

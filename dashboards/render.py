"""Pages to files: Jinja2 templates (dashboards/templates), each chart as a `<figure>` with its summary,
source, method notes and the table behind it, downloadable as CSV (`;`, UTF-8 with BOM, decimal comma:
what a French Excel opens as it is)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import plotly
import plotly.io as pio
import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

from .blocks import Chart
from .formats import nombre
from .theme import percent_ticks

# The site's static files: plotly.js from the plotly package itself (no CDN), its French locale, style, scripts.
STATIC = ("site.css", "plotly-locale-fr.js", "site.js", "demandeurs.js")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# No "Share chart..." button: it would send the figure's data to a Chart Studio server.
CONFIG = {
    "locale": "fr",
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud", "sendDataToCloud"],
}
CSV_DIR = "donnees"


@dataclass
class Section:
    title: str
    charts: list[Chart]
    intro: str = ""


@dataclass
class Page:
    """One HTML file of the site. `nav`: the menu entry it belongs to; `template`: page.html.j2 lays out
    sections of charts, other templates receive `context` too."""

    path: str
    title: str
    intro: str
    sections: list[Section] = field(default_factory=list)
    nav: str = ""
    template: str = "page.html.j2"
    context: dict = field(default_factory=dict)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dashboards", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nombre"] = nombre
    return env


def cell(value) -> str:
    """A table cell in French: whole numbers without decimals, others with one, a missing value as a dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return nombre(value) if value.is_integer() else nombre(value, 1)
    if isinstance(value, int):
        return nombre(value)
    return str(value)


def figure_html(chart: Chart) -> str:
    if chart.figure is None:
        return ""
    return pio.to_html(
        percent_ticks(chart.figure),
        full_html=False,
        include_plotlyjs=False,
        config=CONFIG,
        div_id=f"{chart.ident}-graphique",
        default_width="100%",
        default_height=f"{chart.height}px",
    )


def csv_bytes(table: pl.DataFrame) -> bytes:
    """`;`, decimal comma, UTF-8 with BOM; an empty text is an empty field (Polars would quote it)."""
    plain = table.with_columns(pl.col(pl.String).replace("", None))
    return b"\xef\xbb\xbf" + plain.write_csv(separator=";", decimal_comma=True).encode("utf-8")


def chart_context(chart: Chart, page_stem: str, source: str, methods: list[dict]) -> dict:
    return {
        "chart": chart,
        "plot": figure_html(chart),
        "columns": chart.table.columns,
        "rows": [[cell(v) for v in r] for r in chart.table.iter_rows()],
        "csv": f"{CSV_DIR}/{page_stem}-{chart.ident}.csv",
        "source": source,
        "methods": methods,
    }


def write_page(page: Page, out: Path, common: dict, source_of, methods_of) -> list[Path]:
    """Writes the page and the CSV of each of its charts; `source_of(chart)` and `methods_of(chart)` give a
    chart's source line and method notes. Returns the files written."""
    stem = page.path.removesuffix(".html")
    sections = [
        {"section": s, "charts": [chart_context(c, stem, source_of(c), methods_of(c)) for c in s.charts]}
        for s in page.sections
    ]
    html = environment().get_template(page.template).render(page=page, sections=sections, **common, **page.context)
    target = out / page.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    written = [target]
    for s in sections:
        for c in s["charts"]:
            path = out / c["csv"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(csv_bytes(c["chart"].table))
            written.append(path)
    return written


def write_static(out: Path) -> None:
    """plotly.js and the site's own static files under `out/static/`."""
    static = out / "static"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLOTLY_JS, static / "plotly.min.js")
    for name in STATIC:
        (static / name).write_bytes(resources.files("dashboards").joinpath("static", name).read_bytes())

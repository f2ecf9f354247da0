"""The pieces every page is made of: a chart (`Chart`: a finding as its title, unit and period, the Plotly
figure, a text summary, the data table behind it) and the figure builders they share, so that secret
figures, patterns beside colours and French formats are written once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl

from .formats import NNBSP, de_lieu, nombre, pourcent
from .theme import site_theme

# Series are told apart by a pattern or a dash as well as a colour (never by colour alone).
PATTERNS = ("", "/", ".", "x", "\\", "+")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x")
SECRET_WORDS = {
    "primaire": "moins de {seuil} ménages : le chiffre pourrait désigner un foyer",
    "secondaire": "masqué pour qu'une autre case secrète ne puisse pas se déduire par différence",
}
MARK_WORDS = {"s": "secret statistique", "nc": "non calculable"}
STATUS_WORDS = {
    "non_calculable": "non calculable (fichiers insuffisants ou trop peu d'attributions)",
    "sans_objet": "sans objet",
}


@dataclass
class Chart:
    """One chart of a page. `table` is the data behind it (French column names, raw numbers, shares in
    percent, and a `Statut` column); `indicateurs` name the catalogue entries whose definitions and sources
    the chart's notes give."""

    ident: str
    title: str
    unit_period: str
    figure: go.Figure | None
    summary: str
    table: pl.DataFrame
    indicateurs: list[str]
    height: int = 380
    notes: list[str] = field(default_factory=list)


def status_text(statut: str | None, secret: str | None, seuil: int) -> str:
    """The French words for a row's state: empty when published, else why the figure is missing."""
    if statut == "secret":
        return "secret : " + SECRET_WORDS.get(secret or "secondaire", SECRET_WORDS["secondaire"]).format(seuil=seuil)
    return STATUS_WORDS.get(statut or "", "")


def shown(value: float | None, nature: str, decimales: int = 1) -> str:
    """A value in French as a page shows it: a share in percent, a count whole, else one decimal."""
    if value is None:
        return "–"
    if nature == "part":
        return pourcent(value, decimales)
    if nature == "compte":
        return nombre(value)
    return nombre(value, decimales)


def with_status(frame: pl.DataFrame, seuil: int) -> pl.DataFrame:
    """Adds `Statut` (French, empty when published) from the rows' `statut` and `secret` columns."""
    secret = frame["secret"] if "secret" in frame.columns else pl.Series([None] * frame.height, dtype=pl.String)
    words = [status_text(s, r, seuil) for s, r in zip(frame["statut"], secret, strict=True)]
    return frame.with_columns(Statut=pl.Series(words, dtype=pl.String))


def percent(col: str) -> pl.Expr:
    """A share column of the long table as a percent, for the tables behind the charts."""
    return (pl.col(col) * 100).round(1)


def bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    statuses: dict[str, Sequence[str]] | None = None,
    horizontal: bool = False,
    share: bool = False,
    links: Sequence[str] | None = None,
) -> go.Figure:
    """Grouped bars, one series per entry of `series`, each with its own pattern; a missing value whose
    status is secret or not computable is marked on the axis by « s » or « nc » (never a silent gap)."""
    fig = go.Figure()
    statuses = statuses or {}
    for i, (name, values) in enumerate(series.items()):
        values = list(values)
        text = [_mark(v, s) for v, s in zip(values, statuses.get(name, [""] * len(values)), strict=True)]
        # A missing value is drawn as an empty bar at 0 so that its mark shows in its own slot of the group
        # (Plotly draws no text for a null); its hover says why, never 0.
        drawn = [0 if v is None else v for v in values]
        hover = [
            MARK_WORDS[t] if v is None else pourcent(v) if share else nombre(v, 0 if float(v).is_integer() else 1)
            for v, t in zip(values, text, strict=True)
        ]
        xy = dict(y=list(categories), x=drawn) if horizontal else dict(x=list(categories), y=drawn)
        fig.add_bar(
            name=name,
            **xy,
            orientation="h" if horizontal else "v",
            marker_pattern_shape=PATTERNS[i % len(PATTERNS)],
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=list(links) if links else None,
            hovertext=hover,
            hovertemplate=("%{y}" if horizontal else "%{x}") + " : %{hovertext}<extra>%{fullData.name}</extra>",
        )
    fmt = ".0%" if share else ",d"
    if horizontal:
        fig.update_layout(xaxis_tickformat=fmt, yaxis_autorange="reversed")
    else:
        fig.update_layout(yaxis_tickformat=fmt)
    fig.update_layout(barmode="group", showlegend=len(series) > 1)
    return site_theme(fig)


def lines(periods: Sequence[str], series: dict[str, Sequence[float | None]], share: bool = False) -> go.Figure:
    """One line per series over the quarters, each with its dash and marker; a missing quarter is a gap
    the table behind the chart explains."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_scatter(
            name=name,
            x=list(periods),
            y=list(values),
            mode="lines+markers",
            line_dash=DASHES[i % len(DASHES)],
            marker_symbol=SYMBOLS[i % len(SYMBOLS)],
            connectgaps=False,
            hovertemplate="%{x} : " + ("%{y:.1%}" if share else "%{y:,.1f}") + "<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(yaxis_tickformat=".0%" if share else ",", showlegend=len(series) > 1, hovermode="x unified")
    fig.update_xaxes(
        type="category", tickangle=0, tickmode="array", tickvals=list(periods), ticktext=quarter_ticks(periods)
    )
    return site_theme(fig)


def quarter_ticks(periods: Sequence[str]) -> list[str]:
    """`T1<br>2025`, `T2`, `T3`…: the year once, under its first quarter, so that three years of quarters fit
    a 375 px phone without slanted, clipped labels (`T3 2026` twelve times did not)."""
    out, year = [], None
    for p in periods:
        quarter, _, this_year = p.partition(NNBSP)
        out.append(quarter if this_year == year else f"{quarter}<br>{this_year}")
        year = this_year
    return out


def _mark(value: float | None, status: str | None) -> str:
    if value is not None:
        return ""
    return "s" if status == "secret" else "nc"


def target_line(fig: go.Figure, target: float, label: str, horizontal: bool = False) -> go.Figure:
    """A dotted reference line at a target, named in words on the chart."""
    place = dict(x=target) if horizontal else dict(y=target)
    line = fig.add_vline if horizontal else fig.add_hline
    line(**place, line_dash="dot", line_color="#444", annotation_text=label, annotation_position="top left")
    return fig


def extremes(labels: Sequence[str], values: Sequence[float | None], nature: str) -> str:
    """`La plus forte : Antibes (1 234) ; la plus faible : Gourdon (12).` over the published values."""
    known = [(v, lab) for lab, v in zip(labels, values, strict=True) if v is not None]
    if not known:
        return "Aucune valeur publiable."
    (low, low_name), (high, high_name) = min(known), max(known)
    return (
        f"La valeur la plus forte est celle {de_lieu(high_name)} ({shown(high, nature)}) ; "
        f"la plus faible, celle {de_lieu(low_name)} ({shown(low, nature)})."
    )


def target_marks(
    fig: go.Figure, categories: Sequence[str], targets: Sequence[float | None], horizontal: bool = False
) -> go.Figure:
    """A short thick dotted-line mark at each category's own target, for bars whose targets differ (one
    `target_line` cannot show them), named « objectif » in the legend and in words on hover; a category
    without a target has no mark."""
    kept = [(c, t) for c, t in zip(categories, targets, strict=True) if t is not None]
    cats, values = [c for c, _ in kept], [t for _, t in kept]
    xy = dict(y=cats, x=values) if horizontal else dict(x=cats, y=values)
    cat, val = ("y", "x") if horizontal else ("x", "y")
    fig.add_scatter(
        name="objectif",
        mode="markers",
        **xy,
        marker=dict(symbol="line-ns-open" if horizontal else "line-ew-open", size=26, line_width=3, color="#444"),
        hovertemplate=f"%{{{cat}}} : objectif %{{{val}:.0%}}<extra></extra>",
    )
    return fig.update_layout(showlegend=True)


def mark_missing_points(fig: go.Figure, periods: Sequence[str], statuses: Sequence[Sequence[str]]) -> go.Figure:
    """Writes « s » or « nc » at the foot of a line chart for each quarter where a series has no value
    (`statuses`: one list per series, aligned on `periods`), so that a gap says why it is one."""
    for i, period in enumerate(periods):
        marks = sorted({_mark(None, s[i]) for s in statuses if s[i] in ("secret", "non_calculable")}, reverse=True)
        if marks:
            fig.add_annotation(x=period, y=0, yref="paper", yanchor="bottom", text=" / ".join(marks),
                               showarrow=False, font_color="#444")  # fmt: skip
    return fig

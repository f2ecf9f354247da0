"""The map of the communes: their real outlines (IGN Admin Express, dashboards/reference) drawn as filled
shapes on plain axes. plotly.js's geo traces fetch a base map from its CDN even with a custom GeoJSON
(plotly.js issue 6767), so the site draws no geo trace and no tile: it opens offline. A value per commune
is shown in a few ordered classes named in words, a commune without a published value is hatched with the
reason in the legend, and each commune's hover names it with its value and its click opens its page. A
commune published only with its sector carries its sector's figure, and its hover says so."""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Sequence
from functools import cache
from importlib import resources

import plotly.graph_objects as go
import polars as pl

from .blocks import shown
from .theme import site_theme

# Light to dark: the order of the classes reads without the legend (ColorBrewer Blues, 4 classes).
CLASS_COLORS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
# A commune without a value: grey, each reason with its own hatching (never told by colour alone).
MISSING = {
    "secret": ("secret statistique", "/"),
    "non_calculable": ("non calculable", "."),
    "sans_objet": ("sans objet", "-"),
}
DIGITS = 4  # 1e-4 degree is about 10 m: finer than the outlines' own simplification, and a small page


@cache
def outlines() -> dict:
    """The GeoJSON of the 24 communes shipped with the site (properties `code_insee`, `nom`)."""
    return json.loads(resources.files("dashboards").joinpath("reference", "communes_casa.geojson").read_text())


def rings(geometry: dict) -> list[list[tuple[float, float]]]:
    """The rings of a Polygon or MultiPolygon, each polygon's outline counter-clockwise and its holes
    clockwise: drawn as one shape, a hole stays empty (the fill follows the non-zero winding rule)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    out = []
    for polygon in polygons:
        for i, ring in enumerate(polygon):
            ring = [(round(x, DIGITS), round(y, DIGITS)) for x, y in ring]
            if (_area(ring) > 0) == (i > 0):  # outline clockwise, or hole counter-clockwise
                ring.reverse()
            out.append(ring)
    return out


def _area(ring: Sequence[tuple[float, float]]) -> float:
    """Signed area (shoelace): positive when the ring turns counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2


def path(geometry: dict) -> tuple[list[float | None], list[float | None]]:
    """x and y of every ring of a geometry, the rings separated by None (one trace draws them all)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings(geometry):
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [x for x, _ in ring]
        ys += [y for _, y in ring]
    return xs, ys


def bounds(values: Sequence[float], n: int = len(CLASS_COLORS)) -> list[float]:
    """The limits between `n` classes of about as many communes each (quantiles of the published values),
    rounded down to two significant digits so that the legend reads `de 12 à moins de 16` (down: the
    value a limit comes from stays in the class above it, so no class is left empty by the rounding)."""
    known = sorted(v for v in values if v is not None)
    if len(known) < 2:
        return []
    cuts = [_floor2(known[len(known) * k // n]) for k in range(1, n)]
    return sorted({c for c in cuts if c > known[0]})


def _floor2(x: float) -> float:
    """`x` rounded down to two significant digits (16.9 → 16, 0.237 → 0.23, 4 127 → 4 100)."""
    if x <= 0:
        return x
    step = 10.0 ** (math.floor(math.log10(x)) - 1)
    return round(math.floor(round(x / step, 9)) * step, 12)


def class_of(value: float, limits: Sequence[float]) -> int:
    """The class of a value: 0 below the first limit, k from limit k-1 (included) to limit k."""
    return bisect_right(limits, value)


def class_labels(limits: Sequence[float], nature: str) -> list[str]:
    """`moins de 12`, `de 12 à moins de 16`, `16 ou plus` (a share in percent)."""
    if not limits:
        return ["toutes les valeurs publiées"]
    scale = 100 if nature == "part" else 1
    decimals = next(d for d in range(3) if all(round(b * scale, d) == round(b * scale, 6) for b in limits) or d == 2)
    words = [shown(b, nature, decimals) for b in limits]
    middle = [f"de {a} à moins de {b}" for a, b in zip(words, words[1:], strict=False)]
    return [f"moins de {words[0]}", *middle, f"{words[-1]} ou plus"]


def legend_words(frame: pl.DataFrame, nature: str) -> list[str]:
    """What the map's legend says of each row of `frame`: its value's class, or why it has no value (the
    table behind the map gives it, so that the colour is never the only way to read it)."""
    limits = _limits(frame)
    labels = class_labels(limits, nature)
    return [
        labels[class_of(v, limits)] if s == "ok" and v is not None else MISSING.get(s, MISSING["secret"])[0]
        for v, s in zip(frame["valeur"], frame["statut"], strict=True)
    ]


def _limits(frame: pl.DataFrame) -> list[float]:
    """The class limits over the places' values: a sector's figure counts once, not once per commune."""
    if "secteur" in frame.columns:
        frame = frame.unique(pl.coalesce("secteur", "code_insee"), keep="first")
    return bounds(frame.filter(pl.col("statut") == "ok")["valeur"].to_list())


def carte(shapes: dict, frame: pl.DataFrame, nature: str, unit: str) -> go.Figure:
    """A choropleth of `frame` (code_insee, nom, valeur, statut, url; statut `ok`, `secret`,
    `non_calculable` or `sans_objet`; optionally `secteur`, the sector whose figure a commune carries) over
    the outlines `shapes` (GeoJSON FeatureCollection).
    One filled trace per commune, in the colour of its value's class or hatched grey with its reason;
    the legend lists the classes drawn, light to dark, then the reasons."""
    rows = {r["code_insee"]: r for r in frame.iter_rows(named=True)}
    limits = _limits(frame)
    labels = class_labels(limits, nature)
    colors = _palette(len(labels))
    fig = go.Figure()
    for feature in shapes["features"]:
        row = rows.get(feature["properties"]["code_insee"])
        if row is not None:
            fig.add_trace(_commune(feature["geometry"], row, limits, colors, nature, unit))
    used = set(legend_words(frame, nature))
    for label, color in zip(labels, colors, strict=True):
        if label in used:
            fig.add_trace(_legend(label, color))
    for label, pattern in MISSING.values():
        if label in used:
            fig.add_trace(_legend(label, "#d9d9d9", pattern))
    return _layout(fig, shapes, unit)


def _palette(n: int) -> list[str]:
    """`n` colours of CLASS_COLORS spread from the lightest to the darkest."""
    if n == 1:
        return [CLASS_COLORS[-1]]
    last = len(CLASS_COLORS) - 1
    return [CLASS_COLORS[round(k * last / (n - 1))] for k in range(n)]


def _commune(geometry: dict, row: dict, limits, colors, nature: str, unit: str) -> go.Scatter:
    xs, ys = path(geometry)
    if row["statut"] == "ok" and row["valeur"] is not None:
        text = f"{row['nom']} : {shown(row['valeur'], nature)} {unit}"
        fill, pattern = colors[class_of(row["valeur"], limits)], None
    else:
        reason, shape = MISSING.get(row["statut"], MISSING["secret"])
        text = f"{row['nom']} : {reason}"
        fill, pattern = "#d9d9d9", dict(shape=shape, fgcolor="#555", bgcolor="#d9d9d9", size=6)
    if row.get("secteur"):
        text += f" (chiffre du secteur « {row['secteur']} »)"
    return go.Scatter(
        x=xs,
        y=ys,
        name=row["nom"],
        text=text,  # a single text: the hover of a filled shape shows it
        customdata=[row["url"]] * len(xs),  # site.js opens the commune's page on click
        mode="lines",
        line=dict(color="#ffffff", width=1),
        fill="toself",
        fillcolor=fill,
        fillpattern=pattern,
        hoveron="fills",
        showlegend=False,
    )


def _legend(label: str, color: str, pattern: str | None = None) -> go.Scatter:
    """A legend entry only (no point drawn)."""
    return go.Scatter(
        x=[None],
        y=[None],
        name=label,
        mode="lines",
        fill="toself",
        fillcolor=color,
        fillpattern=dict(shape=pattern, fgcolor="#555", bgcolor=color, size=6) if pattern else None,
        line=dict(color="#555", width=1),
        hoverinfo="skip",
    )


def _layout(fig: go.Figure, shapes: dict, unit: str) -> go.Figure:
    """Plain hidden axes, a kilometre as long north-south as east-west (a degree of longitude is
    cos(latitude) of a degree of latitude), no zoom or drag so that a phone scrolls past the map."""
    lats = [y for f in shapes["features"] for ring in rings(f["geometry"]) for _, y in ring]
    middle = (min(lats) + max(lats)) / 2 if lats else 0.0
    site_theme(fig)
    fig.update_xaxes(visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, fixedrange=True, scaleanchor="x", scaleratio=1 / math.cos(math.radians(middle)))
    fig.update_layout(
        dragmode=False,
        hovermode="closest",
        # One entry a line under the map: a row of entries beside it is cut off on a phone.
        legend=dict(
            title=dict(text=unit, side="top"),
            orientation="v",
            x=0,
            xanchor="left",
            y=0,
            yanchor="top",
            itemclick=False,
            itemdoubleclick=False,
            traceorder="normal",
        ),  # fmt: skip
    )
    return fig

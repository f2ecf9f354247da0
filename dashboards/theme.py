"""The French look of every chart: `1 234,5` numbers (plotly.js ships only the English locale, so the
separators are set on the layout), one font, a source line under the plot."""

from __future__ import annotations

import plotly.graph_objects as go

from .formats import pourcent

SEPARATORS = ", "  # decimal comma, thin space between thousands
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=13, color="#222")
COLORS = ("#1F4E79", "#E08A1E", "#6A9F3A", "#A23B72")


def french(fig: go.Figure, title: str, subtitle: str, source: str) -> go.Figure:
    """Title that states the finding, its unit and period below it, and the source line."""
    fig.update_layout(
        separators=SEPARATORS,
        font=FONT,
        title=dict(text=f"{title}<br><sup>{subtitle}</sup>", x=0.01, xanchor="left"),
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(l=70, r=30, t=110, b=90),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0),
        colorway=COLORS,
    )
    fig.add_annotation(
        text=source,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yanchor="top",
        yshift=-65,  # below the axis title, whatever the plot's height
        showarrow=False,
        font=dict(size=10, color="#666"),
    )
    fig.update_xaxes(gridcolor="#eee", zerolinecolor="#999")
    fig.update_yaxes(gridcolor="#eee", zerolinecolor="#999")
    return fig


# The pages' look (site_theme), compound properties first: the order in which one `update_layout` of these
# writes them, which the figures' JSON, hence the pages' bytes, follows.
SITE_LAYOUT = dict(
    font=FONT,
    margin=dict(l=10, r=10, t=30, b=10),
    legend=dict(orientation="h", y=-0.15, yanchor="top", x=0),
    separators=SEPARATORS,
    plot_bgcolor="white",
    paper_bgcolor="white",
    colorway=COLORS,
)
SITE_AXES = dict(gridcolor="#eee", zerolinecolor="#999", automargin=True)


def set_props(obj, values: dict) -> None:
    """Sets each (nested) property of `values` on a figure's object one at a time: the same result as its
    `update`, which batches them into a relayout that checks every key path against the others (12 ms of
    the 17 ms a site figure took, 115 figures)."""
    for key, value in values.items():
        if isinstance(value, dict):
            set_props(obj[key], value)
        else:
            obj[key] = value


def site_theme(fig: go.Figure) -> go.Figure:
    """The pages' look: the title, unit and source are in the page around the figure (read by screen
    readers, kept when the figure fails), so the figure itself carries none; margins fit a 375 px phone."""
    set_props(fig.layout, SITE_LAYOUT)
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        set_props(axis, SITE_AXES)
    return fig


def percent_ticks(fig: go.Figure) -> go.Figure:
    """Share axes labelled the French way, `10 %` (d3-format's `%` writes `10%` whatever the locale): each
    axis formatted as a percent gets explicit ticks over the values drawn on it, reference lines included."""
    for name in [k for k in fig.layout.to_plotly_json() if k[1:5] == "axis"]:
        axis = fig.layout[name]
        if "%" not in (axis.tickformat or ""):
            continue
        letter, ref = name[0], name[0] + name[5:]
        drawn = [t[letter] for t in fig.data if (t[f"{letter}axis"] or letter) == ref and t[letter] is not None]
        values = [v for d in drawn for v in d]
        values += [s[f"{letter}0"] for s in fig.layout.shapes if s[f"{letter}ref"] in (ref, None)]
        top = max((v for v in values if isinstance(v, int | float)), default=0) or 1
        step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1) if top / s <= 6)
        ticks = [round(i * step, 4) for i in range(int(top / step) + 2)]
        axis.update(tickformat=None, tickmode="array", tickvals=ticks, ticktext=[pourcent(t, 0) for t in ticks])
    return fig

"""The site's look set property by property gives the very figure JSON (key order included, which the pages'
bytes follow) that plotly's `update_layout` and `update_xaxes` give, on a plain figure, a figure whose layout
already has some of the properties, and subplots."""

from __future__ import annotations

import json

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.theme import SITE_AXES, SITE_LAYOUT, site_theme


def _with_update(fig: go.Figure) -> go.Figure:
    fig.update_layout(**SITE_LAYOUT)
    fig.update_xaxes(**SITE_AXES)
    fig.update_yaxes(**SITE_AXES)
    return fig


def _bars() -> go.Figure:
    fig = go.Figure()
    fig.add_bar(name="a", x=["T1", "T2"], y=[1, 2], marker_pattern_shape="/")
    fig.add_bar(name="b", x=["T1", "T2"], y=[3, None])
    return fig.update_layout(yaxis_tickformat=",d", barmode="group", legend_title_text="série", font_size=11)


def _panels() -> go.Figure:
    fig = make_subplots(rows=1, cols=3)
    for col in (1, 2, 3):
        fig.add_bar(x=["ici", "EPCI"], y=[col, col + 1], row=1, col=col)
    return fig.update_layout(showlegend=False)


def test_the_site_theme_gives_the_figure_json_update_layout_gives():
    for make in (go.Figure, _bars, _panels):
        assert json.dumps(site_theme(make()).to_dict()) == json.dumps(_with_update(make()).to_dict())

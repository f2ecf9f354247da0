"""The French look of every chart: `1 234,5` numbers (plotly.js ships only the English locale, so the
separators are set on the layout), one font, a source line under the plot."""

from __future__ import annotations

import plotly.graph_objects as go

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


def site_theme(fig: go.Figure) -> go.Figure:
    """The pages' look: the title, unit and source are in the page around the figure (read by screen
    readers, kept when the figure fails), so the figure itself carries none; margins fit a 375 px phone."""
    fig.update_layout(
        separators=SEPARATORS,
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=-0.15, yanchor="top", x=0),
        colorway=COLORS,
    )
    fig.update_xaxes(gridcolor="#eee", zerolinecolor="#999", automargin=True)
    fig.update_yaxes(gridcolor="#eee", zerolinecolor="#999", automargin=True)
    return fig

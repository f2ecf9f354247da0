"""The key charts of the CIL pack, from one quarter's published long table (secret cells are null and
left out). Pure: frames in, Plotly figures out."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from .formats import nombre, pourcent
from .theme import french

TYPES = ["C", "T1", "T2", "T3", "T4", "T5", "T6P"]


def _epci(rows: pl.DataFrame, indicateur: str, key: str) -> dict[str, float]:
    """{modality value: valeur} of an EPCI indicator cut by one key (secret and not computable left out)."""
    cut = rows.filter(
        (pl.col("niveau_geo") == "EPCI")
        & (pl.col("indicateur") == indicateur)
        & pl.col("modalite").str.starts_with(f"{key}=")
        & ~pl.col("modalite").str.contains(",")
        & pl.col("valeur").is_not_null()
    )
    return dict(zip(cut["modalite"].str.strip_prefix(f"{key}="), cut["valeur"], strict=True))


def _epci_overall(rows: pl.DataFrame, indicateur: str) -> float | None:
    one = rows.filter(
        (pl.col("niveau_geo") == "EPCI") & (pl.col("indicateur") == indicateur) & (pl.col("modalite") == "ensemble")
    )["valeur"]
    return one[0] if one.len() else None


def demand_and_attributions(rows: pl.DataFrame, period: str, source: str) -> go.Figure:
    """Active demands at t and attributions over four quarters, by typology, at the EPCI."""
    demands, lets = _epci(rows, "D1", "typologie"), _epci(rows, "D5_r4q", "typologie")
    types = [t for t in TYPES if t in demands or t in lets]
    fig = go.Figure(
        [
            go.Bar(name="demandes actives à t", x=types, y=[demands.get(t) for t in types]),
            go.Bar(name="attributions sur quatre trimestres", x=types, y=[lets.get(t) for t in types]),
        ]
    )
    tension = _epci_overall(rows, "D6")
    ratio = f"{nombre(tension, 1)} demandes pour une attribution" if tension is not None else "tension non calculable"
    fig.update_layout(barmode="group", yaxis_title="nombre de ménages", xaxis_title="typologie", yaxis_tickformat=",d")
    return french(fig, f"Demande et attributions par typologie : {ratio}", f"Ensemble de l'EPCI, {period}", source)


def quotas(rows: pl.DataFrame, period: str, source: str) -> go.Figure:
    """Q2 (1st quartile outside QPV, target 25 %) and Q3 (quartiles 2–4 in QPV, target 50 %) by landlord."""
    cut = rows.filter(
        pl.col("indicateur").is_in(["Q2", "Q3"]),
        pl.col("niveau_geo") == "BAILLEUR",
        pl.col("modalite") == "ensemble",
    )
    fig = go.Figure()
    for ind, label, target in (("Q2", "1er quartile hors QPV", 0.25), ("Q3", "quartiles 2 à 4 en QPV", 0.5)):
        part = cut.filter((pl.col("indicateur") == ind) & pl.col("valeur").is_not_null()).sort("libelle_geo")
        name = f"{label} (objectif {pourcent(target, 0)})"
        fig.add_bar(name=name, y=part["libelle_geo"], x=part["valeur"], orientation="h")
        fig.add_vline(x=target, line_dash="dot", line_color="#999")
    below = cut.filter(
        (pl.col("indicateur") == "Q2") & (pl.col("valeur") < 0.25) & pl.col("valeur").is_not_null()
    ).height
    fig.update_layout(barmode="group", xaxis_tickformat=".0%", yaxis_autorange="reversed", margin_l=330)
    title = f"Quotas de la loi Égalité et citoyenneté : {below} bailleur(s) sous 25\u202f% hors QPV"
    return french(fig, title, f"Part des attributions depuis le 1er janvier, par bailleur, {period}", source)


CHARTS = {"demande_attributions": demand_and_attributions, "quotas_lec": quotas}

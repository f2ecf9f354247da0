"""Helpers the page builders share: a row's value in words, changes over a year, history charts."""

from __future__ import annotations

import textwrap

import polars as pl

from ..blocks import Chart, lines, percent, shown, with_status
from ..formats import evolution, nombre
from ..site_data import SiteData


def value_words(row: dict | None, nature: str, unit: str = "") -> str:
    """A published value as a page writes it, or why there is none."""
    if row is None or row["statut"] == "non_calculable":
        return "non calculable"
    if row["statut"] == "sans_objet":
        return "sans objet"
    if row["valeur"] is None:
        return "secret statistique"
    return shown(row["valeur"], nature) + (f" {unit}" if unit else "")


def change_words(before: dict | None, now: dict | None, nature: str) -> str:
    """`en hausse de 4 % en un an`, `+2,1 points en un an`, or why no change can be given."""
    if not before or not now or before["valeur"] is None or now["valeur"] is None:
        return "évolution sur un an non disponible"
    if nature == "part":
        points = (now["valeur"] - before["valeur"]) * 100
        if abs(points) < 0.05:
            return "stable en un an"
        return f"{'+' if points > 0 else '−'}{nombre(abs(points), 1)} point(s) en un an"
    words = evolution(before["valeur"], now["valeur"])
    return f"a {words} en un an" if words else "évolution sur un an non disponible"


def history_chart(
    data: SiteData,
    ident: str,
    series: dict[str, str],
    nature: str,
    unit: str,
    niveau: str = "EPCI",
    code: str | None = None,
    what: str = "",
) -> Chart:
    """The quarters of the history of one or more indicators (`series`: label → indicateur) at one place;
    the title says how the first series changed over a year."""
    first, share = next(iter(series.values())), nature == "part"
    frames = {label: data.history(ind, niveau, code) for label, ind in series.items()}
    periods = frames[next(iter(series))]["periode"].to_list()
    values = {label: f["valeur"].to_list() for label, f in frames.items()}
    now = data.row(first, niveau, code)
    before = data.row(first, niveau, code, quarter=data.year_before())
    title = f"{what or data.indicator(first)['libelle']} : {change_words(before, now, nature)}"
    table = pl.concat(
        with_status(f, data.seuil).select(
            pl.col("periode").alias("Trimestre"),
            pl.lit(label).alias("Série"),
            (percent("valeur") if share else pl.col("valeur")).alias("Part (%)" if share else unit),
            "Statut",
        )
        for label, f in frames.items()
    )
    return Chart(
        ident=ident,
        title=title[0].upper() + title[1:],
        unit_period=f"{unit}, par trimestre, de {periods[0] if periods else data.period} à {data.period}",
        figure=lines(periods, values, share=share),
        summary=_history_summary(series, frames, nature),
        table=table,
        indicateurs=list(dict.fromkeys(series.values())),
    )


def _history_summary(series: dict[str, str], frames: dict[str, pl.DataFrame], nature: str) -> str:
    parts = []
    for label, f in frames.items():
        known = f.filter(pl.col("valeur").is_not_null())
        if known.height:
            last = known.row(-1, named=True)
            parts.append(
                f"{label} : {shown(known['valeur'][0], nature)} au {known['periode'][0]}, "
                f"{shown(last['valeur'], nature)} au {last['periode']}"
            )
    return (" ; ".join(parts) + ".") if parts else "Aucune valeur publiable sur la période."


def by_landlord(data: SiteData, indicateur: str, modalite: str = "ensemble") -> pl.DataFrame:
    """The landlords' rows of an indicator, named (`lieu`) from the landlords' table, highest value first."""
    names = data.bailleurs.select(code_geo="bailleur_siren", lieu="nom_bailleur")
    rows = data.cut(indicateur, "BAILLEUR", modalite).join(names, on="code_geo", how="left")
    return rows.with_columns(pl.col("lieu").fill_null(pl.col("libelle_geo"))).sort(
        "valeur", descending=True, nulls_last=True
    )


def aligned(frames: dict[str, pl.DataFrame], key: str) -> tuple[list[str], dict[str, list], dict[str, list]]:
    """Several series of rows (label → rows with `key`, `valeur`, `statut`) on the categories of the first,
    in its order: (categories, values per series, statuses per series), for `bars`."""
    base = next(iter(frames.values())).select(key)
    values, statuses = {}, {}
    for label, frame in frames.items():
        joined = base.join(frame.select(key, "valeur", "statut"), on=key, how="left", maintain_order="left")
        values[label] = joined["valeur"].to_list()
        statuses[label] = joined["statut"].fill_null("non_calculable").to_list()
    return base[key].to_list(), values, statuses


def long_table(frames: dict[str, pl.DataFrame], key: str, key_label: str, value_label: str, seuil: int,
               share: bool = False) -> pl.DataFrame:  # fmt: skip
    """The table behind a chart of several series: one line per category and series, with its `Statut`."""
    return pl.concat(
        with_status(f, seuil).select(
            pl.col(key).alias(key_label),
            pl.lit(label).alias("Série"),
            (percent("valeur") if share else pl.col("valeur")).alias(value_label),
            "Statut",
        )
        for label, f in frames.items()
    )


def wrap_label(label: str, width: int = 24) -> str:
    """A long category label on several lines (`<br>`), so that horizontal bars keep room on a phone."""
    return "<br>".join(textwrap.wrap(label, width)) or label

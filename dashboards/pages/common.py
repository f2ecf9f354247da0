"""Helpers the page builders share: a row's value in words, changes over a year, history charts, the cuts
of an indicator by place and by modality."""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import polars as pl

from ..blocks import Chart, bars, lines, percent, shown, with_status
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


def change_words(before: dict | None, now: dict | None, nature: str) -> str | None:
    """The change over a year as a verb phrase (`a augmenté de 4 % en un an`, `a gagné 2,1 points en un
    an` for a share), or None when either value is missing."""
    if not before or not now or before["valeur"] is None or now["valeur"] is None:
        return None
    if nature == "part":
        points = (now["valeur"] - before["valeur"]) * 100
        if abs(points) < 0.05:
            return "est stable en un an"
        unit = "point" if abs(points) < 2 else "points"
        return f"a {'gagné' if points > 0 else 'perdu'} {nombre(abs(points), 1)} {unit} en un an"
    words = evolution(before["valeur"], now["valeur"])
    return f"a {words} en un an" if words else None


def finding(subject: str, before: dict | None, now: dict | None, nature: str) -> str:
    """A title that states the change: `La demande a augmenté de 4 % en un an`."""
    change = change_words(before, now, nature)
    return f"{subject} {change}" if change else f"{subject} : évolution sur un an non disponible"


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
    title = finding(what or data.indicator(first)["libelle"], before, now, nature)
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


def places(data: SiteData, indicateur: str) -> pl.DataFrame:
    """The indicator's overall rows by commune, and by sector for the communes the public sees only through
    their sector (a sector of one commune is that commune), with a `lieu` label."""
    communes = data.cut(indicateur, "COMMUNE").join(
        data.communes.select(code_geo="code_insee", lieu="nom"), on="code_geo", how="left"
    )
    single = data.communes.filter(pl.len().over("code_secteur") == 1)["code_secteur"]
    sectors = data.cut(indicateur, "SECTEUR").filter(~pl.col("code_geo").is_in(single.implode()))
    sectors = sectors.with_columns(lieu=pl.col("libelle_geo"))
    return by_value(pl.concat([communes, sectors], how="diagonal_relaxed"))


def by_modality(data: SiteData, indicateur: str, key: str, order: list[str]) -> pl.DataFrame:
    """The EPCI's rows of an indicator cut by one key, in the given order of its values."""
    cut = data.cut(indicateur, "EPCI", None).filter(
        pl.col("modalite").str.starts_with(f"{key}=") & ~pl.col("modalite").str.contains(",")
    )
    cut = cut.with_columns(cle=pl.col("modalite").str.strip_prefix(f"{key}="))
    rank = {v: i for i, v in enumerate(order)}
    return cut.with_columns(_o=pl.col("cle").replace_strict(rank, default=len(order))).sort("_o").drop("_o")


def codes(data: SiteData, liste: str) -> list[str]:
    """The codes of one of the contract's lists, in the contract's order (typologies: `C` < `T1` < … < `T6P`)."""
    return data.codes.filter(pl.col("liste") == liste)["code"].to_list()


def leader(rows: pl.DataFrame, total: float | None = None) -> tuple[dict | None, bool]:
    """The row with the largest published value, and whether it is surely the largest: no row is hidden by
    the secret, or (`total`: what the rows add up to, e.g. 1 for a distribution) the hidden rows together
    are no larger than it."""
    known = by_value(rows.filter(pl.col("valeur").is_not_null()))
    if not known.height:
        return None, False
    top = known.row(0, named=True)
    hidden = rows.filter(pl.col("statut") == "secret").height
    sure = not hidden or (total is not None and total - known["valeur"].sum() <= top["valeur"])
    return top, sure


def wrap(label: str, width: int = 24) -> str:
    """A long axis label on several lines (Plotly's `<br>`), so that a chart fits a 375 px phone."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def aligned(frames: dict[str, pl.DataFrame], key: str, keys: list[str]) -> dict[str, pl.DataFrame]:
    """Each frame on the same `keys` of its column `key`, in that order, so that the series of a chart line
    up; a key a frame lacks gets a row without value, not computable."""
    base = pl.DataFrame({key: keys}, schema={key: pl.String})
    return {
        label: base.join(f, on=key, how="left", maintain_order="left").with_columns(
            pl.col("statut").fill_null("non_calculable")
        )
        for label, f in frames.items()
    }


def listing(labels, rows: pl.DataFrame, nature: str, unit: str = "") -> str:
    """`T1 : 14,2 ; T2 : secret statistique ; …`: each row's value in words, after its label."""
    words = [value_words(r, nature, unit) for r in rows.iter_rows(named=True)]
    return " ; ".join(f"{lab} : {w}" for lab, w in zip(labels, words, strict=True))


def mark_notes(*statuses) -> list[str]:
    """The note that reads the « s » and « nc » marks of a chart, when one of its values is missing."""
    missing = {s for column in statuses for s in column if s in ("secret", "non_calculable", "sans_objet")}
    if not missing:
        return []
    return [
        "Sur le graphique, « s » marque un chiffre couvert par le secret statistique et « nc » un chiffre non "
        "calculable ; le tableau des données en donne la raison."
    ]


def frame_bars(categories, series: dict[str, pl.DataFrame], **options) -> go.Figure:
    """`bars` of published rows: each series is a frame whose `valeur` is drawn, marked by its `statut`."""
    values = {label: f["valeur"] for label, f in series.items()}
    return bars(list(categories), values, {label: f["statut"] for label, f in series.items()}, **options)


def stacked(series: dict[str, pl.DataFrame], column: str) -> pl.DataFrame:
    """The frames of several series one under the other, each row naming its series in `column`."""
    return pl.concat(
        [f.with_columns(pl.lit(label).alias(column)) for label, f in series.items()], how="diagonal_relaxed"
    )


def months_words(mois: float) -> str:
    """`38 mois, soit 3 ans et 2 mois`: a wait in whole months, and in years and months from a year on."""
    total = round(mois)
    if total < 1:
        return "moins d'un mois"
    years, months = divmod(total, 12)
    if not years:
        return f"{total} mois"
    in_years = f"{years} an{'s' if years > 1 else ''}" + (f" et {months} mois" if months else "")
    return f"{total} mois, soit {in_years}"


def by_value(rows: pl.DataFrame, descending: bool = True) -> pl.DataFrame:
    """Rows by value (highest first by default, unknown last), ties by place and modality: Polars keeps no order
    among ties, and the long table's row order changes with each dbt build, so two landlords of equal vacancy
    swapped places in `parc.html` and its CSV from one run to the next."""
    ties = [c for c in TIE_KEYS if c in rows.columns]
    return rows.sort(["valeur", *ties], descending=[descending] + [False] * len(ties), nulls_last=True)


TIE_KEYS = ("code_geo", "code_insee", "cle", "modalite")  # a row's place or category, in the frames ranked


def by_landlord(data: SiteData, indicateur: str, modalite: str = "ensemble") -> pl.DataFrame:
    """The landlords' rows of an indicator, named (`lieu`) from the landlords' table, highest value first."""
    names = data.bailleurs.select(code_geo="bailleur_siren", lieu="nom_bailleur")
    rows = data.cut(indicateur, "BAILLEUR", modalite).join(names, on="code_geo", how="left")
    return by_value(rows.with_columns(pl.col("lieu").fill_null(pl.col("libelle_geo"))))


def series_lists(frames: dict[str, pl.DataFrame], key: str) -> tuple[list[str], dict[str, list], dict[str, list]]:
    """Several series of rows (label → rows with `key`, `valeur`, `statut`) on the categories of the first,
    in its order: (categories, values per series, statuses per series), for `bars`."""
    keys = next(iter(frames.values()))[key].to_list()
    lined = aligned({label: f.select(key, "valeur", "statut") for label, f in frames.items()}, key, keys)
    return (
        keys,
        {k: f["valeur"].to_list() for k, f in lined.items()},
        {k: f["statut"].to_list() for k, f in lined.items()},
    )


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

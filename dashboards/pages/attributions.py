"""The attributions page: tension (demands per attribution) by commune and typology, the wait of the
housed beside the seniority of those still waiting, mutations, attributions by typology and réservataire,
and their history."""

from __future__ import annotations

import polars as pl

from ..blocks import Chart, percent, shown, with_status
from ..formats import pourcent
from ..render import Page, Section
from ..site_data import SiteData
from .common import (
    aligned,
    by_modality,
    codes,
    frame_bars,
    history_chart,
    leader,
    listing,
    mark_notes,
    places,
    stacked,
    value_words,
    wrap,
)

R4Q = "sur les quatre derniers trimestres"
EPCI = "Ensemble de l'EPCI"


def tension_communes_chart(data: SiteData) -> Chart:
    places_rows = places(data, "D6")
    epci = data.row("D6")
    top, sure = leader(places_rows)
    title = "La tension par commune"
    if top:
        title = (
            f"Tension la plus forte{'' if sure else ' parmi les chiffres publiés'} : "
            f"{shown(top['valeur'], 'ratio')} demandes pour une attribution ({top['lieu']}), "
            f"{value_words(epci, 'ratio')} dans l'ensemble de l'EPCI"
        )
    rows = pl.concat([data.cut("D6").with_columns(lieu=pl.lit(EPCI)), places_rows], how="diagonal_relaxed")
    return Chart(
        "tension-communes",
        title,
        f"demandes actives au {data.period} pour une attribution {R4Q}, par commune",
        frame_bars(rows["lieu"], {"demandes par attribution": rows}, horizontal=True),
        listing(rows["lieu"], rows, "ratio") + ". La tension n'est calculée qu'à partir de 10 attributions.",
        with_status(rows, data.seuil).select(
            pl.col("lieu").alias("Commune ou secteur"),
            pl.col("valeur").round(1).alias("Demandes par attribution"),
            "Statut",
        ),
        ["D6"],
        height=max(380, 24 * rows.height + 100),
        notes=mark_notes(rows["statut"]),
    )


def tension_types_chart(data: SiteData) -> Chart:
    rows = by_modality(data, "D6", "typologie", codes(data, "typologie_demande"))
    top, sure = leader(rows)
    title = "La tension par typologie"
    if top:
        first = "Les" if sure else "Parmi les typologies publiées, les"
        title = f"{first} {top['cle']} sont les plus tendus : {shown(top['valeur'], 'ratio')} demandes par attribution"
    return Chart(
        "tension-typologies",
        title,
        f"demandes actives au {data.period} pour une attribution {R4Q}, par typologie, ensemble de l'EPCI",
        frame_bars(rows["cle"], {"demandes par attribution": rows}),
        listing(rows["cle"], rows, "ratio")
        + ". Une demande compte sur la plus petite typologie souhaitée, une attribution sur la typologie du "
        "logement ; la chambre (C) n'a pas de logement correspondant.",
        with_status(rows, data.seuil).select(
            pl.col("cle").alias("Typologie"), pl.col("valeur").round(1).alias("Demandes par attribution"), "Statut"
        ),
        ["D6"],
        notes=mark_notes(rows["statut"]),
    )


WAITS = {
    "ménages logés : délai": "D8_median",
    "demandes en attente : ancienneté": "D7_median",
}


def waits(data: SiteData) -> dict[str, pl.DataFrame]:
    """D8 and D7 medians (label → rows), overall then by dwelling typology (`T1`…`T6P`), on the same keys."""
    keys = ["Ensemble", *codes(data, "typologie_bilan")]
    frames = {
        label: pl.concat(
            [data.cut(ind).with_columns(cle=pl.lit("Ensemble")), by_modality(data, ind, "typologie", keys)],
            how="diagonal_relaxed",
        )
        for label, ind in WAITS.items()
    }
    return aligned(frames, "cle", keys)


def waits_chart(data: SiteData) -> Chart:
    series = waits(data)
    housed, waiting = data.row("D8_median"), data.row("D7_median")
    title = "Les délais d'attente"
    if housed and housed["valeur"] is not None:
        title = f"Les ménages logés {R4Q} avaient attendu {shown(housed['valeur'], 'duree', 0)} mois (médiane)"
    rows = stacked(series, "mesure")
    return Chart(
        "delais",
        title,
        f"mois depuis le dépôt : jusqu'au bail pour les attributions {R4Q}, jusqu'au {data.period} pour les "
        "demandes en attente ; ensemble de l'EPCI et par typologie",
        frame_bars(rows["cle"].unique(maintain_order=True), series),
        f"Délai médian des ménages logés {R4Q} : {value_words(housed, 'duree', 'mois')} ; ancienneté médiane "
        f"des demandes encore en attente : {value_words(waiting, 'duree', 'mois')}. Par typologie, "
        + " ; ".join(f"{m} en mois : {listing(f['cle'][1:], f[1:], 'duree')}" for m, f in series.items())
        + ".",
        with_status(rows, data.seuil).select(
            pl.col("cle").alias("Typologie"),
            pl.col("mesure").alias("Mesure"),
            pl.col("valeur").round(1).alias("Mois"),
            "Statut",
        ),
        list(WAITS.values()),
        notes=mark_notes(rows["statut"])
        + [
            "Le délai des attributions ne compte que les ménages logés : les attentes encore en cours, souvent les "
            "plus longues, n'y figurent pas. Il se lit à côté de l'ancienneté des demandes encore en attente, "
            "qui mesure l'attente en cours et non une attente achevée."
        ],
    )


MUTATIONS = {
    "mutations parmi les attributions": "D10_attributions",
    "mutations internes (même bailleur) parmi les mutations": "D10_internes",
}


def mutations_chart(data: SiteData) -> Chart:
    rows = stacked({lab: data.cut(i) for lab, i in MUTATIONS.items()}, "mesure")
    share = data.row("D10_attributions")
    title = "Les mutations"
    if share and share["valeur"] is not None:
        title = f"{pourcent(share['valeur'], 0)} des attributions du trimestre sont des mutations"
    labels = list(rows["mesure"])
    return Chart(
        "mutations",
        title,
        f"part des attributions du {data.period}, ensemble de l'EPCI",
        frame_bars([wrap(x) for x in labels], {"part": rows}, horizontal=True, share=True),
        listing(labels, rows, "part")
        + ". Une mutation est l'attribution d'un logement social à un ménage qui en occupe déjà un.",
        with_status(rows.with_columns(percent("valeur")), data.seuil).select(
            pl.col("mesure").alias("Part"), pl.col("valeur").alias("Part (%)"), "Statut"
        ),
        list(MUTATIONS.values()),
        height=260,
        notes=mark_notes(rows["statut"]),
    )


def attribution_types_chart(data: SiteData) -> Chart:
    rows = by_modality(data, "D5_r4q", "typologie", codes(data, "typologie_bilan"))
    return _shares_chart(
        data,
        rows,
        [str(c) for c in rows["cle"]],
        "attributions-typologies",
        "Typologie",
        "les {} représentent",
        f"attributions {R4Q} au {data.period}, par typologie du logement, ensemble de l'EPCI",
    )


def reservataires_chart(data: SiteData) -> Chart:
    rows = data.cut("D5_r4q", "RESERVATAIRE")
    order = {c: i for i, c in enumerate(codes(data, "reservataire"))}
    rows = rows.sort(pl.col("code_geo").replace_strict(order, default=len(order)))
    labels = [data.label("reservataire", c) for c in rows["code_geo"]]
    return _shares_chart(
        data,
        rows,
        labels,
        "attributions-reservataires",
        "Réservataire",
        "« {} » représente",
        f"attributions {R4Q} au {data.period}, par réservataire du logement, ensemble de l'EPCI",
        horizontal=True,
    )


def _shares_chart(
    data: SiteData,
    rows: pl.DataFrame,
    labels: list[str],
    ident: str,
    what: str,
    phrase: str,
    unit_period: str,
    horizontal: bool = False,
) -> Chart:
    """Counts of attributions by one key, with the title naming the key's largest share of the total."""
    total = data.row("D5_r4q")
    whole = total["valeur"] if total else None
    top, sure = leader(rows.with_columns(lieu=pl.Series(labels)), whole)
    title = f"Les attributions par {what.lower()}"
    if top and whole:
        words = phrase.format(top["lieu"])
        title = f"{words[0].upper()}{words[1:]} {pourcent(top['valeur'] / whole, 0)} des attributions" + (
            "" if sure else " (la plus forte part publiée)"
        )
    return Chart(
        ident,
        title,
        unit_period,
        frame_bars([wrap(x) for x in labels], {"attributions": rows}, horizontal=horizontal),
        f"Attributions {R4Q}, ensemble de l'EPCI : {value_words(total, 'compte')}. "
        + listing(labels, rows, "compte")
        + ".",
        with_status(rows, data.seuil).select(pl.Series(what, labels), pl.col("valeur").alias("Attributions"), "Statut"),
        ["D5_r4q"],
        height=max(300, 40 * rows.height + 80) if horizontal else 380,
        notes=mark_notes(rows["statut"]),
    )


def pages(data: SiteData) -> list[Page]:
    attributions = history_chart(
        data,
        "attributions-historique",
        {f"attributions {R4Q}": "D5_r4q"},
        "compte",
        "attributions",
        what=f"Les attributions {R4Q}",
    )
    tension = history_chart(
        data,
        "tension-historique",
        {"demandes par attribution": "D6"},
        "ratio",
        "demandes par attribution",
        what="La tension",
    )
    sections = [
        Section("Les attributions", [attributions, attribution_types_chart(data), reservataires_chart(data)]),
        Section("La tension", [tension_communes_chart(data), tension_types_chart(data), tension]),
        Section("Les délais d'attente", [waits_chart(data)]),
        Section("Les mutations", [mutations_chart(data)]),
    ]
    intro = (
        "Une attribution est un bail signé dans un logement social de l'EPCI, comptée sur la commune et la "
        "typologie du logement. La tension rapporte les demandes actives aux attributions des quatre derniers "
        "trimestres : c'est un nombre de demandes pour une attribution, pas une durée d'attente. Une commune de "
        "moins de 2 000 habitants est publiée avec son secteur."
    )
    return [Page("attributions.html", "Attributions et tension", intro, sections, nav="attributions.html")]

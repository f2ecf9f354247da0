"""The commission and CAL page: what becomes of the candidates the commission positions (examined by a CAL,
attributed, lease signed, refused before), the CALs' decisions and candidates per dwelling, refusals after
a proposal overall and by landlord, their motives, and their history."""

from __future__ import annotations

import polars as pl

from ..blocks import Chart, extremes, percent, shown, target_line, with_status
from ..formats import nombre, pourcent
from ..render import Page, Section
from ..site_data import Quarter, SiteData, quarter_label
from .common import aligned, by_modality, codes, frame_bars, history_chart, leader, listing, mark_notes, stacked, wrap

EPCI = "Ensemble de l'EPCI"
FUNNEL = {
    "examinés par une CAL dans les 90 jours": "C4_examines",
    "attribués par la CAL": "C4_attribues",
    "bail signé": "C4_baux",
    "refusés par le candidat avant la CAL": "C4_refus_avant_cal",
}
RATES = {"propositions refusées": "C2", "propositions de rang 1 refusées": "C2_rang1"}
MOTIVES = {"refus après la CAL": "C3", "refus avant la CAL": "C3_avant_cal"}


def cohort(data: SiteData) -> Quarter:
    """The last quarter whose positionings have been followed to the end (later cohorts are still open and
    not computable): the funnel is drawn for it."""
    closed = data.history("C4_baux").filter(pl.col("statut") != "non_calculable")
    return (closed["annee"][-1], closed["trimestre"][-1]) if closed.height else data.quarter


def funnel_chart(data: SiteData) -> Chart:
    quarter = cohort(data)
    period = quarter_label(quarter)
    steps = stacked({lab: data.cut(ind, quarter=quarter) for lab, ind in FUNNEL.items()}, "etape")
    rows = aligned({"": steps}, "etape", list(FUNNEL))[""]
    leases = data.row("C4_baux", quarter=quarter)
    base = next((d for d in rows["denominateur"] if d), None)
    title = "Du positionnement au bail"
    if leases and leases["valeur"] is not None:
        title = f"{pourcent(leases['valeur'], 0)} des positionnements validés au {period} ont abouti à un bail"
    open_quarters = data.history("C4_baux").filter(
        pl.col("statut") == "non_calculable", pl.col("annee") * 10 + pl.col("trimestre") > quarter[0] * 10 + quarter[1]
    )
    notes = mark_notes(rows["statut"])
    if open_quarters.height:
        notes.append(
            f"Les positionnements validés depuis ({', '.join(open_quarters['periode'])}) sont encore suivis : leur "
            "examen en CAL (90 jours) et leur bail (31 jours après l'acceptation) peuvent encore venir."
        )
    return Chart(
        "commission-parcours",
        title,
        f"part des positionnements validés par la commission au {period}, ensemble de l'EPCI",
        frame_bars([wrap(e) for e in FUNNEL], {"part des positionnements": rows}, horizontal=True, share=True),
        (f"Sur {nombre(base)} positionnements validés au {period} : " if base else f"Positionnements du {period} : ")
        + listing(list(FUNNEL), rows, "part")
        + ".",
        with_status(rows.with_columns(percent("valeur")), data.seuil).select(
            pl.col("etape").alias("Étape"), pl.col("valeur").alias("Part (%)"), "Statut"
        ),
        list(FUNNEL.values()),
        height=320,
        notes=notes,
    )


def decisions_chart(data: SiteData) -> Chart:
    rows = by_modality(data, "C1", "decision", codes(data, "decision_cal"))
    labels = [data.label("decision_cal", c) for c in rows["cle"]]
    top, sure = leader(rows.with_columns(lieu=pl.Series(labels, dtype=pl.String)), 1.0)
    title = "Les décisions des CAL"
    if top:
        title = (
            f"Décision la plus fréquente{'' if sure else ' parmi les chiffres publiés'} : {top['lieu']}, pour "
            f"{pourcent(top['valeur'], 0)} des candidats examinés en CAL"
        )
    return Chart(
        "cal-decisions",
        title,
        f"part des candidats examinés par les CAL tenues au {data.period}, par décision, ensemble de l'EPCI",
        frame_bars([wrap(x) for x in labels], {"part des candidats": rows}, horizontal=True, share=True),
        listing(labels, rows, "part") + ".",
        with_status(rows.with_columns(percent("valeur")), data.seuil).select(
            pl.Series("Décision", labels), pl.col("valeur").alias("Part (%)"), "Statut"
        ),
        ["C1"],
        height=340,
        notes=mark_notes(rows["statut"]),
    )


def candidates_chart(data: SiteData) -> Chart:
    motives = codes(data, "exemption_trois_candidats")
    overall = data.cut("C1_candidats_par_logement").with_columns(cle=pl.lit("ensemble"))
    cut = by_modality(data, "C1_candidats_par_logement", "motif", motives)
    rows = aligned({"": pl.concat([overall, cut], how="diagonal_relaxed")}, "cle", ["ensemble", *motives])[""]
    labels = ["tous les logements"] + [f"exemption : {data.label('exemption_trois_candidats', c)}" for c in motives]
    mean = data.row("C1_candidats_par_logement")
    title = "Les candidats examinés par logement"
    if mean and mean["valeur"] is not None:
        title = f"Les CAL ont examiné en moyenne {shown(mean['valeur'], 'ratio')} candidats par logement"
    fig = frame_bars([wrap(x) for x in labels], {"candidats": rows}, horizontal=True)
    target_line(fig, 3, "3 candidats", horizontal=True)
    fig.layout.annotations[-1].update(yanchor="bottom")  # the line's label above the bars, not over them
    return Chart(
        "cal-candidats",
        title,
        f"candidats examinés par logement passé en CAL au {data.period}, ensemble de l'EPCI",
        fig,
        listing(labels, rows, "ratio") + ".",
        with_status(rows, data.seuil).select(
            pl.Series("Logements", labels), pl.col("valeur").round(1).alias("Candidats par logement"), "Statut"
        ),
        ["C1_candidats_par_logement"],
        height=320,
        notes=mark_notes(rows["statut"])
        + [
            "La CAL examine en principe au moins trois candidats par logement ; le bailleur peut en examiner moins "
            "pour un candidat DALO désigné par le préfet, faute de candidats ou pour un logement PLAI adapté. "
            "Seuls comptent les bailleurs qui transmettent tous les candidats examinés."
        ],
    )


def landlord_rates(data: SiteData) -> tuple[list[str], dict[str, pl.DataFrame]]:
    """C2 and C2_rang1 for the EPCI then each landlord (by decreasing C2, then name), aligned on `nom`."""
    names = data.bailleurs.select(code_geo="bailleur_siren", nom="nom_bailleur")
    frames = {
        label: pl.concat(
            [
                data.cut(ind).with_columns(nom=pl.lit(EPCI)),
                data.cut(ind, "BAILLEUR")
                .join(names, on="code_geo", how="left")
                .with_columns(nom=pl.coalesce("nom", "libelle_geo", "code_geo")),
            ],
            how="diagonal_relaxed",
        )
        for label, ind in RATES.items()
    }
    first = (
        frames[next(iter(RATES))]
        .filter(pl.col("nom") != EPCI)
        .sort(pl.col("valeur").fill_null(-1), "nom", descending=[True, False])
    )
    keys = [EPCI, *first["nom"]]
    return keys, aligned(frames, "nom", keys)


def refusals_chart(data: SiteData) -> Chart:
    keys, series = landlord_rates(data)
    overall = data.row("C2")
    silent = [k for i, k in enumerate(keys) if all(f["statut"][i] == "sans_objet" for f in series.values())]
    shown_keys = [k for k in keys if k not in silent]
    drawn = {lab: f.filter(pl.col("nom").is_in(shown_keys)) for lab, f in series.items()}
    title = "Les refus après une proposition de logement"
    if overall and overall["valeur"] is not None:
        title = (
            f"{pourcent(overall['valeur'], 0)} des propositions faites après une CAL au {data.period} ont été refusées"
        )
    c2 = drawn[next(iter(RATES))].filter(pl.col("nom") != EPCI)
    summary = (
        f"{EPCI} : "
        + listing(list(RATES), pl.concat([f.head(1) for f in series.values()], how="diagonal_relaxed"), "part")
        + ". Taux de refus des propositions par bailleur, parmi les chiffres publiés : "
        + extremes(c2["nom"].to_list(), c2["valeur"].to_list(), "part")
    )
    if silent:
        summary += f" Sans objet pour les bailleurs qui ne transmettent pas leurs retours de CAL : {', '.join(silent)}."
    rows = stacked(series, "taux")
    return Chart(
        "refus-bailleurs",
        title,
        f"part des propositions faites après une CAL tenue au {data.period}, ensemble de l'EPCI et par bailleur",
        frame_bars([wrap(k, 22) for k in shown_keys], drawn, horizontal=True, share=True),
        summary,
        with_status(rows.with_columns(percent("valeur")), data.seuil).select(
            pl.col("nom").alias("Bailleur"),
            pl.col("taux").alias("Taux"),
            pl.col("valeur").alias("Part (%)"),
            pl.col("denominateur").alias("Propositions ou logements pris en compte"),
            "Statut",
        ),
        list(RATES.values()),
        height=max(380, 60 * len(shown_keys) + 120),
        notes=mark_notes(*(f["statut"] for f in drawn.values()))
        + [
            "Une proposition restée sans réponse dans le délai compte comme un refus ; une proposition en attente "
            "ne compte pas. Le taux de rang 1 ne porte que sur les bailleurs qui transmettent tous les candidats "
            "examinés."
        ],
    )


def motives_chart(data: SiteData) -> Chart:
    order = codes(data, "motif_refus")
    series = aligned({lab: by_modality(data, ind, "motif", order) for lab, ind in MOTIVES.items()}, "cle", order)
    labels = [data.label("motif_refus", c) for c in order]
    after = series[next(iter(MOTIVES))].with_columns(lieu=pl.Series(labels, dtype=pl.String))
    top, sure = leader(after, 1.0)
    title = "Les motifs de refus"
    if top:
        title = (
            f"« {top['lieu'][0].upper()}{top['lieu'][1:]} » motive {pourcent(top['valeur'], 0)} des refus après CAL"
            + (", le premier motif" if sure else " (le plus fréquent des motifs publiés)")
        )
    rows = stacked({lab: f.with_columns(motif=pl.Series(labels)) for lab, f in series.items()}, "refus")
    return Chart(
        "refus-motifs",
        title,
        f"part des refus motivés, par motif, au {data.period}, ensemble de l'EPCI",
        frame_bars([wrap(x) for x in labels], series, horizontal=True, share=True),
        ". ".join(f"{lab[0].upper()}{lab[1:]} — {listing(labels, f, 'part')}" for lab, f in series.items()) + ".",
        with_status(rows.with_columns(percent("valeur")), data.seuil).select(
            pl.col("motif").alias("Motif"), pl.col("refus").alias("Refus"), pl.col("valeur").alias("Part (%)"), "Statut"
        ),
        list(MOTIVES.values()),
        height=max(380, 44 * len(labels) + 100),
        notes=mark_notes(*(f["statut"] for f in series.values())),
    )


def pages(data: SiteData) -> list[Page]:
    history = history_chart(
        data, "refus-historique", RATES, "part", "part des propositions", what="Le taux de refus après CAL"
    )
    sections = [
        Section("Du positionnement au bail", [funnel_chart(data)]),
        Section("Les décisions des CAL", [decisions_chart(data), candidates_chart(data)]),
        Section("Les refus", [refusals_chart(data), motives_chart(data)]),
        Section("L'évolution", [history]),
    ]
    intro = (
        "La commission intercommunale positionne des candidats sur les logements libérés ; la commission "
        "d'attribution (CAL) de chaque bailleur les examine et décide, puis le logement est proposé au candidat, "
        "qui l'accepte ou le refuse. Les chiffres portent sur les bailleurs qui transmettent leurs retours de CAL."
    )
    return [Page("commission.html", "Commission et CAL", intro, sections, nav="commission.html")]

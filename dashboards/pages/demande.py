"""The demand page: active demands by commune, typology, seniority and profile, and their history."""

from __future__ import annotations

import polars as pl

from ..blocks import Chart, bars, percent, shown, with_status
from ..formats import pourcent
from ..render import Page, Section
from ..site_data import SiteData
from .common import by_modality, by_value, history_chart, places

TYPES = ["C", "T1", "T2", "T3", "T4", "T5", "T6P"]
BANDS = ["0-1", "1-2", "2-3", "3-5", "5+"]


def communes_chart(data: SiteData) -> Chart:
    rows = places(data, "D1")
    total = data.row("D1")
    top = rows.filter(pl.col("valeur").is_not_null()).row(0, named=True) if rows.height else None
    share = top["valeur"] / total["valeur"] if top and total and total["valeur"] else None
    title = f"{top['lieu']} concentre {pourcent(share, 0)} des demandes actives" if share else "Les demandes actives"
    return Chart(
        "demande-communes",
        title,
        f"demandes actives par commune de 1er choix, au {data.period}",
        bars(rows["lieu"], {"demandes actives": rows["valeur"]}, {"demandes actives": rows["statut"]}, horizontal=True),
        f"{shown(total['valeur'] if total else None, 'compte')} demandes actives dans l'EPCI. " + _extremes(rows),
        with_status(rows, data.seuil).select(
            pl.col("lieu").alias("Commune ou secteur"), pl.col("valeur").alias("Demandes actives"), "Statut"
        ),
        ["D1"],
        height=max(380, 22 * rows.height + 80),
    )


def _extremes(rows: pl.DataFrame) -> str:
    known = rows.filter(pl.col("valeur").is_not_null())
    if not known.height:
        return ""
    hi, lo = known.row(0, named=True), known.row(-1, named=True)
    return f"La plus forte demande : {hi['lieu']} ({shown(hi['valeur'], 'compte')}) ; la plus faible : " \
        f"{lo['lieu']} ({shown(lo['valeur'], 'compte')})."  # fmt: skip


def types_chart(data: SiteData) -> Chart:
    rows = by_modality(data, "D1", "typologie", TYPES)
    known = by_value(rows.filter(pl.col("valeur").is_not_null()))
    total = rows["valeur"].sum()
    top = known.row(0, named=True) if known.height else None
    title = (
        f"Les {top['cle']} sont les plus demandés : {pourcent(top['valeur'] / total, 0)} des demandes"
        if top and total
        else "Les demandes par typologie"
    )
    return Chart(
        "demande-typologies",
        title,
        f"demandes actives par plus petite typologie souhaitée, ensemble de l'EPCI, au {data.period}",
        bars(rows["cle"], {"demandes actives": rows["valeur"]}, {"demandes actives": rows["statut"]}),
        "Répartition : "
        + ", ".join(f"{c} {shown(v, 'compte')}" for c, v in zip(rows["cle"], rows["valeur"], strict=True))
        + ". C : chambre ; T6P : 6 pièces ou plus.",
        with_status(rows, data.seuil).select(
            pl.col("cle").alias("Typologie"), pl.col("valeur").alias("Demandes actives"), "Statut"
        ),
        ["D1"],
    )


def seniority_chart(data: SiteData) -> Chart:
    rows = by_modality(data, "D7_tranche", "tranche", BANDS)
    median = data.row("D7_median")
    five = data.row("D7_part_5ans")
    labels = [_band(b) for b in rows["cle"]]
    title = (
        f"La moitié des demandes attendent depuis plus de {shown(median['valeur'], 'duree', 0)} mois"
        if median and median["valeur"] is not None
        else "L'ancienneté des demandes actives"
    )
    return Chart(
        "demande-anciennete",
        title,
        f"demandes actives par ancienneté depuis le dépôt, ensemble de l'EPCI, au {data.period}",
        bars(labels, {"demandes actives": rows["valeur"]}, {"demandes actives": rows["statut"]}),
        f"Part des demandes déposées depuis 5 ans ou plus : {shown(five['valeur'] if five else None, 'part')}.",
        with_status(rows, data.seuil).select(
            pl.Series("Ancienneté", labels), pl.col("valeur").alias("Demandes actives"), "Statut"
        ),
        ["D7_tranche", "D7_median", "D7_part_5ans"],
    )


def _band(code: str) -> str:
    """`1-2` → `de 1 à moins de 2 ans`, `5+` → `5 ans ou plus`."""
    if code.endswith("+"):
        return f"{code[:-1]} ans ou plus"
    low, high = code.split("-")
    return "moins d'un an" if low == "0" and high == "1" else f"de {low} à moins de {high} ans"


def profile_chart(data: SiteData) -> Chart:
    shares = {
        "déjà locataires HLM": data.row("D10_demandes"),
        "ménages prioritaires": data.row("X2_demandes"),
    }
    labels = list(shares)
    values = [r["valeur"] if r else None for r in shares.values()]
    statuses = [r["statut"] if r else "non_calculable" for r in shares.values()]
    mutation = values[0]
    title = (
        f"{pourcent(mutation, 0)} des demandeurs sont déjà locataires d'un logement social"
        if mutation is not None
        else "Le profil des demandeurs"
    )
    table = pl.DataFrame({"Profil": labels, "Part (%)": values, "statut": statuses}).with_columns(percent("Part (%)"))
    return Chart(
        "demande-profil",
        title,
        f"part des demandes actives, ensemble de l'EPCI, au {data.period}",
        bars(labels, {"part des demandes": values}, {"part des demandes": statuses}, horizontal=True, share=True),
        "; ".join(f"{lab} : {shown(v, 'part')}" for lab, v in zip(labels, values, strict=True))
        + ". Un demandeur déjà locataire HLM demande une mutation ; un ménage prioritaire est reconnu DALO ou "
        "relève d'un public prioritaire (CCH L.441-1).",
        with_status(table, data.seuil).drop("statut"),
        ["D10_demandes", "X2_demandes"],
        height=260,
    )


def pages(data: SiteData) -> list[Page]:
    history = history_chart(data, "demande-historique", {"demandes actives": "D1"}, "compte", "demandes",
                            what="La demande")  # fmt: skip
    flows = history_chart(
        data,
        "demande-flux",
        {"nouvelles demandes": "D2", "radiations (toutes causes)": "D4"},
        "compte",
        "demandes par trimestre",
        what="Les nouvelles demandes",
    )
    sections = [
        Section("Où les ménages demandent", [communes_chart(data)]),
        Section("Quels logements", [types_chart(data)]),
        Section("Depuis quand", [seniority_chart(data)]),
        Section("Qui demande", [profile_chart(data)]),
        Section("L'évolution", [history, flows]),
    ]
    intro = (
        "Chaque demande active est comptée une fois, sur la commune de son premier choix et sur la plus petite "
        "typologie souhaitée. Une commune de moins de 2 000 habitants est publiée avec son secteur."
    )
    return [Page("demande.html", "La demande de logement social", intro, sections, nav="demande.html")]

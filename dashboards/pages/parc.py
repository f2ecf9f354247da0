"""The social stock page: vacancy (P1, and over 3 months), rotation (P2) by commune, landlord and typology,
deliveries against plans (P3) by financing and contingent, the stock (P4, the dwellings outside the
L.441-1 regime apart) and the demands per 100 dwellings by commune (the small communes as their
sector), and their history."""

from __future__ import annotations

import polars as pl

from ..blocks import Chart, bars, extremes, shown
from ..formats import pourcent
from ..render import Page, Section
from ..site_data import SiteData
from .common import by_landlord, by_value, history_chart, long_table, series_lists, value_words, wrap
from .demande import TYPES, by_modality, places

FINANCEMENTS = ["PLAI", "PLUS", "PLS", "PLI", "AUTRE"]
SMALL_SPREAD = 0.02  # under 2 points between typologies, the title says the rotation hardly varies
VACANCY = {"vacance": "P1", "vacance de plus de 3 mois": "P1_structurelle"}


def place_bars(frames: dict[str, pl.DataFrame], share: bool, horizontal: bool = True):
    """Bars of one or more series on the places (`lieu`) of the first frame, in its order."""
    codes, values, statuses = series_lists(frames, "code_geo")
    first = next(iter(frames.values()))
    names = {c: wrap(n) for c, n in zip(first["code_geo"], first["lieu"], strict=True)}
    return bars([names[c] for c in codes], values, statuses, horizontal=horizontal, share=share)


def top(rows: pl.DataFrame) -> dict | None:
    """The row with the highest published value (rows sorted by value, highest first)."""
    known = by_value(rows.filter(pl.col("valeur").is_not_null()))
    return known.row(0, named=True) if known.height else None


def _table(frames: dict[str, pl.DataFrame], place: str, unit: str, data: SiteData, share: bool) -> pl.DataFrame:
    return long_table(frames, "lieu", place, "Part (%)" if share else unit, data.seuil, share=share)


def vacancy_communes(data: SiteData) -> Chart:
    frames = {label: places(data, ind) for label, ind in VACANCY.items()}
    hi, epci = top(frames["vacance"]), data.row("P1")
    title = (
        f"La vacance est la plus forte à {hi['lieu']} ({shown(hi['valeur'], 'part')}), contre "
        f"{value_words(epci, 'part')} dans l'ensemble de l'EPCI"
        if hi
        else "La vacance par commune"
    )
    return Chart(
        "parc-vacance",
        title,
        f"part des logements proposés à la location qui sont vacants, par commune, au {data.period}",
        place_bars(frames, share=True),
        f"Dans l'EPCI : {value_words(epci, 'part')} de logements vacants, dont "
        f"{value_words(data.row('P1_structurelle'), 'part')} depuis plus de 3 mois.",
        _table(frames, "Commune", "", data, share=True),
        list(VACANCY.values()),
        height=max(380, 40 * frames["vacance"].height + 100),
    )


def landlord_chart(data: SiteData, series: dict[str, str], ident: str, what: str) -> Chart | None:
    """A share of the stock by landlord (`series`: label → indicateur); None when no landlord row exists."""
    frames = {label: by_landlord(data, ind) for label, ind in series.items()}
    first = next(iter(frames.values()))
    if not first.height:
        return None
    hi = top(first)
    known = by_value(first.filter(pl.col("valeur").is_not_null()), descending=False)
    lo = known.row(0, named=True) if known.height else None
    title = (
        f"{what[0].upper()}{what[1:]} va de {shown(lo['valeur'], 'part')} à {shown(hi['valeur'], 'part')} "
        "selon le bailleur"
        if hi and lo
        else f"{what[0].upper()}{what[1:]} par bailleur"
    )
    return Chart(
        ident,
        title,
        f"part des logements proposés à la location, par bailleur, au {data.period}",
        place_bars(frames, share=True),
        f"{first.height} bailleurs. " + extremes(first["lieu"], first["valeur"], "part"),
        _table(frames, "Bailleur", "", data, share=True),
        list(series.values()),
        height=max(380, (26 * len(series) + 14) * first.height + 100),
    )


def commune_chart(
    data: SiteData, ident: str, indicateur: str, label: str, nature: str, title, unit_period: str
) -> Chart:
    """One indicator by commune (sector for the small ones), with the EPCI's value and the extremes in words;
    `title(highest row, EPCI row)` states the finding, or None when no commune has a published value."""
    rows, epci = places(data, indicateur), data.row(indicateur)
    hi, frames, share = top(rows), {label: rows}, nature == "part"
    secret = rows.filter(pl.col("statut") == "secret")["lieu"].to_list()
    return Chart(
        ident,
        title(hi, epci) if hi else f"{data.indicator(indicateur)['libelle']} par commune",
        unit_period,
        place_bars(frames, share=share),
        f"Dans l'EPCI : {value_words(epci, nature, '' if share else label)}. "
        + extremes(rows["lieu"], rows["valeur"], nature)
        + (f" Secret statistique : {', '.join(secret)}." if secret else ""),
        _table(frames, "Commune", label, data, share=share),
        [indicateur],
        height=max(380, 26 * rows.height + 100),
    )


def rotation_communes(data: SiteData) -> Chart:
    def title(hi: dict, epci: dict | None) -> str:
        return f"Le parc tourne le plus à {hi['lieu']} : {shown(hi['valeur'], 'part')} des logements reloués en " \
            f"un an (EPCI : {value_words(epci, 'part')})"  # fmt: skip

    return commune_chart(data, "parc-rotation", "P2", "rotation", "part", title,
                         "part des logements proposés à la location entrés en location dans les 12 mois, par "
                         f"commune, au {data.period}")  # fmt: skip


def rotation_types(data: SiteData) -> Chart:
    rows = by_modality(data, "P2", "typologie", TYPES)
    known = by_value(rows.filter(pl.col("valeur").is_not_null()))
    title = "La rotation par typologie"
    if known.height > 1:
        (hi, hi_v), (lo, lo_v) = known.select("cle", "valeur").row(0), known.select("cle", "valeur").row(-1)
        hi_w, lo_w = shown(hi_v, "part"), shown(lo_v, "part")
        title = (
            f"La rotation varie peu selon la typologie : de {lo_w} ({lo}) à {hi_w} ({hi})"
            if hi_v - lo_v < SMALL_SPREAD
            else f"Les {hi} se libèrent le plus ({hi_w} en un an), les {lo} le moins ({lo_w})"
        )
    frames = {"rotation": rows.with_columns(lieu=pl.col("cle"), code_geo=pl.col("cle"))}
    return Chart(
        "parc-rotation-typologies",
        title,
        f"part des logements proposés à la location entrés en location dans les 12 mois, ensemble de l'EPCI, "
        f"au {data.period}",
        place_bars(frames, share=True, horizontal=False),
        "Rotation : " + ", ".join(f"{r['cle']} {value_words(r, 'part')}" for r in rows.iter_rows(named=True)) + ".",
        _table(frames, "Typologie", "", data, share=True),
        ["P2"],
    )  # fmt: skip


def deliveries(data: SiteData, frames: dict[str, pl.DataFrame], ident: str, key: str, unit_period: str,
               notes: list[str] | None = None) -> Chart:  # fmt: skip
    """Delivered against planned dwellings of the quarter, on the categories of `frames` (`lieu`)."""
    done, planned = data.row("P3_livres"), data.row("P3_prevus")
    known = done and planned and done["valeur"] is not None and planned["valeur"] is not None
    title = f"{_delivered(done['valeur'])} au {data.period} pour {shown(planned['valeur'], 'compte')} prévus" \
        if known else "Les livraisons du trimestre"  # fmt: skip
    prevus = frames["prévus"]
    return Chart(
        ident,
        title,
        unit_period,
        place_bars(frames, share=False, horizontal=True),
        " ; ".join(
            f"{r['lieu']} : {value_words(r, 'compte')} prévus" for r in prevus.iter_rows(named=True)
        ) + f". Livrés : {value_words(done, 'compte')} au total.",
        _table(frames, key, "logements", data, share=False),
        ["P3_livres", "P3_prevus"],
        height=max(300, 50 * prevus.height + 100),
        notes=notes or [],
    )  # fmt: skip


def _delivered(n: float) -> str:
    if not n:
        return "Aucun logement livré"
    return f"{shown(n, 'compte')} logement{'s' if n > 1 else ''} livré{'s' if n > 1 else ''}"


def deliveries_financing(data: SiteData) -> Chart:
    frames = {
        label: by_modality(data, ind, "financement", FINANCEMENTS).with_columns(lieu="cle", code_geo="cle")
        for label, ind in (("prévus", "P3_prevus"), ("livrés", "P3_livres"))
    }
    what = f"logements prévus et livrés dans le trimestre, par financement, ensemble de l'EPCI, {data.period}"
    words = " ; ".join(
        f"{c} : {data.label('financement', c)}" for c in FINANCEMENTS if data.label("financement", c) != c
    )
    return deliveries(data, frames, "parc-livraisons", "Financement", what, [f"{words} ; AUTRE : autres financements."])


def deliveries_contingent(data: SiteData) -> Chart:
    frames = {}
    for label, ind in (("prévus", "P3_prevus"), ("livrés", "P3_livres")):
        rows = data.cut(ind, "RESERVATAIRE")
        lieu = pl.col("code_geo").map_elements(lambda c: data.label("reservataire", c), return_dtype=pl.String)
        frames[label] = by_value(rows.with_columns(lieu=lieu))
    what = f"logements prévus et livrés dans le trimestre, par contingent réservataire, {data.period}"
    return deliveries(data, frames, "parc-livraisons-reservataires", "Réservataire", what)


def stock_communes(data: SiteData) -> Chart:
    frames = {"parc sous régime des attributions": places(data, "P4"), "hors régime (PLI, non conventionné)":
              places(data, "P4_hors_l441")}  # fmt: skip
    rows, epci = frames["parc sous régime des attributions"], data.row("P4")
    hi = top(rows)
    share = hi["valeur"] / epci["valeur"] if hi and epci and epci["valeur"] else None
    title = f"{hi['lieu']} compte {pourcent(share, 0)} du parc social de l'EPCI" if share else "Le parc par commune"
    return Chart(
        "parc-communes",
        title,
        f"logements sociaux en service, par commune, au {data.period}",
        place_bars(frames, share=False),
        f"{value_words(epci, 'compte')} logements sociaux sous le régime des attributions dans l'EPCI, et "
        f"{value_words(data.row('P4_hors_l441'), 'compte')} hors de ce régime (PLI, non conventionnés), à part.",
        _table(frames, "Commune", "logements", data, share=False),
        ["P4", "P4_hors_l441"],
        height=max(380, 40 * rows.height + 100),
    )


def demand_per_100(data: SiteData) -> Chart:
    def title(hi: dict, epci: dict | None) -> str:
        return f"{hi['lieu']} : {shown(hi['valeur'], 'ratio', 0)} demandes pour 100 logements sociaux, contre " \
            f"{value_words(epci, 'ratio')} dans l'EPCI"  # fmt: skip

    unit = f"demandes actives pour 100 logements sociaux, par commune, au {data.period}"
    label = "demandes pour 100 logements"
    return commune_chart(data, "parc-demandes-pour-100", "P4_demandes_pour_100", label, "ratio", title, unit)


def pages(data: SiteData) -> list[Page]:
    history = [
        history_chart(data, "parc-historique-vacance", {"vacance": "P1", "rotation sur 12 mois": "P2"}, "part",
                      "part des logements proposés à la location", what="La vacance"),
        history_chart(data, "parc-historique-stock", {"parc social": "P4"}, "compte", "logements",
                      what="Le parc social"),
    ]  # fmt: skip
    landlords = [
        landlord_chart(data, VACANCY, "parc-vacance-bailleurs", "la vacance"),
        landlord_chart(data, {"rotation": "P2"}, "parc-rotation-bailleurs", "la rotation"),
    ]
    sections = [
        Section("Les logements vacants", [vacancy_communes(data), *[c for c in landlords[:1] if c]]),
        Section("Les logements qui se libèrent", [rotation_communes(data), *[c for c in landlords[1:] if c],
                                                  rotation_types(data)]),
        Section("Les livraisons", [deliveries_financing(data), deliveries_contingent(data)]),
        Section("Le parc et la demande", [stock_communes(data), demand_per_100(data)]),
        Section("L'évolution", history),
    ]  # fmt: skip
    intro = (
        "Les logements sociaux des communes de l'EPCI : combien sont vacants, combien se libèrent chaque année, "
        "combien sont livrés, et combien de demandes attendent pour 100 logements. La vacance et la rotation "
        "portent sur les logements proposés à la location, occupés ou vacants."
    )
    return [Page("parc.html", "Le parc social", intro, sections, nav="parc.html")]

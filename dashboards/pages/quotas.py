"""The quotas page (loi Égalité et citoyenneté, CCH L.441-1): Q1 (attributions to priority households) by
réservataire, Q2 (1st quartile outside QPV) and Q3 (quartiles 2–4 in QPV) for the EPCI, by landlord and (Q2)
by réservataire, each against its target, and their history.

Which target a bar is held to (targets of the quarter's year, `data.objectifs`: one per landlord ×
réservataire × quota, the CIA's or else the legal default):
- a réservataire: the target its cells share across every landlord; if they differ, none is drawn and the
  table says « différent selon les bailleurs » with their range;
- a landlord: the target its cells share across every réservataire; if they differ, likewise « différent
  selon les réservataires »;
- the EPCI: the target every cell shares; if they differ, the legal default (`data.objectifs_legaux`,
  réservataire `*`), the obligation the law sets for the whole territory when the CIA sets none common.
The quotas are institutional and public (INDICATORS.md), hidden only under the public's count thresholds."""

from __future__ import annotations

import polars as pl

from ..blocks import (
    Chart,
    bars,
    lines,
    mark_missing_points,
    percent,
    target_line,
    target_marks,
    with_status,
)
from ..formats import pourcent
from ..render import Page, Section
from ..site_data import SiteData
from .common import by_landlord, finding, history_chart, series_lists, value_words, wrap

QUOTAS = {
    "Q1": "Q1_PRIORITAIRES",
    "Q2": "Q2_PREMIER_QUARTILE_HORS_QPV",
    "Q2_hors_ru": "Q2_PREMIER_QUARTILE_HORS_QPV",
    "Q3": "Q3_QUARTILES_2_4_EN_QPV",
}
SHORT = {
    "Q2": "Q2 : 1er quartile hors QPV",
    "Q2_hors_ru": "Q2 sans relogements RU",
    "Q3": "Q3 : quartiles 2 à 4 en QPV",
}
WHAT = {
    "Q1": "attributions aux ménages prioritaires",
    "Q2": "attributions hors QPV au 1er quartile de revenus",
    "Q2_hors_ru": "attributions hors QPV au 1er quartile, sans les relogements du renouvellement urbain",
    "Q3": "attributions en QPV aux quartiles 2 à 4",
}
RULE_NOTE = (
    "Objectif retenu : celui de l'année du trimestre, fixé par la convention intercommunale d'attribution (CIA) "
    "ou, à défaut, par la loi. Pour un réservataire ou un bailleur, l'objectif qu'il a avec tous ses "
    "partenaires ; s'il diffère de l'un à l'autre, aucun objectif n'est tracé pour lui et le tableau donne "
    "l'écart. Pour l'ensemble de l'EPCI, l'objectif commun à tous les bailleurs, sinon l'objectif légal."
)
YTD = "part des attributions du 1er janvier à la fin du trimestre"


def targets(data: SiteData, indicateur: str, bailleur: str | None = None, reservataire: str | None = None) -> list:
    """The distinct targets of the quarter's year for a quota, over the cells of a landlord, a réservataire or
    all of them, in increasing order."""
    o = data.objectifs.filter((pl.col("annee") == data.annee) & (pl.col("quota") == QUOTAS[indicateur]))
    if bailleur is not None:
        o = o.filter(pl.col("bailleur_siren") == bailleur)
    if reservataire is not None:
        o = o.filter(pl.col("reservataire") == reservataire)
    return sorted(o["taux_cible"].drop_nulls().unique().to_list())


def shared_target(found: list, across: str) -> tuple[float | None, str]:
    """(the target when there is one, its words): `25 %`, `sans objectif`, `différent selon les bailleurs
    (25 % à 30 %)`."""
    if len(found) == 1:
        return found[0], pourcent(found[0], 0)
    if not found:
        return None, "sans objectif"
    return None, f"différent selon les {across} ({pourcent(found[0], 0)} à {pourcent(found[-1], 0)})"


def epci_target(data: SiteData, indicateur: str) -> tuple[float | None, str]:
    """The EPCI's target: the one every landlord and réservataire shares, else the legal default."""
    found = targets(data, indicateur)
    if len(found) == 1:
        return found[0], pourcent(found[0], 0)
    legal = data.objectifs_legaux.filter((pl.col("quota") == QUOTAS[indicateur]) & (pl.col("reservataire") == "*"))[
        "taux_cible"
    ]
    if not legal.len():
        return shared_target(found, "bailleurs")
    return legal[0], f"{pourcent(legal[0], 0)} (objectif légal : ceux de la CIA diffèrent selon les bailleurs)"


def reservataires(data: SiteData, indicateur: str) -> pl.DataFrame:
    """The réservataires' rows of a quota in the contract's order, named, with their target (`cible`,
    `objectif` in words)."""
    order = data.codes.filter(pl.col("liste") == "reservataire")["code"].to_list()
    rows = data.cut(indicateur, "RESERVATAIRE").with_columns(
        lieu=pl.col("code_geo").map_elements(lambda c: data.label("reservataire", c), return_dtype=pl.String),
        _o=pl.col("code_geo").replace_strict({c: i for i, c in enumerate(order)}, default=len(order)),
    )
    rows = rows.sort("_o").drop("_o")
    words = [shared_target(targets(data, indicateur, reservataire=c), "bailleurs") for c in rows["code_geo"]]
    return _with_targets(rows, words)


def landlords(data: SiteData, indicateur: str) -> pl.DataFrame:
    rows = by_landlord(data, indicateur)
    words = [shared_target(targets(data, indicateur, bailleur=c), "réservataires") for c in rows["code_geo"]]
    return _with_targets(rows, words)


def _with_targets(rows: pl.DataFrame, words: list[tuple[float | None, str]]) -> pl.DataFrame:
    return rows.with_columns(
        cible=pl.Series([t for t, _ in words], dtype=pl.Float64),
        objectif=pl.Series([w for _, w in words], dtype=pl.String),
    )


def verdict(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return "–"
    return "atteint" if value >= target else "non atteint"


def reached_words(rows: pl.DataFrame, noun: str, what: str) -> str:
    """`1 bailleur sur 4 atteint son objectif d'attributions …`, over the rows with a published value and a
    target (`what` is the quota's words, e.g. `attributions en QPV aux quartiles 2 à 4`)."""
    measured = rows.filter(pl.col("valeur").is_not_null() & pl.col("cible").is_not_null())
    reached = measured.filter(pl.col("valeur") >= pl.col("cible")).height
    n = measured.height
    if not n:
        return f"{what[0].upper()}{what[1:]} par {noun} : aucune part publiable face à un objectif"
    if not reached:
        return f"Aucun {noun} sur {n} n'atteint son objectif d'{what}"
    if reached == 1:
        return f"1 {noun} sur {n} atteint son objectif d'{what}"
    return f"{reached} {noun}s sur {n} atteignent leur objectif d'{what}"


def quota_figure(rows: pl.DataFrame, series: dict[str, pl.DataFrame]):
    """Horizontal bars of one or more quota series on `rows`' places, with the targets: one labelled line
    when every bar shares it, else a mark at each bar's own."""
    codes, values, statuses = series_lists(series, "code_geo")
    names = {c: wrap(n) for c, n in zip(rows["code_geo"], rows["lieu"], strict=True)}
    fig = bars([names[c] for c in codes], values, statuses, horizontal=True, share=True)
    cibles = rows["cible"].to_list()
    distinct = {t for t in cibles if t is not None}
    if len(distinct) == 1 and None not in cibles:
        return target_line(fig, distinct.pop(), f"objectif {pourcent(cibles[0], 0)}", horizontal=True)
    return target_marks(fig, [names[c] for c in rows["code_geo"]], cibles, horizontal=True) if distinct else fig


def quota_table(rows: pl.DataFrame, place: str, seuil: int, extra: pl.DataFrame | None = None) -> pl.DataFrame:
    """Place, share, target in words, whether reached, and the status; `extra`: the rows of a variant (Q2
    without urban renewal) as one more share column with its own status."""
    table = with_status(rows, seuil).select(
        pl.col("lieu").alias(place),
        percent("valeur").alias("Part (%)"),
        pl.col("objectif").alias("Objectif"),
        pl.Series("Objectif atteint ?", [verdict(v, t) for v, t in zip(rows["valeur"], rows["cible"], strict=True)]),
        "Statut",
    )
    if extra is None:
        return table
    variant = with_status(extra, seuil).select(
        pl.col("lieu").alias(place),
        percent("valeur").alias("Part sans relogements RU (%)"),
        pl.col("Statut").alias("Statut (sans relogements RU)"),
    )
    return table.join(variant, on=place, how="left", maintain_order="left")


def _summary(rows: pl.DataFrame) -> str:
    shown = [f"{r['lieu']} : {value_words(r, 'part')} (objectif {r['objectif']})" for r in rows.iter_rows(named=True)]
    return " ; ".join(shown) + "."


def q1_chart(data: SiteData) -> Chart:
    rows = reservataires(data, "Q1")
    applies = rows.filter(pl.col("statut") != "sans_objet")
    exempt = rows.filter(pl.col("statut") == "sans_objet")["lieu"].to_list()
    summary = _summary(applies) + (f" Le quota ne s'applique pas à : {', '.join(exempt)}." if exempt else "")
    return Chart(
        "quotas-reservataires",
        reached_words(applies, "réservataire", WHAT["Q1"]),
        f"{YTD}, par réservataire, ensemble de l'EPCI, {data.period}",
        quota_figure(applies, {"ménages prioritaires": applies}),
        summary,
        quota_table(rows, "Réservataire", data.seuil),
        ["Q1"],
        height=max(300, 50 * applies.height + 120),
        notes=[RULE_NOTE],
    )


def epci_chart(data: SiteData) -> Chart:
    """Q2, Q2 without urban renewal and Q3 for the whole EPCI, each against its target."""
    parts = []
    for ind in ("Q2", "Q2_hors_ru", "Q3"):
        row = data.row(ind)
        target, words = epci_target(data, ind)
        parts.append({"ind": ind, "lieu": SHORT[ind], "row": row, "cible": target, "objectif": words})
    rows = pl.DataFrame(
        {
            "code_geo": [p["ind"] for p in parts],
            "lieu": [p["lieu"] for p in parts],
            "valeur": [p["row"]["valeur"] if p["row"] else None for p in parts],
            "statut": [p["row"]["statut"] if p["row"] else "non_calculable" for p in parts],
            "secret": [p["row"]["secret"] if p["row"] else None for p in parts],
            "cible": [p["cible"] for p in parts],
            "objectif": [p["objectif"] for p in parts],
        },
        schema_overrides={"valeur": pl.Float64, "cible": pl.Float64, "secret": pl.String},
    )
    q2, q3 = parts[0], parts[2]
    title = f"{_against(q2, 'Hors QPV, 1er quartile')} ; {_against(q3, 'en QPV, quartiles 2 à 4')}"
    return Chart(
        "quotas-epci",
        title,
        f"{YTD}, ensemble de l'EPCI, {data.period}",
        quota_figure(rows, {"part des attributions": rows}),
        _summary(rows),
        quota_table(rows, "Quota", data.seuil),
        ["Q2", "Q2_hors_ru", "Q3"],
        height=320,
        notes=[RULE_NOTE],
    )


def _against(part: dict, what: str) -> str:
    """`Hors QPV, 1er quartile : 21,0 %, sous l'objectif de 25 %`."""
    row, target = part["row"], part["cible"]
    words = value_words(row, "part")
    if row is None or row["valeur"] is None or target is None:
        return f"{what} : {words}"
    side = "au-dessus de" if row["valeur"] >= target else "sous"
    return f"{what} : {words}, {side} l'objectif de {pourcent(target, 0)}"


def landlord_chart(data: SiteData, indicateur: str, ident: str) -> Chart:
    rows = landlords(data, indicateur)
    series = {"avec relogements RU" if indicateur == "Q2" else "part": rows}
    extra = None
    if indicateur == "Q2":
        extra = by_landlord(data, "Q2_hors_ru")
        series["sans relogements RU"] = extra
    return Chart(
        ident,
        reached_words(rows, "bailleur", WHAT[indicateur]),
        f"{YTD}, par bailleur, {data.period}",
        quota_figure(rows, series),
        _summary(rows.filter(pl.col("valeur").is_not_null())) + _missing(rows, data.seuil),
        quota_table(rows, "Bailleur", data.seuil, extra),
        [indicateur] + (["Q2_hors_ru"] if extra is not None else []),
        height=max(380, (44 if extra is not None else 30) * rows.height + 120),
        notes=[RULE_NOTE],
    )


def _missing(rows: pl.DataFrame, seuil: int) -> str:
    """` 12 bailleurs sous le secret statistique (…) ; 1 non calculable.` for the bars without a value."""
    secret = rows.filter(pl.col("statut") == "secret").height
    other = rows.filter(pl.col("valeur").is_null() & (pl.col("statut") != "secret")).height
    why = f"moins de {seuil} attributions, ou masqué par différence"
    parts = [f"{secret} sous le secret statistique ({why})"] if secret else []
    parts += [f"{other} non calculable(s)"] if other else []
    return (" Autres bailleurs : " + " ; ".join(parts) + ".") if parts else ""


def reservataire_q2_chart(data: SiteData) -> Chart:
    rows, extra = reservataires(data, "Q2"), reservataires(data, "Q2_hors_ru")
    return Chart(
        "quotas-reservataires-q2",
        reached_words(rows, "réservataire", WHAT["Q2"]),
        f"{YTD}, par réservataire, ensemble de l'EPCI, {data.period}",
        quota_figure(rows, {"avec relogements RU": rows, "sans relogements RU": extra}),
        _summary(rows),
        quota_table(rows, "Réservataire", data.seuil, extra),
        ["Q2", "Q2_hors_ru"],
        height=max(380, 44 * rows.height + 120),
        notes=[RULE_NOTE],
    )


def history_q2_q3(data: SiteData) -> Chart:
    chart = history_chart(
        data,
        "quotas-historique",
        {"1er quartile hors QPV (Q2)": "Q2", "quartiles 2 à 4 en QPV (Q3)": "Q3"},
        "part",
        "part des attributions",
        what="La part du 1er quartile hors QPV",
    )
    chart.notes = [
        "Parts cumulées depuis le 1er janvier : chaque année repart de zéro au 1er trimestre. "
        f"Objectifs de {data.annee} pour l'EPCI : Q2 {epci_target(data, 'Q2')[1]}, Q3 {epci_target(data, 'Q3')[1]}."
    ]
    for ind in ("Q2", "Q3"):
        target, _ = epci_target(data, ind)
        if target is not None:
            target_line(chart.figure, target, f"objectif {ind} {data.annee} : {pourcent(target, 0)}")
    return chart


def history_q1(data: SiteData) -> Chart | None:
    """Q1 over the quarters for the réservataires the 25 % rule binds (those sharing the collectivities'
    target), by réservataire: there is no EPCI-wide Q1."""
    codes = [c for c in ("COLTER", "COLACT", "AUCUN") if data.history("Q1", "RESERVATAIRE", c).height]
    frames = {data.label("reservataire", c): data.history("Q1", "RESERVATAIRE", c) for c in codes}
    if not frames:
        return None
    periods = next(iter(frames.values()))["periode"].to_list()
    now = data.row("Q1", "RESERVATAIRE", "COLTER")
    before = data.row("Q1", "RESERVATAIRE", "COLTER", quarter=data.year_before())
    fig = lines(periods, {k: f["valeur"].to_list() for k, f in frames.items()}, share=True)
    mark_missing_points(fig, periods, [f["statut"].to_list() for f in frames.values()])
    target, words = shared_target(targets(data, "Q1", reservataire="COLTER"), "bailleurs")
    if target is not None:
        target_line(fig, target, f"objectif {pourcent(target, 0)}")
    table = pl.concat(
        with_status(f, data.seuil).select(
            pl.col("periode").alias("Trimestre"), pl.lit(k).alias("Réservataire"),
            percent("valeur").alias("Part (%)"), "Statut",
        )
        for k, f in frames.items()
    )  # fmt: skip
    return Chart(
        "quotas-historique-q1",
        finding("La part des ménages prioritaires (contingent des collectivités)", before, now, "part"),
        f"{YTD}, par trimestre, de {periods[0]} à {data.period}",
        fig,
        f"Au {data.period} : "
        + " ; ".join(f"{k} {value_words(f.row(-1, named=True), 'part')}" for k, f in frames.items() if f.height)
        + f". Objectif des collectivités : {words}.",
        table,
        ["Q1"],
        notes=[
            "Parts cumulées depuis le 1er janvier : chaque année repart de zéro au 1er trimestre. « s » au pied "
            "du graphique : un trimestre couvert par le secret statistique pour au moins un réservataire."
        ],
    )


def pages(data: SiteData) -> list[Page]:
    sections = [
        Section("Les ménages prioritaires", [q1_chart(data)],
                "Au moins un quart des attributions des collectivités, d'Action Logement et des bailleurs sur leur "
                "propre contingent doit aller aux ménages reconnus prioritaires (DALO, publics prioritaires)."),
        Section("La mixité sociale dans l'EPCI", [epci_chart(data)],
                "Hors des quartiers prioritaires de la ville (QPV), un quart au moins des attributions doit aller "
                "aux ménages les plus modestes (1er quartile de revenus) ou relogés du renouvellement urbain ; en "
                "QPV, une part minimale doit aller aux ménages des trois autres quartiles."),
        Section("Par bailleur", [landlord_chart(data, "Q2", "quotas-bailleurs-q2"),
                                 landlord_chart(data, "Q3", "quotas-bailleurs-q3")]),
        Section("Par réservataire", [reservataire_q2_chart(data)]),
        Section("L'évolution", [c for c in (history_q2_q3(data), history_q1(data)) if c]),
    ]  # fmt: skip
    intro = (
        "La loi Égalité et citoyenneté (2017) fixe aux attributions de logements sociaux des objectifs de "
        "mixité et d'accueil des ménages prioritaires, que la convention intercommunale d'attribution peut "
        f"préciser. Chaque part est comptée du 1er janvier à la fin du trimestre. Les parts calculées sur moins "
        f"de {data.seuil} attributions sont couvertes par le secret statistique."
    )
    return [Page("quotas.html", "Les quotas de la loi Égalité et citoyenneté", intro, sections, nav="quotas.html")]

"""The applicants' page (CCH R.441-2-17): for a household deciding where to apply, per commune (or its
sector) and typology, the demands waiting, the attributions of the last 12 months, the demands per
attribution, the median observed wait beside the chance of being housed within 1, 2, 3 and 5 years (H1,
every demand counted) and its 50 % crossing, the share waiting 5 years or more and the scores of similar
demands; the priority households' chance at EPCI level.
The page embeds these figures as JSON, each with its text in French (a missing figure with its reason), so
that `static/demandeurs.js` answers a choice of commune and typology without a server; the same texts fill
the full tables that work without JavaScript."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

import polars as pl

from ..blocks import Chart, bars, shown, status_text
from ..formats import pourcent
from ..render import Page, Section
from ..site_data import SiteData
from .common import months_words
from .demande import TYPES

I1 = ("I1_demandes", "I1_attributions_12m", "I1_demandes_par_attribution", "I1_delai_median", "I1_part_5ans")
I2 = ("I2_q1", "I2_mediane", "I2_q3")
# The chance of being housed (H1): one estimated curve per group, read at these horizons with its 95 % band
HORIZONS = {"1an": "1 an", "2ans": "2 ans", "3ans": "3 ans", "5ans": "5 ans"}
BAND = ("", "_bas", "_haut")
H1 = (*(f"H1_{h}{b}" for h in HORIZONS for b in BAND), "H1_delai_50")
HEADINGS = {
    "I1_demandes": "Demandes en attente",
    "I1_attributions_12m": "Logements attribués en 12 mois",
    "I1_demandes_par_attribution": "Demandes pour un logement attribué",
    "I1_delai_median": "Attente des ménages logés (médiane)",
    "H1": "Chance d'obtenir un logement, toutes demandes comptées (fourchette à 95 %)",
    "H1_delai_50": "Attente au bout de laquelle une demande sur deux est satisfaite",
    "I1_part_5ans": "Demandes en attente depuis 5 ans ou plus",
    "I2": "Cotation des demandes semblables",
}
# Attributions are counted by dwelling: a room (C) has no dwelling of its own in the social stock.
DWELLING_SIDE = ("I1_attributions_12m", "I1_demandes_par_attribution", "I1_delai_median")
DIFFERENCE = (
    "L'attente médiane ne compte que les ménages qui ont obtenu un logement ; la chance d'obtenir un logement "
    "compte toutes les demandes, y compris celles des ménages qui attendent encore ou ont renoncé."
)
BAND_COLUMNS = ("Chance (%)", "Borne basse (%)", "Borne haute (%)")
PRIORITY_INTRO = (
    "Les ménages reconnus prioritaires (DALO, publics prioritaires de l'article L.441-1) ne sont publiés que pour "
    "l'ensemble des communes, pour qu'aucun ne soit reconnaissable."
)
PRIORITY = {"ensemble": "Tous les ménages", "prioritaire=OUI": "Ménages prioritaires (DALO, L.441-1)",
            "prioritaire=NON": "Autres ménages"}  # fmt: skip


@dataclass(frozen=True)
class Place:
    """Where the public sees a commune's figures: the commune itself, or its sector when it shares one."""

    niveau: str
    code: str
    nom: str
    communes: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.niveau}:{self.code}"


def type_words(data: SiteData, typo: str) -> str:
    """« chambre », « 2 pièces (T2) », « 6 pièces ou plus (T6 et plus) », « tous types de logement »."""
    if typo == "ensemble":
        return "tous types de logement"
    label = data.label("typologie_demande", typo)
    if not typo[1:2].isdigit():
        return label
    rooms = int(typo[1])
    return f"{rooms} pièce{'s' if rooms > 1 else ''}{' ou plus' if typo.endswith('P') else ''} ({label})"


def places(data: SiteData) -> list[Place]:
    """A commune that is its own sector as itself, any other sector as the sector (its communes have no rows
    of their own), in the order of names; then the EPCI."""
    found = []
    for (secteur,), group in data.communes.sort("nom").group_by("code_secteur", maintain_order=True):
        names = tuple(group["nom"])
        if group.height == 1 and secteur == group["code_insee"][0]:
            found.append(Place("COMMUNE", group["code_insee"][0], names[0], names))
        else:
            found.append(Place("SECTEUR", secteur, group["libelle_secteur"][0], names))
    found.sort(key=lambda p: p.nom)
    return [*found, Place("EPCI", data.epci, f"Ensemble des {data.communes.height} communes", ())]


def commune_places(data: SiteData, found: list[Place]) -> dict[str, dict]:
    """Each commune (by INSEE code) → its name and the key of the place whose figures it shows."""
    by_secteur = {p.code: p for p in found if p.niveau == "SECTEUR"}
    out = {}
    for c in data.communes.sort("nom").iter_rows(named=True):
        place = by_secteur.get(c["code_secteur"])
        out[c["code_insee"]] = {
            "nom": c["nom"],
            "lieu": place.key if place else f"COMMUNE:{c['code_insee']}",
            "note": f"{c['nom']} est publiée avec son secteur, « {place.nom} », pour que les petits nombres "
            "ne désignent pas un ménage." if place else "",
        }  # fmt: skip
    return out


def published(data: SiteData) -> dict[tuple[str, str, str, str], dict]:
    """The site quarter's public rows of I1, I2 and H1, by (niveau, code, typology, indicateur)."""
    rows = pl.concat(data.cut([*I1, *I2, *H1], niveau=n, modalite=None) for n in ("COMMUNE", "SECTEUR", "EPCI"))
    return {
        (r["niveau_geo"], r["code_geo"], r["modalite"].removeprefix("typologie="), r["indicateur"]): r
        for r in rows.iter_rows(named=True)
    }


def figure(data: SiteData, indicateur: str, typo: str, row: dict | None, covered: bool) -> dict:
    """One published figure: its value (None unless published) and its text, or why it is missing."""
    if row is None:
        return {"valeur": None, "statut": "absent", "texte": "non publié à ce niveau"}
    value, statut = row["valeur"], row["statut"]
    if statut == "ok" and value is not None:
        return {"valeur": value, "statut": statut, "texte": value_text(data, indicateur, value)}
    return {"valeur": None, "statut": statut, "texte": missing_text(data, indicateur, typo, row, covered)}


def value_text(data: SiteData, indicateur: str, value: float) -> str:
    """A published value as the panel and the tables write it under its heading (which names the unit)."""
    nature = data.indicator(indicateur)["nature"]
    if nature == "duree":
        return months_words(value)
    if nature == "score":
        return f"{shown(value, nature)} points"
    return shown(value, nature)


def missing_text(data: SiteData, indicateur: str, typo: str, row: dict, covered: bool) -> str:
    """Why a figure is not shown, in plain words."""
    if row["statut"] != "non_calculable":
        return status_text(row["statut"], row.get("secret"), data.seuil)
    if indicateur in DWELLING_SIDE and typo == "C":
        return "non calculable : les attributions sont comptées par logement (1 pièce ou plus), pas par chambre"
    if indicateur in DWELLING_SIDE and not covered:
        return "non calculable : les fichiers reçus ne couvrent pas encore 12 mois d'attributions"
    if indicateur == "I1_demandes_par_attribution":
        least = data.indicator(indicateur)["seuil_denominateur"]
        return f"non calculable : trop peu d'attributions en 12 mois (moins de {least:.0f}) pour faire le rapport"
    if indicateur == "I1_delai_median":
        return "non calculable : trop peu d'attributions en 12 mois pour mesurer une attente"
    if indicateur in I2:
        return "non calculable : aucune demande cotée"
    return "non calculable : pas d'extraction des demandes ce trimestre"


def scores_text(figures: dict[str, dict]) -> str:
    """The quartiles of the scores of similar demands in one sentence, or why they are not known."""
    q1, med, q3 = (figures[i] for i in I2)
    if all(f["statut"] == "absent" for f in (q1, med, q3)):
        return "non publiée pour un secteur : la cotation est donnée commune par commune"
    if all(f["statut"] == "non_calculable" for f in (q1, med, q3)):
        return "aucune cotation connue : pas de grille de cotation en vigueur, ou aucune demande cotée"
    if any(f["valeur"] is None for f in (q1, med, q3)):
        return next(f["texte"] for f in (q1, med, q3) if f["valeur"] is None)
    return (
        f"la moitié des demandes semblables ont moins de {med['texte']} ; un quart ont moins de "
        f"{q1['texte']}, un quart plus de {q3['texte']}"
    )


def chance(data: SiteData, group: dict[str, dict | None], absent: str) -> dict[str, dict]:
    """The H1 figures of one group (its rows by indicateur): `H1`, the chance within each horizon with its
    band in one sentence (one reason said once when no horizon has a value), and `H1_delai_50`, the 50 %
    crossing; a missing figure says why."""
    if all(r is None for r in group.values()):
        return dict.fromkeys(("H1", "H1_delai_50"), {"valeur": None, "statut": "absent", "texte": absent})
    curve = has_curve(data, group)
    known = {ind: r["valeur"] if r and r["statut"] == "ok" else None for ind, r in group.items()}
    texts = {}
    for h, words in HORIZONS.items():
        value, low, high = (known[f"H1_{h}{b}"] for b in BAND)
        texts[words] = banded(value, low, high) if value is not None else chance_missing(data, f"H1_{h}", group, curve)
    first = next((known[f"H1_{h}"] for h in HORIZONS if known[f"H1_{h}"] is not None), None)
    one = first is None and len(set(texts.values())) == 1
    crossing = known["H1_delai_50"]
    return {
        "H1": {
            "valeur": first,
            "statut": "ok" if first is not None else status_of(group["H1_1an"]),
            "texte": next(iter(texts.values())) if one else " ; ".join(f"dans {w} : {t}" for w, t in texts.items()),
        },
        "H1_delai_50": {
            "valeur": crossing,
            "statut": status_of(group["H1_delai_50"]),
            "texte": months_words(crossing)
            if crossing is not None
            else chance_missing(data, "H1_delai_50", group, curve),
        },
    }


def banded(value: float, low: float | None, high: float | None) -> str:
    """`23 % (entre 19 % et 27 %)`: whole percents, one decimal where a narrow band would round to one number."""
    if low is None or high is None:
        return pourcent(value, 0)
    decimals = 0 if round(high * 100) - round(low * 100) >= 2 else 1
    return f"{pourcent(value, decimals)} (entre {pourcent(low, decimals)} et {pourcent(high, decimals)})"


def has_curve(data: SiteData, group: dict[str, dict | None]) -> bool:
    """Whether the group's curve was estimated (enough spells). fct_indicateurs keeps no reason: such a group
    has a row that is not non_calculable, or a known denominateur (spells) over the catalogue's threshold; a
    row hidden by the secret loses its counts but not its statut."""
    least = data.indicator("H1_1an")["seuil_denominateur"]
    return any(r and (r["statut"] != "non_calculable" or (r["denominateur"] or 0) >= least) for r in group.values())


def chance_missing(data: SiteData, ind: str, group: dict[str, dict | None], curve: bool) -> str:
    """Why an H1 figure is missing: the secret, too few spells for a curve, a horizon beyond the history's
    (reason horizon_non_observe) or a curve levelling off below 50 % (seuil_50_non_atteint)."""
    row = group[ind]
    if row is None:
        return "non publié à ce niveau"
    if row["statut"] != "non_calculable":
        return status_text(row["statut"], row.get("secret"), data.seuil)
    if not curve:
        least = data.indicator(ind)["seuil_denominateur"]
        return f"non calculable : moins de {least:.0f} demandes pour estimer la courbe"
    if ind == "H1_delai_50":
        return f"non calculable : la courbe n'atteint pas {pourcent(0.5, 0)}"
    return "non calculable : au-delà de ce que l'historique permet d'observer"


def status_of(row: dict | None) -> str:
    return row["statut"] if row else "absent"


def chance_absent(place: Place, typo: str) -> str:
    """Why a place and typology has no H1 rows: the curves are estimated by typology below the EPCI, and for
    every typology together at the EPCI."""
    if place.niveau == "EPCI" and typo != "ensemble":
        return "publiée ici pour tous types de logement ensemble"
    if place.niveau != "EPCI" and typo == "ensemble":
        return "publiée par type de logement : choisissez-en un"
    return "non publié à ce niveau"


def cases(data: SiteData, place: Place, rows: dict, covered: bool) -> dict[str, dict]:
    """The figures of one place, by typology (`ensemble` first), each indicator's, the chance's and the
    scores' sentence."""
    out = {}
    for typo in ["ensemble", *TYPES]:
        figures = {
            ind: figure(data, ind, typo, rows.get((place.niveau, place.code, typo, ind)), covered) for ind in (*I1, *I2)
        }
        figures["I2"] = {"valeur": figures["I2_mediane"]["valeur"], "texte": scores_text(figures)}
        group = {ind: rows.get((place.niveau, place.code, typo, ind)) for ind in H1}
        figures |= chance(data, group, chance_absent(place, typo))
        out[typo] = figures
    return out


def payload(data: SiteData) -> dict:
    """Everything the selector needs, as the page embeds it."""
    found, rows = places(data), published(data)
    window = rows.get(("EPCI", data.epci, "ensemble", "I1_attributions_12m"))
    covered = not (window and window["statut"] == "non_calculable")
    return {
        "periode": data.period,
        "epci": f"EPCI:{data.epci}",
        "typologies": [[t, type_words(data, t)] for t in ["ensemble", *TYPES]],
        "rubriques": [[k, v] for k, v in HEADINGS.items()],
        "communes": commune_places(data, found),
        "lieux": {p.key: {"nom": p.nom, "cases": cases(data, p, rows, covered)} for p in found},
        "cotation": any(r["statut"] != "non_calculable" for k, r in rows.items() if k[3] in I2),
        "difference": DIFFERENCE,
    }


def embedded(content: dict) -> str:
    """JSON safe inside `<script type="application/json">` (no `</script>` can close it early)."""
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def ratio_chart(data: SiteData, content: dict, typo: str = "ensemble") -> Chart:
    """Demands per attribution by commune or sector, for one typology, highest first; a missing value is
    written in its row (secret, not computable), never drawn as 0."""
    lieux = [(p["nom"], p["cases"][typo]["I1_demandes_par_attribution"]) for k, p in content["lieux"].items()
             if not k.startswith("EPCI")]  # fmt: skip
    lieux.sort(key=lambda item: (item[1]["valeur"] is None, -(item[1]["valeur"] or 0)))
    names, figs = [n for n, _ in lieux], [f for _, f in lieux]
    values = [f["valeur"] for f in figs]
    # a sector's long name on several lines, so that it fits a phone
    labels = ["<br>".join(textwrap.wrap(n, 18, break_on_hyphens=False)) for n in names]
    fig = bars(labels, {"demandes par attribution": values}, horizontal=True)
    missing = [(lab, f) for lab, f in zip(labels, figs, strict=True) if f["valeur"] is None]
    fig.add_scatter(
        x=[0] * len(missing),
        y=[lab for lab, _ in missing],
        text=["secret" if f["statut"] == "secret" else "non calculable" for _, f in missing],
        mode="text",
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
    )
    top = next(iter(lieux), None)
    title = (
        f"À {top[0]}, {shown(top[1]['valeur'], 'ratio', 0)} demandes pour un logement attribué en 12 mois : "
        "le rapport le plus fort"
        if top and top[1]["valeur"] is not None
        else "Demandes pour un logement attribué en 12 mois"
    )
    return Chart(
        "demandeurs-rapport",
        title,
        f"demandes en attente pour un logement attribué en 12 mois, {type_words(data, typo)}, au {data.period}",
        fig,
        ratio_summary(names, figs),
        pl.DataFrame(
            {
                "Commune ou secteur": names,
                "Demandes par attribution": values,
                "Statut": ["" if f["valeur"] is not None else f["texte"] for f in figs],
            },
            schema_overrides={"Demandes par attribution": pl.Float64},
        ),
        ["I1_demandes_par_attribution"],
        height=max(380, 30 * len(names) + 80),
    )


def ratio_summary(names: list[str], figs: list[dict]) -> str:
    """The published ratios in order, then the places without one grouped by reason."""
    known = " ; ".join(f"{n} : {shown(f['valeur'], 'ratio')}" for n, f in zip(names, figs, strict=True)
                      if f["valeur"] is not None)  # fmt: skip
    reasons: dict[str, list[str]] = {}
    for n, f in zip(names, figs, strict=True):
        if f["valeur"] is None:
            reasons.setdefault(f["texte"], []).append(n)
    parts = ([f"Demandes pour un logement attribué : {known}."] if known else []) + [
        f"{why[0].upper()}{why[1:]} : {', '.join(where)}." for why, where in reasons.items()
    ]
    return " ".join(parts)


def priority_chart(data: SiteData) -> Chart:
    """The EPCI's chance of being housed within each horizon, for every household, the priority households
    (DALO, L.441-1: published at EPCI level only) and the others; a missing value is marked, never 0."""
    rows = data.cut(list(H1), "EPCI", None).filter(pl.col("modalite").is_in(list(PRIORITY)))
    by = {(r["modalite"], r["indicateur"]): r for r in rows.iter_rows(named=True)}
    horizons = {h: f"dans {w}" for h, w in HORIZONS.items()}

    def value(modalite: str, ind: str) -> float | None:
        row = by.get((modalite, ind))
        return row["valeur"] if row and row["statut"] == "ok" else None

    def line(modalite: str, h: str) -> dict:
        row, percents = by.get((modalite, f"H1_{h}")), [value(modalite, f"H1_{h}{b}") for b in BAND]
        return {
            "Ménages": PRIORITY[modalite],
            "Horizon": horizons[h],
            **{k: None if v is None else round(v * 100, 1) for k, v in zip(BAND_COLUMNS, percents, strict=True)},
            "Statut": "" if percents[0] is not None else status_text(status_of(row), row and row["secret"], data.seuil),
        }

    table = pl.DataFrame([line(m, h) for m in PRIORITY for h in HORIZONS],
                         schema={"Ménages": pl.String, "Horizon": pl.String} | dict.fromkeys(BAND_COLUMNS, pl.Float64)
                         | {"Statut": pl.String})  # fmt: skip
    series = {label: [value(m, f"H1_{h}") for h in HORIZONS] for m, label in PRIORITY.items()}
    statuses = {label: [status_of(by.get((m, f"H1_{h}"))) for h in HORIZONS] for m, label in PRIORITY.items()}
    yes, no = value("prioritaire=OUI", "H1_1an"), value("prioritaire=NON", "H1_1an")
    title = (
        f"Un ménage prioritaire a {pourcent(yes, 0)} de chances d'obtenir un logement dans l'année, contre "
        f"{pourcent(no, 0)} pour les autres"
        if yes is not None and no is not None
        else "La chance des ménages prioritaires d'obtenir un logement"
    )
    groups = {label: chance(data, {i: by.get((m, i)) for i in H1}, "non publié") for m, label in PRIORITY.items()}
    summary = " ".join(
        f"{label} : {g['H1']['texte']} ; une demande sur deux satisfaite : {g['H1_delai_50']['texte']}."
        for label, g in groups.items()
    )
    return Chart(
        "demandeurs-prioritaires",
        title,
        f"chance d'obtenir un logement après le dépôt de la demande, ensemble des communes, estimée au {data.period}",
        bars(list(horizons.values()), series, statuses, share=True),
        summary,
        table,
        [*H1[::3], "H1_delai_50"],
        notes=["Les fourchettes à 95 % sont dans le tableau des données : la chance vraie s'y trouve 19 fois sur 20."],
    )


def pages(data: SiteData) -> list[Page]:
    content = payload(data)
    intro = (
        "Dans quelle commune, pour quel logement, combien de ménages attendent et combien de logements ont été "
        f"attribués ? Choisissez une commune et un type de logement : les chiffres du {data.period} s'affichent, "
        f"à côté de ceux de l'ensemble des {data.communes.height} communes de {data.epci_nom}."
    )
    page = Page(
        "demandeurs.html",
        "Vous cherchez un logement social ?",
        intro,
        [
            Section("Où la concurrence est la plus forte", [ratio_chart(data, content)]),
            Section("Les ménages prioritaires", [priority_chart(data)], PRIORITY_INTRO),
        ],
        nav="demandeurs.html",
        template="demandeurs.html.j2",
    )
    page.context = {
        "donnees": embedded(content),
        "content": content,
        "sources": data.source_line([*I1, *I2, *H1]),
    }
    return [page]

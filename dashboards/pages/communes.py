"""The communes: three maps (tension, demand, social stock against demand) and a page per commune with its
key figures beside the EPCI's, its demand and attributions by typology and their history. A commune of a
sector that groups several communes is published only through its sector (the public has no row of its
own): the maps colour it with its sector's figure and its page shows the sector's rows of the same
indicators, and both say so."""

from __future__ import annotations

from dataclasses import dataclass, replace

import plotly.graph_objects as go
import polars as pl

from ..blocks import PATTERNS, Chart, bars, extremes, percent, shown, status_text, with_status
from ..carte import MISSING, carte, legend_words, outlines
from ..render import Page, Section
from ..site_data import SiteData
from ..theme import COLORS, site_theme
from .common import by_value, history_chart, value_words
from .demande import TYPES

# The key figures of a commune page, in the order of the comparison table (each has SECTEUR rows).
KEY = ("D1", "D5_r4q", "D6", "D8_median", "D7_part_5ans", "P4", "P4_demandes_pour_100", "P1")
# (ident, indicateur, title when the highest published value is known: {lieu} and {valeur})
MAPS = (
    ("carte-tension", "D6", "{lieu} a la plus forte tension : {valeur} demandes pour une attribution"),
    ("carte-demande", "D1", "{lieu} compte le plus de demandes actives : {valeur}"),
    ("carte-parc", "P4_demandes_pour_100", "{lieu} a le plus de demandes pour 100 logements sociaux : {valeur}"),
)


@dataclass(frozen=True)
class Place:
    """Where a commune's figures are published: the commune itself, or its sector."""

    niveau: str  # COMMUNE or SECTEUR
    code: str
    name: str  # `Antibes`, `secteur « Communes de moins de 2 000 habitants »`
    where: str  # `à Antibes`, `au Rouret`, `dans le secteur « … »`
    communes: int  # communes published together


URL = "commune-{}.html"  # a commune's page (str.format and pl.format alike)


def url(code_insee: str) -> str:
    return URL.format(code_insee)


def at(nom: str) -> str:
    """`à Antibes`, `au Rouret`, `aux Ferres`, `à La Colle-sur-Loup`."""
    for article, words in (("Le ", "au "), ("Les ", "aux ")):
        if nom.startswith(article):
            return words + nom.removeprefix(article)
    return f"à {nom}"


def place_of(data: SiteData, code_insee: str) -> Place:
    commune = data.communes.filter(pl.col("code_insee") == code_insee).row(0, named=True)
    together = data.communes.filter(pl.col("code_secteur") == commune["code_secteur"]).height
    if together == 1:
        return Place("COMMUNE", code_insee, commune["nom"], at(commune["nom"]), 1)
    name = f"secteur « {commune['libelle_secteur']} »"
    return Place("SECTEUR", commune["code_secteur"], name, f"dans le {name}", together)


def place_row(data: SiteData, place: Place, indicateur: str) -> dict | None:
    return data.row(indicateur, place.niveau, place.code)


def place_words(data: SiteData, place: Place, indicateur: str) -> str:
    """The value of a key figure at a place as the page writes it (with its unit when it has one)."""
    row = place_row(data, place, indicateur)
    return value_words(row, data.indicator(indicateur)["nature"], _unit(data, indicateur))


def _unit(data: SiteData, indicateur: str) -> str:
    return "mois" if data.indicator(indicateur)["nature"] == "duree" else ""


# The maps


def map_frame(data: SiteData, indicateur: str) -> pl.DataFrame:
    """Every commune with the value published for it (code_insee, nom, valeur, statut, secret, url,
    secteur): its own row, or for a commune of a multi-commune sector its sector's row, `secteur` then
    naming the sector (null otherwise)."""
    rows = pl.concat([data.cut(indicateur, n) for n in ("COMMUNE", "SECTEUR")]).select(
        "niveau_geo", "code_geo", "valeur", "statut", "secret"
    )
    grouped = pl.len().over("code_secteur") > 1
    return (
        data.communes.with_columns(
            niveau_geo=pl.when(grouped).then(pl.lit("SECTEUR")).otherwise(pl.lit("COMMUNE")),
            code_geo=pl.when(grouped).then("code_secteur").otherwise("code_insee"),
            secteur=pl.when(grouped).then("libelle_secteur"),
        )
        .join(rows, on=["niveau_geo", "code_geo"], how="left", maintain_order="left")
        .select(
            "code_insee",
            "nom",
            "valeur",
            pl.col("statut").fill_null("non_calculable"),
            "secret",
            url=pl.format(URL, "code_insee"),
            secteur="secteur",
        )
    )


def map_places(frame: pl.DataFrame) -> pl.DataFrame:
    """The places of a map frame, each once, named (`lieu`): a commune, or the sector its communes share."""
    return frame.unique(pl.coalesce("secteur", "code_insee"), keep="first", maintain_order=True).with_columns(
        lieu=pl.when(pl.col("secteur").is_null()).then("nom").otherwise(pl.format("Le secteur « {} »", "secteur"))
    )


def map_chart(data: SiteData, ident: str, indicateur: str, finding: str) -> Chart:
    entry = data.indicator(indicateur)
    nature, unit = entry["nature"], entry["unite"]
    frame = map_frame(data, indicateur)
    known = by_value(map_places(frame).filter(pl.col("valeur").is_not_null()))
    top = known.row(0, named=True) if known.height else None
    title = finding.format(lieu=top["lieu"], valeur=shown(top["valeur"], nature)) if top else entry["libelle"]
    words = [status_text(s, r, data.seuil) for s, r in zip(frame["statut"], frame["secret"], strict=True)]
    table = frame.select(
        pl.col("nom").alias("Commune"),
        (percent("valeur") if nature == "part" else pl.col("valeur")).alias("Part (%)" if nature == "part" else unit),
        pl.Series("Classe sur la carte", legend_words(frame, nature)),
        pl.Series("Statut", [_grouped_words(w, s) for w, s in zip(words, frame["secteur"], strict=True)]),
    )
    return Chart(
        ident,
        title,
        f"{unit} par commune, au {data.period}",
        carte(outlines(), frame, nature, unit),
        _map_summary(data, frame, indicateur),
        table,
        [indicateur],
        height=640,
        notes=[
            "Un clic sur une commune ouvre sa page ; la liste des communes est en bas de page.",
            *_grouped_notes(frame),
        ],
    )


def _grouped_words(words: str, secteur: str | None) -> str:
    """A map row's `Statut`: why it has no value, and whose figure it is for a grouped commune."""
    if secteur is None:
        return words
    return " ; ".join(w for w in (f"chiffre du secteur « {secteur} »", words) if w)


def _grouped_notes(frame: pl.DataFrame) -> list[str]:
    return [
        f"Les communes du secteur « {secteur} » portent le chiffre de leur secteur, publié pour elles toutes "
        "ensemble : aucune n'a de chiffre propre."
        for secteur in map_places(frame)["secteur"].drop_nulls()
    ]


def _map_summary(data: SiteData, frame: pl.DataFrame, indicateur: str) -> str:
    nature, unit = data.indicator(indicateur)["nature"], _unit(data, indicateur)
    places = map_places(frame)
    parts = [
        f"Ensemble de l'EPCI : {value_words(data.row(indicateur), nature, unit)}.",
        extremes(places["lieu"], places["valeur"], nature),
    ]
    for state, (reason, _) in MISSING.items():
        names = places.filter(pl.col("statut") == state)["lieu"].to_list()
        if names:
            parts.append(f"{reason.capitalize()} : {', '.join(names)}.")
    for row in places.filter(pl.col("secteur").is_not_null()).iter_rows(named=True):
        communes = frame.filter(pl.col("secteur") == row["secteur"])["nom"].to_list()
        parts.append(
            f"Les {len(communes)} communes du secteur « {row['secteur']} » ({', '.join(communes)}) portent le "
            f"chiffre de leur secteur : {value_words(row, nature, unit)}."
        )
    return " ".join(parts)


def maps_page(data: SiteData) -> Page:
    sections = [
        Section("La tension", [map_chart(data, *MAPS[0])], "Combien de demandes pour une attribution en un an."),
        Section("La demande", [map_chart(data, *MAPS[1])]),
        Section("Le parc social", [map_chart(data, *MAPS[2])], "La demande rapportée aux logements sociaux."),
    ]
    intro = (
        f"Les {data.communes.height} communes de {data.epci_nom} au {data.period}. Les plus petites sont "
        "regroupées en un secteur : leurs chiffres ne sont publiés qu'ensemble, pour qu'aucun ménage ne puisse "
        "y être reconnu."
    )
    links = [{"href": url(c), "nom": n} for c, n in data.communes.sort("nom").select("code_insee", "nom").iter_rows()]
    return Page("communes.html", "Les communes", intro, sections, nav="communes.html", template="communes.html.j2",
                context={"communes": links})  # fmt: skip


# A commune's page


def comparison_rows(data: SiteData, place: Place) -> list[dict]:
    """The key figures at the place and for the EPCI, in words, for the page's comparison table."""
    return [
        {
            "libelle": data.indicator(ind)["libelle"],
            "lieu": place_words(data, place, ind),
            "epci": value_words(data.row(ind), data.indicator(ind)["nature"], _unit(data, ind)),
        }
        for ind in KEY
    ]


def comparison_chart(data: SiteData, place: Place) -> Chart:
    """The key figures that compare across places (ratios, durations, shares), one small chart each."""
    compared = [i for i in KEY if data.indicator(i)["nature"] != "compte"]
    label = place.name if place.niveau == "COMMUNE" else f"Secteur ({place.communes} communes)"  # fits a phone
    panels, records = [], []
    for ind in compared:
        nature = data.indicator(ind)["nature"]
        here, epci = place_row(data, place, ind), data.row(ind)
        texts = [place_words(data, place, ind), value_words(epci, nature, _unit(data, ind))]
        values = [r["valeur"] if r else None for r in (here, epci)]
        panels.append((data.indicator(ind)["libelle"], nature, values, texts))
        records += [_record(data, ind, label, here), _record(data, ind, "Ensemble de l'EPCI", epci)]
    table = with_status(pl.DataFrame(records), data.seuil).drop("statut", "secret")
    return Chart(
        "commune-comparaison",
        _comparison_title(data, place, compared),
        f"au {data.period}, {place.name} et ensemble de l'EPCI",
        panels_figure(panels, [label, "Ensemble de l'EPCI"]),
        "; ".join(
            f"{r['libelle']} : {r['lieu']} {place.where}, {r['epci']} pour l'EPCI" for r in comparison_rows(data, place)
        )
        + ".",  # fmt: skip
        table,
        list(KEY),
        height=110 * len(compared) + 60,
    )


def panels_figure(panels: list[tuple], names: list[str]) -> go.Figure:
    """One small horizontal bar chart per panel (title, nature, values, texts), stacked, each on its own
    scale; the places are told apart by pattern and colour, their values written on the bars. Built as one
    dict (a subplot grid updated axis by axis took 0.3 s a page)."""
    n, gap = len(panels), 0.35 / len(panels)
    layout: dict = {"annotations": [], "barmode": "group", "showlegend": True}
    traces = []
    for k, (title, nature, values, texts) in enumerate(panels, start=1):
        top = 1 - (k - 1) / n
        layout[f"yaxis{k}"] = dict(domain=[top - 1 / n + gap, top - gap / 3], anchor=f"x{k}", showticklabels=False,
                                   autorange="reversed", fixedrange=True)  # fmt: skip
        layout[f"xaxis{k}"] = dict(anchor=f"y{k}", tickformat=".1~%" if nature == "part" else ",", fixedrange=True,
                                   rangemode="tozero")  # fmt: skip
        layout["annotations"].append(dict(text=title, x=0, xref="paper", xanchor="left", y=top, yref="paper",
                                          yanchor="bottom", showarrow=False, font_size=12))  # fmt: skip
        for j, name in enumerate(names):
            # A missing value: a bar of length 0 with its reason beside it (no text is drawn on a null bar, nor
            # inside a bar of length 0: a vacancy of 0 % showed nothing).
            missing = not values[j]
            traces.append(dict(type="bar", y=[name], x=[0 if missing else values[j]], text=[texts[j]],
                               orientation="h", name=name, legendgroup=name, showlegend=k == 1, xaxis=f"x{k}",
                               yaxis=f"y{k}", marker=dict(color=COLORS[j], pattern=dict(shape=PATTERNS[j])),
                               textposition="outside" if missing else "auto", cliponaxis=False,
                               hovertemplate=f"{name} : %{{text}}<extra></extra>"))  # fmt: skip
    return site_theme(go.Figure(data=traces, layout=layout))


def _record(data: SiteData, indicateur: str, territoire: str, row: dict | None) -> dict:
    nature = data.indicator(indicateur)["nature"]
    value = row["valeur"] if row else None
    return {
        "Indicateur": data.indicator(indicateur)["libelle"],
        "Territoire": territoire,
        "Valeur": value * 100 if nature == "part" and value is not None else value,
        "Unité": "%" if nature == "part" else data.indicator(indicateur)["unite"],
        "statut": row["statut"] if row else "non_calculable",
        "secret": row.get("secret") if row else None,
    }


def _comparison_title(data: SiteData, place: Place, compared: list[str]) -> str:
    for ind in compared:
        here, epci = place_row(data, place, ind), data.row(ind)
        if here and epci and here["valeur"] is not None and epci["valeur"] is not None:
            nature = data.indicator(ind)["nature"]
            return (
                f"{data.indicator(ind)['libelle']} : {shown(here['valeur'], nature)} {place.where}, "
                f"contre {shown(epci['valeur'], nature)} dans l'ensemble de l'EPCI"
            )
    return f"Les chiffres clés {place.where} et dans l'ensemble de l'EPCI"


def by_typology(data: SiteData, place: Place, indicateur: str) -> pl.DataFrame:
    """The place's rows of an indicator for each typology of TYPES, in that order (a typology without a
    row is not computable)."""
    cut = data.cut(indicateur, place.niveau, None, place.code).filter(
        pl.col("modalite").str.starts_with("typologie=") & ~pl.col("modalite").str.contains(",")
    )
    cut = cut.select(cle=pl.col("modalite").str.strip_prefix("typologie="), valeur="valeur", statut="statut",
                     secret="secret")  # fmt: skip
    types = pl.DataFrame({"cle": TYPES})
    return types.join(cut, on="cle", how="left", maintain_order="left").with_columns(
        pl.col("statut").fill_null("non_calculable")
    )


def types_chart(data: SiteData, place: Place) -> Chart:
    """Active demands and attributions over four quarters by typology at the place."""
    series = {"demandes actives": "D1", "attributions sur quatre trimestres": "D5_r4q"}
    cuts = {label: by_typology(data, place, ind) for label, ind in series.items()}
    values = {label: cut["valeur"].to_list() for label, cut in cuts.items()}
    demands = by_value(cuts["demandes actives"].filter(pl.col("valeur").is_not_null()))
    title = (
        f"Les {demands['cle'][0]} sont les plus demandés {place.where}"
        if demands.height
        else f"Les demandes et les attributions par typologie {place.where}"
    )
    table = pl.concat(
        with_status(cut, data.seuil).select(
            pl.col("cle").alias("Typologie"), pl.lit(label).alias("Série"), pl.col("valeur").alias("Nombre"), "Statut"
        )
        for label, cut in cuts.items()
    )
    return Chart(
        "commune-typologies",
        title,
        f"demandes actives (plus petite typologie souhaitée) et attributions des quatre derniers trimestres "
        f"(typologie du logement), au {data.period}",
        bars(TYPES, values, {label: cut["statut"].to_list() for label, cut in cuts.items()}),
        " ; ".join(
            f"{t} : {_counted(d, 'demandes')}, {_counted(a, 'attributions')}"
            for t, d, a in zip(TYPES, *(c.iter_rows(named=True) for c in cuts.values()), strict=True)
        )
        + ". C : chambre ; T6P : 6 pièces ou plus ; « s » : secret statistique ; « nc » : non calculable.",
        table,
        list(series.values()),
    )


def _counted(row: dict, noun: str) -> str:
    """`24 demandes`, or `demandes : secret statistique`."""
    words = value_words(row, "compte")
    return f"{words} {noun}" if row["valeur"] is not None else f"{noun} : {words}"


def commune_page(data: SiteData, code_insee: str) -> Page:
    nom = data.commune_name(code_insee)
    place = place_of(data, code_insee)
    data = _local(data, place)
    history = history_chart(
        data,
        "commune-historique",
        {
            "demandes actives": "D1",
            "attributions sur quatre trimestres": "D5_r4q",
        },
        "compte",
        "demandes et attributions",
        niveau=place.niveau,
        code=place.code,
        what=f"La demande {place.where}",
    )
    sections = [
        Section("Comparée à l'ensemble de l'EPCI", [comparison_chart(data, place)]),
        Section("Par typologie", [types_chart(data, place)]),
        Section("L'évolution", [history]),
    ]
    context = {"comparaison": comparison_rows(data, place), "lieu": place}
    return Page(url(code_insee), nom, _intro(data, nom, place), sections, "communes.html", "commune.html.j2", context)


def _intro(data: SiteData, nom: str, place: Place) -> str:
    if place.niveau == "COMMUNE":
        return f"Les chiffres clés de la demande et des attributions {at(nom)}, au {data.period}, à côté de ceux de l'ensemble de {data.epci_nom}."  # noqa: E501
    return (
        f"{nom} fait partie du {place.name}, qui regroupe {place.communes} communes. Pour qu'aucun ménage ne "
        "puisse y être reconnu, les chiffres de ces communes ne sont publiés qu'ensemble : cette page montre "
        f"donc ceux du secteur, au {data.period}, à côté de ceux de l'ensemble de {data.epci_nom}."
    )


MAPS_PART = "cartes"


def parts(data: SiteData) -> list[str]:
    """The pages one at a time (the site may draw them in two processes): the maps, then each commune's."""
    return [MAPS_PART, *data.communes["code_insee"]]


def page(data: SiteData, part: str) -> list[Page]:
    """The page of one of `parts`."""
    data = _read(data)
    return [maps_page(data) if part == MAPS_PART else commune_page(data, part)]


def pages(data: SiteData) -> list[Page]:
    return [p for part in parts(data) for p in page(data, part)]


def _read(data: SiteData) -> SiteData:
    """Only the rows these pages read (the 25 pages look rows up about 1 400 times), once per process."""
    if "communes" not in data.built:
        needed = {*KEY, *(m[1] for m in MAPS)}
        data.built["communes"] = replace(data, rows=data.rows.filter(pl.col("indicateur").is_in(needed)), built={})
    return data.built["communes"]


def _local(data: SiteData, place: Place) -> SiteData:
    """The site's data cut down to the rows of the EPCI and of one place (a page's lookups scan 3 000
    rows, not 60 000: the 24 pages took 2,6 s, 1 s so)."""
    if "places" not in data.built:
        data.built["places"] = data.rows.partition_by("niveau_geo", "code_geo", as_dict=True)
    parts = data.built["places"]
    rows = [parts.get(("EPCI", data.epci)), parts.get((place.niveau, place.code))]
    return replace(data, rows=pl.concat([r for r in rows if r is not None]))

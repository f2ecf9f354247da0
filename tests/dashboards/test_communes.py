"""The communes' maps and pages (dashboards/pages/communes.py) on a hand-made territory: Antibes and Biot
are sectors of their own, Bouyon and Caussols form the sector PETITES that the public sees only as a whole."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.pages.communes import at, commune_page, map_chart, map_frame, pages, place_of, types_chart
from dashboards.render import write_page
from dashboards.site_data import SiteData

N = "\u202f"
EPCI = "240600585"
NATURES = {"D1": "compte", "D5_r4q": "compte", "D6": "ratio", "D8_median": "duree", "D7_part_5ans": "part",
           "P4": "compte", "P4_demandes_pour_100": "ratio", "P1": "part", "I1_demandes": "compte",
           "I1_attributions_12m": "compte", "I1_demandes_par_attribution": "ratio", "I1_delai_median": "duree",
           "I1_part_5ans": "part"}  # fmt: skip
COLUMNS = ["annee", "trimestre", "niveau_geo", "code_geo", "libelle_geo", "indicateur", "modalite", "valeur",
           "numerateur", "denominateur", "statut", "secret"]  # fmt: skip


def row(ind, niveau, code, valeur, statut="ok", modalite="ensemble", quarter=(2026, 3), secret=None):
    return (*quarter, niveau, code, code, ind, modalite, valeur, None, None, statut, secret)


def site(rows) -> SiteData:
    catalogue = pl.DataFrame(
        {
            "indicateur": list(NATURES),
            "nature": list(NATURES.values()),
            "libelle": [f"libellé {i}" for i in NATURES],
            "definition": [f"définition {i}" for i in NATURES],
            "unite": ["mois" if n == "duree" else "part" if n == "part" else "demandes" for n in NATURES.values()],
            "flux": ["sne_demandes"] * len(NATURES),
        }
    )
    communes = pl.DataFrame(
        {
            "code_insee": ["06004", "06018", "06022", "06037"],
            "nom": ["Antibes", "Biot", "Bouyon", "Caussols"],
            "code_secteur": ["06004", "06018", "PETITES", "PETITES"],
            "libelle_secteur": ["Antibes", "Biot", "Communes de moins de 2 000 habitants"]
            + ["Communes de moins de 2 000 habitants"],  # noqa: E501
        }
    )
    frame = pl.DataFrame(rows, schema=COLUMNS, orient="row", schema_overrides={"valeur": pl.Float64,
                         "numerateur": pl.Float64, "denominateur": pl.Float64})  # fmt: skip
    empty = pl.DataFrame()
    return SiteData(
        rows=frame,
        catalogue=catalogue,
        communes=communes,
        sources=pl.DataFrame(schema={"flux": pl.String, "bailleur_siren": pl.String, "dernier": pl.Date}),
        objectifs=empty,
        bailleurs=empty,
        codes=pl.DataFrame(schema={"liste": pl.String, "code": pl.String, "libelle": pl.String}),
        epci=EPCI,
        epci_nom="la CASA",
        annee=2026,
        trimestre=3,
        seuil=11,
    )


@pytest.fixture
def data() -> SiteData:
    return site([
        row("D1", "EPCI", EPCI, 1000), row("D1", "COMMUNE", "06004", 600), row("D1", "COMMUNE", "06018", None, "secret", secret="primaire"),  # noqa: E501
        row("D1", "EPCI", EPCI, 900, quarter=(2025, 3)), row("D1", "COMMUNE", "06004", 500, quarter=(2025, 3)),
        row("D6", "EPCI", EPCI, 12.0), row("D6", "COMMUNE", "06004", 8.0), row("D6", "COMMUNE", "06018", 16.0),
        row("D5_r4q", "EPCI", EPCI, 80), row("D5_r4q", "COMMUNE", "06004", 75),
        row("D1", "COMMUNE", "06004", 400, modalite="typologie=T2"),
        row("D1", "COMMUNE", "06004", None, "secret", modalite="typologie=T5", secret="primaire"),
        row("D5_r4q", "COMMUNE", "06004", 30, modalite="typologie=T2"),
        row("P4", "EPCI", EPCI, 5000), row("P4", "COMMUNE", "06004", 4000),
        # the sector's rows of the same indicators (Bouyon and Caussols have none of their own)
        row("D1", "SECTEUR", "PETITES", 45), row("D1", "SECTEUR", "PETITES", 30, quarter=(2025, 3)),
        row("D1", "SECTEUR", "PETITES", 20, modalite="typologie=T2"),
        row("D6", "SECTEUR", "PETITES", None, "non_calculable"),
        row("D5_r4q", "SECTEUR", "PETITES", None, "secret", secret="primaire"),
        row("P4", "SECTEUR", "PETITES", 300),
        # the applicants' figures of the sector: not what a commune page shows
        row("I1_demandes", "SECTEUR", "PETITES", 42), row("I1_demandes", "SECTEUR", "PETITES", 35, quarter=(2025, 3)),
    ])  # fmt: skip


def test_a_commune_grouped_in_a_sector_carries_its_sectors_figure_and_names_it(data):
    found = map_frame(data, "D1").select("code_insee", "valeur", "statut", "url", "secteur").rows()
    sector = "Communes de moins de 2 000 habitants"
    assert found == [
        ("06004", 600.0, "ok", "commune-06004.html", None),
        ("06018", None, "secret", "commune-06018.html", None),
        ("06022", 45.0, "ok", "commune-06022.html", sector),
        ("06037", 45.0, "ok", "commune-06037.html", sector),
    ]
    chart = map_chart(data, "carte-demande", "D1", "{lieu} compte le plus de demandes actives : {valeur}")
    hover = {t.name: t.text for t in chart.figure.data if t.customdata is not None}
    assert hover["Bouyon"] == f"Bouyon : 45 demandes (chiffre du secteur « {sector} »)"
    assert chart.table["Statut"].to_list()[2:] == [f"chiffre du secteur « {sector} »"] * 2
    # the sector is one place: it is the lowest, named once, and its communes are listed with its figure
    assert f"la plus faible, celle du secteur « {sector} » (45)" in chart.summary
    assert f"Les 2 communes du secteur « {sector} » (Bouyon, Caussols) portent le chiffre de leur secteur : 45." \
        in chart.summary  # fmt: skip
    assert any("portent le chiffre de leur secteur" in n for n in chart.notes)


def test_the_map_chart_names_the_highest_value_and_gives_each_communes_class_and_reason(data):
    chart = map_chart(data, "carte-tension", "D6", "{lieu} a la plus forte tension : {valeur}")
    assert chart.title == "Biot a la plus forte tension : 16,0"
    assert chart.table["Classe sur la carte"].to_list() == ["moins de 16", "16 ou plus", "non calculable",
                                                            "non calculable"]  # fmt: skip
    assert chart.table["Statut"][2].startswith("chiffre du secteur « Communes de moins de 2 000 habitants »")
    links = {t.customdata[0] for t in chart.figure.data if t.customdata is not None}
    assert links == {f"commune-{c}.html" for c in ("06004", "06018", "06022", "06037")}
    assert "Ensemble de l'EPCI : 12,0." in chart.summary
    assert "Non calculable : Le secteur « Communes de moins de 2 000 habitants »." in chart.summary


def test_a_commune_of_its_own_sector_is_compared_with_the_epci(data):
    page = commune_page(data, "06004")
    assert page.path == "commune-06004.html" and page.nav == "communes.html"
    figures = {r["libelle"]: (r["lieu"], r["epci"]) for r in page.context["comparaison"]}
    assert figures["libellé D1"] == ("600", f"1{N}000")
    assert figures["libellé D6"] == ("8,0", "12,0")
    assert figures["libellé D8_median"] == ("non calculable", "non calculable")
    comparison = page.sections[0].charts[0]
    assert comparison.title == "libellé D6 : 8,0 à Antibes, contre 12,0 dans l'ensemble de l'EPCI"
    history = page.sections[2].charts[0]
    assert history.title == f"La demande à Antibes a augmenté de 20{N}% en un an"


def test_a_commune_of_a_grouped_sector_shows_its_sectors_figures_and_says_why(data):
    assert place_of(data, "06022").niveau == "SECTEUR"
    page = commune_page(data, "06022")
    assert (
        "Bouyon fait partie du secteur « Communes de moins de 2 000 habitants », qui regroupe 2 communes" in page.intro
    )
    figures = {r["libelle"]: r["lieu"] for r in page.context["comparaison"]}
    assert figures["libellé D1"] == "45"  # the sector's row of D1, not the applicants' I1_demandes (42)
    assert figures["libellé D5_r4q"] == "secret statistique"
    assert figures["libellé D6"] == "non calculable"
    assert figures["libellé P4"] == "300"  # the stock too has its sector row
    history = page.sections[2].charts[0]
    assert history.title.startswith(
        f"La demande dans le secteur « Communes de moins de 2 000 habitants » a augmenté de 50{N}%"
    )  # noqa: E501
    assert "I1_demandes" not in page.sections[0].charts[0].indicateurs
    types = page.sections[1].charts[0]
    assert types.title == "Les T2 sont les plus demandés dans le secteur « Communes de moins de 2 000 habitants »"


def test_a_secret_typology_carries_its_mark_and_its_reason(data):
    chart = types_chart(data, place_of(data, "06004"))
    demands = chart.figure.data[0]
    t5 = list(demands.x).index("T5")
    assert demands.y[t5] == 0 and demands.text[t5] == "s" and demands.hovertext[t5] == "secret statistique"
    assert chart.title == "Les T2 sont les plus demandés à Antibes"
    statuses = chart.table.filter(pl.col("Typologie") == "T5", pl.col("Série") == "demandes actives")["Statut"]
    assert statuses[0].startswith("secret")


def test_the_communes_page_lists_a_page_for_every_commune_and_each_link_resolves(data, tmp_path):
    built = pages(data)
    assert [p.path for p in built] == ["communes.html"] + [
        f"commune-{c}.html" for c in ("06004", "06018", "06022", "06037")
    ]  # noqa: E501
    common = {"site_name": "Observatoire", "menu": (), "period": "T3 2026", "fin": "30 septembre 2026", "seuil": 11}
    for page in built:
        write_page(page, tmp_path, common, lambda c: "Source", lambda c: [])
    html = (tmp_path / "communes.html").read_text()
    listed = html.split('<ul class="liste-communes">')[1].split("</ul>")[0]
    links = [part.split('"')[0] for part in listed.split('href="')[1:]]
    assert sorted(links) == sorted(p.path for p in built[1:])
    assert all((tmp_path / link).exists() for link in links)
    assert "Caussols fait partie du secteur" in (tmp_path / "commune-06037.html").read_text()


def test_a_commune_is_named_with_its_article():
    assert [at(n) for n in ("Antibes", "Le Rouret", "Les Ferres", "La Colle-sur-Loup")] == [
        "à Antibes", "au Rouret", "aux Ferres", "à La Colle-sur-Loup"]  # fmt: skip


def test_a_figure_of_zero_is_written_beside_its_empty_bar():
    from dashboards.pages.communes import panels_figure

    fig = panels_figure([("Taux de vacance", "part", [0.0, 0.03], ["0,0 %", "3,0 %"])], ["Secteur", "EPCI"])
    assert [t.textposition for t in fig.data] == ["outside", "auto"]

"""The applicants' page on a hand-made SiteData whose answers are known: the embedded JSON holds exactly the
published figures, a secret or non computable one says why (never 0), a commune of a multi-commune sector
shows its sector, the chance of being housed stands beside the median wait with its band, its 50 % crossing
and the reason of each missing point; and, in Debian's Chromium from disk, the selector fills the panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from dashboards.pages import demandeurs
from dashboards.pages.common import months_words
from dashboards.render import write_page, write_static
from dashboards.site import MENU
from dashboards.site_data import SiteData
from tests.dashboards.sitedata import site_data as make_site_data

SEED = Path(__file__).parents[2] / "dbt_project" / "seeds" / "indicateurs.csv"
EPCI = "240600585"
TYPES = [("C", "chambre"), ("T1", "T1"), ("T2", "T2"), ("T3", "T3"), ("T4", "T4"), ("T5", "T5"), ("T6P", "T6 et plus")]
COMMUNES = pl.DataFrame(
    {
        "code_insee": ["06004", "06017", "06022"],
        "nom": ["Antibes", "Bézaudun-les-Alpes", "Bouyon"],
        "code_secteur": ["06004", "PETITES", "PETITES"],
        "libelle_secteur": ["Antibes", "Communes de moins de 2 000 habitants", "Communes de moins de 2 000 habitants"],
    }
)
# (annee, trimestre, niveau, code, modalite, indicateur, valeur, statut, secret)
ROWS = [
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I1_demandes", 57.0, "ok", None),
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I1_attributions_12m", None, "secret", "primaire"),
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I1_demandes_par_attribution", None, "non_calculable", None),
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I1_delai_median", 38.4, "ok", None),
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I1_part_5ans", 0.125, "ok", None),
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I2_q1", 14.8, "ok", None),
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I2_mediane", 16.6, "ok", None),
    (2026, 3, "COMMUNE", "06004", "typologie=T2", "I2_q3", 19.4, "ok", None),
    (2026, 3, "COMMUNE", "06004", "typologie=C", "I1_attributions_12m", None, "non_calculable", None),
    (2026, 3, "COMMUNE", "06004", "ensemble", "I1_demandes", 120.0, "ok", None),
    (2026, 3, "COMMUNE", "06004", "ensemble", "I1_demandes_par_attribution", 6.0, "ok", None),
    (2026, 3, "SECTEUR", "PETITES", "typologie=T2", "I1_demandes", 23.0, "ok", None),
    (2026, 3, "SECTEUR", "PETITES", "typologie=T2", "I1_attributions_12m", None, "secret", "secondaire"),
    (2026, 3, "SECTEUR", "PETITES", "ensemble", "I1_demandes_par_attribution", None, "non_calculable", None),
    (2026, 3, "EPCI", EPCI, "typologie=T2", "I1_demandes", 300.0, "ok", None),
    (2026, 3, "EPCI", EPCI, "typologie=T2", "I1_attributions_12m", 40.0, "ok", None),
    (2026, 3, "EPCI", EPCI, "ensemble", "I1_attributions_12m", 90.0, "ok", None),
    (2026, 3, "EPCI", EPCI, "typologie=T2", "I1_delai_median", 30.0, "ok", None),
    # an earlier quarter: never on the page
    (2026, 2, "COMMUNE", "06004", "typologie=T2", "I1_demandes", 999.0, "ok", None),
]


def h1(niveau, code, modalite, points, crossing, band=0.04):
    """The 13 H1 rows of one group: `points` (1, 2, 3, 5 years) are values, or (statut, secret) for a row
    without one; each known point gets its band at ± `band`; `crossing` likewise for H1_delai_50."""
    out = []
    for horizon, point in zip(("1an", "2ans", "3ans", "5ans"), points, strict=True):
        for suffix, shift in (("", 0), ("_bas", -band), ("_haut", band)):
            value, statut, secret = (point + shift, "ok", None) if isinstance(point, float) else (None, *point)
            out.append((2026, 3, niveau, code, modalite, f"H1_{horizon}{suffix}", value, statut, secret))
    value, statut, secret = (crossing, "ok", None) if isinstance(crossing, float) else (None, *crossing)
    return [*out, (2026, 3, niveau, code, modalite, "H1_delai_50", value, statut, secret)]


BEYOND, BELOW, SECRET = ("non_calculable", None), ("non_calculable", None), ("secret", "primaire")
H1_ROWS = [
    # a full curve but for its 5-year point, beyond the observed horizon; crossing 50 % at 34 months
    *h1("COMMUNE", "06004", "typologie=T2", [0.23, 0.4, 0.52, BEYOND], 34.2),
    # a curve levelling off below 50 %
    *h1("COMMUNE", "06004", "typologie=T3", [0.1, 0.18, 0.24, 0.3], BELOW),
    # fewer than 30 spells: no curve at all
    *h1("COMMUNE", "06004", "typologie=T4", [BELOW] * 4, BELOW),
    # too few attributions for the public: the curve is secret; its crossing below 50 % lost its counts
    *h1("SECTEUR", "PETITES", "typologie=T2", [SECRET] * 4, BELOW),
    *h1("EPCI", EPCI, "ensemble", [0.25, 0.42, 0.55, 0.66], 30.0),
    *h1("EPCI", EPCI, "prioritaire=OUI", [0.45, 0.7, 0.8, SECRET], 14.0),
    *h1("EPCI", EPCI, "prioritaire=NON", [0.2, 0.35, 0.5, 0.6], 36.0),
]
LIBELLES = {"COMMUNE": {"06004": "Antibes"}, "SECTEUR": {"PETITES": "Communes de moins de 2 000 habitants"}}


def site_data(rows: list[tuple] = ROWS + H1_ROWS) -> SiteData:
    frame = pl.DataFrame(
        rows,
        schema=["annee", "trimestre", "niveau_geo", "code_geo", "modalite", "indicateur", "valeur", "statut", "secret"],
        schema_overrides={"annee": pl.Int32, "trimestre": pl.Int32, "valeur": pl.Float64, "secret": pl.String},
        orient="row",
    ).with_columns(
        libelle_geo=pl.struct("niveau_geo", "code_geo").map_elements(
            lambda r: LIBELLES.get(r["niveau_geo"], {}).get(r["code_geo"], "CASA"), return_dtype=pl.String
        ),
        numerateur=pl.lit(None, pl.Float64),
        denominateur=pl.lit(None, pl.Float64),
    )
    return make_site_data(
        rows=frame,
        cat=pl.read_csv(SEED, infer_schema_length=0).with_columns(pl.col("seuil_denominateur").cast(pl.Int64)),
        communes=COMMUNES,
        sources=pl.DataFrame(schema={"flux": pl.String, "bailleur_siren": pl.String, "dernier": pl.Date}),
        bailleurs=pl.DataFrame(),
        codes=pl.DataFrame(
            {"liste": ["typologie_demande"] * 7, "code": [c for c, _ in TYPES], "libelle": [w for _, w in TYPES]}
        ),  # fmt: skip
        epci=EPCI,
        epci_nom="Communauté d'agglomération de Sophia Antipolis",
        seuil=11,
    )


def render(data: SiteData, out: Path) -> Path:
    """The applicants' page written with the site's templates and static files, as the site writes it."""
    write_static(out)
    common = {"site_name": "Observatoire", "menu": MENU, "period": data.period, "fin": "30 septembre 2026",
              "seuil": data.seuil}  # fmt: skip
    [page] = demandeurs.pages(data)
    write_page(page, out, common, lambda c: data.source_line(c.indicateurs), lambda c: [])
    return out / page.path


def embedded(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="demandeurs-donnees">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


@pytest.fixture
def page(tmp_path) -> tuple[Path, dict]:
    path = render(site_data(), tmp_path)
    return path, embedded(path.read_text(encoding="utf-8"))


def test_embedded_json_holds_exactly_the_published_figures_of_the_quarter(page):
    _, content = page
    indicators = [*demandeurs.I1, *demandeurs.I2]
    shown = {
        (key, typo, ind): fig
        for key, lieu in content["lieux"].items()
        for typo, figures in lieu["cases"].items()
        for ind, fig in figures.items()
        if ind in indicators and fig["statut"] != "absent"
    }
    expected = {
        (f"{r[2]}:{r[3]}", r[4].removeprefix("typologie="), r[5]): (r[6] if r[7] == "ok" else None, r[7])
        for r in ROWS
        if r[:2] == (2026, 3)
    }
    assert {k: (f["valeur"], f["statut"]) for k, f in shown.items()} == expected
    assert all(set(f) == {"valeur", "statut", "texte"} for f in shown.values())  # no numerator, no denominator


def test_a_secret_or_non_computable_figure_says_why_and_is_never_zero(page):
    path, content = page
    t2 = content["lieux"]["COMMUNE:06004"]["cases"]["T2"]
    assert t2["I1_attributions_12m"]["valeur"] is None
    assert "moins de 11 ménages" in t2["I1_attributions_12m"]["texte"]
    assert t2["I1_demandes_par_attribution"]["texte"].startswith("non calculable : trop peu d'attributions")
    assert "moins de 10)" in t2["I1_demandes_par_attribution"]["texte"]
    chambre = content["lieux"]["COMMUNE:06004"]["cases"]["C"]["I1_attributions_12m"]["texte"]
    assert "pas par chambre" in chambre
    sector = content["lieux"]["SECTEUR:PETITES"]["cases"]["T2"]["I1_attributions_12m"]
    assert sector["valeur"] is None and "déduire par différence" in sector["texte"]
    table = path.read_text(encoding="utf-8").split('id="tout-titre"')[1]
    assert "moins de 11 ménages" in table and "<td>0" not in table


def test_the_figures_are_written_in_plain_french(page):
    _, content = page
    t2 = content["lieux"]["COMMUNE:06004"]["cases"]["T2"]
    assert t2["I1_delai_median"]["texte"] == "38 mois, soit 3 ans et 2 mois"
    assert t2["I1_part_5ans"]["texte"] == "12,5\u202f%"
    assert t2["I2"]["texte"] == (
        "la moitié des demandes semblables ont moins de 16,6 points ; un quart ont moins de 14,8 points, "
        "un quart plus de 19,4 points"
    )
    assert dict(content["typologies"])["T2"] == "2 pièces (T2)"
    assert dict(content["typologies"])["C"] == "chambre"
    assert dict(content["typologies"])["T6P"] == "6 pièces ou plus (T6 et plus)"


def test_a_commune_of_a_multi_commune_sector_is_shown_through_its_sector(page):
    _, content = page
    assert content["communes"]["06017"]["lieu"] == "SECTEUR:PETITES"
    assert "Communes de moins de 2 000 habitants" in content["communes"]["06017"]["note"]
    assert content["communes"]["06004"] == {"nom": "Antibes", "lieu": "COMMUNE:06004", "note": ""}
    assert set(content["lieux"]) == {"COMMUNE:06004", "SECTEUR:PETITES", f"EPCI:{EPCI}"}
    # the sector's figures are the sector's rows, its scores are not published by sector
    assert content["lieux"]["SECTEUR:PETITES"]["cases"]["T2"]["I1_demandes"]["valeur"] == 23.0
    assert content["lieux"]["SECTEUR:PETITES"]["cases"]["T2"]["I2"]["texte"].startswith("non publiée pour un secteur")


def test_without_any_score_the_page_says_no_scoring_grid_is_in_force(tmp_path):
    rows = [r for r in ROWS if not r[5].startswith("I2")] + [
        (2026, 3, "COMMUNE", "06004", "typologie=T2", i, None, "non_calculable", None) for i in demandeurs.I2
    ]
    html = render(site_data(rows), tmp_path).read_text(encoding="utf-8")
    content = embedded(html)
    assert content["cotation"] is False
    assert content["lieux"]["COMMUNE:06004"]["cases"]["T2"]["I2"]["texte"].startswith("aucune cotation connue")
    assert "aucune grille de cotation n'est en vigueur" in html


def test_the_embedded_json_cannot_close_its_script_element():
    assert "</script>" not in demandeurs.embedded({"nom": "</script><script>alert(1)</script>"})


@pytest.mark.parametrize(
    ("mois", "words"),
    [(38.4, "38 mois, soit 3 ans et 2 mois"), (12.2, "12 mois, soit 1 an"), (5.0, "5 mois"), (0.3, "moins d'un mois")],
)
def test_a_wait_is_said_in_months_and_in_years_and_months(mois, words):
    assert months_words(mois) == words


def test_the_chance_of_being_housed_stands_beside_the_median_wait_with_its_band_and_crossing(page):
    path, content = page
    t2 = content["lieux"]["COMMUNE:06004"]["cases"]["T2"]
    assert t2["H1"]["texte"] == (
        "dans 1 an : 23\u202f% (entre 19\u202f% et 27\u202f%) ; "
        "dans 2 ans : 40\u202f% (entre 36\u202f% et 44\u202f%) ; "
        "dans 3 ans : 52\u202f% (entre 48\u202f% et 56\u202f%) ; "
        "dans 5 ans : non calculable : au-delà de ce que l'historique permet d'observer"
    )
    assert t2["H1"]["valeur"] == 0.23
    assert t2["H1_delai_50"]["texte"] == "34 mois, soit 2 ans et 10 mois"
    # beside the median wait, in the panel's order and in the tables
    headings = [k for k, _ in content["rubriques"]]
    assert headings.index("H1") == headings.index("I1_delai_median") + 1
    html = path.read_text(encoding="utf-8")
    assert html.count(demandeurs.DIFFERENCE) == 1 and content["difference"] == demandeurs.DIFFERENCE
    a_savoir = html.split('class="a-savoir"')[1].split("</ul>")[0]
    assert a_savoir.count("ne compte que") == 1  # said once, not in two bullets in a row
    assert "dans 1 an : 23\u202f% (entre 19\u202f% et 27\u202f%)" in html.split('id="tout-titre"')[1]


def test_each_reason_of_a_missing_chance_is_said_in_plain_french(page):
    _, content = page
    antibes, petites = content["lieux"]["COMMUNE:06004"]["cases"], content["lieux"]["SECTEUR:PETITES"]["cases"]
    below = "non calculable : la courbe n'atteint pas 50\u202f%"
    assert antibes["T3"]["H1_delai_50"] == {"valeur": None, "statut": "non_calculable", "texte": below}
    assert antibes["T3"]["H1"]["texte"].startswith("dans 1 an : 10\u202f% (entre 6\u202f% et 14\u202f%)")
    few = "non calculable : moins de 30 demandes pour estimer la courbe"
    assert antibes["T4"]["H1"] == {"valeur": None, "statut": "non_calculable", "texte": few}
    assert antibes["T4"]["H1_delai_50"]["texte"] == few
    # a secret curve says so once, never 0; its crossing, hidden with its counts, keeps its own reason
    assert petites["T2"]["H1"]["valeur"] is None
    assert petites["T2"]["H1"]["texte"].startswith("secret : moins de 11 ménages")
    assert petites["T2"]["H1_delai_50"]["texte"] == below
    # curves by typology below the EPCI, for every typology together at the EPCI
    assert antibes["ensemble"]["H1"]["texte"] == "publiée par type de logement : choisissez-en un"
    epci = content["lieux"][f"EPCI:{EPCI}"]["cases"]
    assert epci["T2"]["H1"]["texte"] == "publiée ici pour tous types de logement ensemble"
    assert epci["ensemble"]["H1_delai_50"]["texte"] == "30 mois, soit 2 ans et 6 mois"


@pytest.mark.parametrize(
    ("value", "low", "high", "words"),
    [(0.23, 0.19, 0.27, "23\u202f% (entre 19\u202f% et 27\u202f%)"),
     (0.031, 0.027, 0.034, "3,1\u202f% (entre 2,7\u202f% et 3,4\u202f%)"), (0.25, None, None, "25\u202f%")],
)  # fmt: skip
def test_a_chance_is_said_in_whole_percents_unless_its_band_would_round_to_one_number(value, low, high, words):
    assert demandeurs.banded(value, low, high) == words


def test_a_group_without_a_published_point_but_enough_spells_is_beyond_the_horizon():
    rows = h1("COMMUNE", "06004", "typologie=T2", [BEYOND] * 4, BELOW)
    data = site_data(rows)
    data = make_site_data(rows=data.rows.with_columns(denominateur=pl.lit(45.0)), cat=data.catalogue,
                          communes=COMMUNES, codes=data.codes)  # fmt: skip
    t2 = demandeurs.payload(data)["lieux"]["COMMUNE:06004"]["cases"]["T2"]
    assert t2["H1"]["texte"] == "non calculable : au-delà de ce que l'historique permet d'observer"
    assert t2["H1_delai_50"]["texte"] == "non calculable : la courbe n'atteint pas 50\u202f%"


def test_the_priority_households_chance_is_shown_at_epci_level_with_its_secret():
    [page] = demandeurs.pages(site_data())
    chart = next(c for s in page.sections for c in s.charts if c.ident == "demandeurs-prioritaires")
    assert chart.title == (
        "Un ménage prioritaire a 45\u202f% de chances d'obtenir un logement dans l'année, contre 20\u202f% pour "
        "les autres"
    )
    bars = {trace.name: list(trace.y) for trace in chart.figure.data}
    assert bars["Ménages prioritaires (DALO, L.441-1)"] == [0.45, 0.7, 0.8, 0]  # the secret one drawn empty…
    assert list(chart.figure.data[1].text) == ["", "", "", "s"]  # …and marked
    secret = chart.table.filter(pl.col("Ménages").str.starts_with("Ménages prioritaires"), Horizon="dans 5 ans")
    assert secret["Chance (%)"].to_list() == [None] and "moins de 11 ménages" in secret["Statut"][0]
    every = chart.table.filter(Ménages="Tous les ménages", Horizon="dans 1 an").row(0, named=True)
    assert (every["Chance (%)"], every["Borne basse (%)"], every["Borne haute (%)"]) == (25.0, 21.0, 29.0)
    assert "une demande sur deux satisfaite : 14 mois" in chart.summary


def test_in_chromium_the_selector_fills_the_panel_from_disk(page):
    playwright = pytest.importorskip("playwright.sync_api")
    path, _ = page
    errors, outside = [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 375, "height": 800})
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else
                  (outside.append(r.request.url), r.abort()))  # fmt: skip
        tab.goto(path.as_uri())
        assert tab.is_visible("#choix-commune")  # shown by the script, hidden without it
        tab.select_option("#choix-commune", "06017")
        tab.select_option("#choix-typologie", "T2")
        sector = tab.inner_text("#resultat")
        tab.select_option("#choix-commune", "06004")
        commune = tab.inner_text("#resultat")
        width = tab.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert "Bézaudun-les-Alpes — 2 pièces (T2)" in sector and "Communes de moins de 2 000 habitants" in sector
    assert "Demandes en attente\n23\n" in sector and "déduire par différence" in sector
    assert "38 mois, soit 3 ans et 2 mois" in commune
    assert "dans 1 an : 23\u202f% (entre 19\u202f% et 27\u202f%)" in commune and demandeurs.DIFFERENCE in commune
    assert "Ensemble des 3 communes : 30 mois, soit 2 ans et 6 mois" in commune
    assert "moins de 11 ménages" in commune
    assert errors == [] and outside == [] and width <= 375

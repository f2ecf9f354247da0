"""The brief's tables and page (dashboards/programmes.py) on a hand-made programme whose answers are known:
the default scenario is the file's orientation, each réservataire's quotas are projected with its own
profile, a quota not computable at t stays « nc », QPV « non renseigné » shows both cases, the tension per
typology adds the programme's dwellings, and the page states its assumptions and that it is internal; the
brief summarises its landlord's residence watch in the commune and links it, the watch (written once per
landlord × commune) shows each residence and links back to the briefs it serves."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import re

import openpyxl
import polars as pl
import pytest

from assets.publish.programmes_workbook import watch_bytes, workbook_bytes
from assets.publish.scenarios import Scenario, default_scenario
from dashboards.programmes import (
    Brief,
    Programme,
    Residence,
    hypotheses,
    page_html,
    q3_table,
    scenario_table,
    tables,
    tension_table,
    watch_html,
)
from dashboards.projection import Profil, Ratio

PROGRAMME = Programme(
    programme_id="PRG-2026-0007",
    nom="Les Oliviers – Valbonne",
    bailleur_siren="123456789",
    bailleur_nom="Habitat Test",
    commune="06152",
    commune_nom="Valbonne",
    livraison_prevue=dt.date(2027, 3, 31),
    date_fichier=dt.date(2026, 6, 16),
    lignes=(("PLAI", "PPRIOR", 4), ("PLUS", "COLACT", 3), ("PLUS", "PPRIOR", 2), ("PLS", "COLTER", 1)),
)
PROFILS = {"PPRIOR": Profil(Ratio(30, 30), Ratio(12, 24), Ratio(12, 24)),  # all priority, half 1st quartile
           "COLACT": Profil(Ratio(2, 20), Ratio(2, 20), Ratio(18, 20)),
           "COLTER": Profil(Ratio(5, 20), Ratio(5, 20), Ratio(15, 20))}  # fmt: skip
QUOTAS = {("Q1", "PPRIOR"): Ratio(18, 20), ("Q1", "COLACT"): Ratio(1, 10), ("Q1", "COLTER"): None,
          ("Q1", "PFONCT"): "sans_objet", ("Q2", "PFONCT"): Ratio(1, 4),
          ("Q2", "PPRIOR"): Ratio(5, 10), ("Q2", "COLACT"): Ratio(2, 10), ("Q3", "EPCI"): Ratio(20, 40),
          ("Q3", "BAILLEUR"): Ratio(3, 10)}  # fmt: skip
DEMANDE = pl.DataFrame(
    {
        "typologie": ["T2", "T3"],
        "date_extraction": [dt.date(2026, 6, 5)] * 2,
        "demandes": [60, 40],
        "part_q1": [0.5, 0.25],
        "part_prioritaires": [0.2, 0.1],
        "part_dalo": [0.05, 0.0],
        "part_mutations": [0.3, 0.4],
        "anciennete_mediane": [20.0, 30.0],
        "part_delai": [None, None],
    }  # fmt: skip
)


def brief(qpv=None, scenarios=None, typologies=None) -> Brief:
    return Brief(
        programme=PROGRAMME, annee=2026, trimestre=2, t=dt.date(2026, 6, 30),
        fenetre=(dt.date(2023, 7, 1), dt.date(2026, 6, 30)),  # 3 years: 1096 days
        qpv=qpv, typologies=typologies if typologies is not None else {"T2": 6, "T3": 4},
        typologies_declarees=typologies is not None, base_typologies="parc du bailleur dans la commune",
        demande=DEMANDE, attributions=pl.DataFrame({"typologie": ["T2", "T3"], "attributions": [30, 12]}),
        residences=[Residence("123456789:G1", "Habitat Test – Les Pins", 0.1, 0.08, None, 0.2, 0.3, True,
                              ("VACANCE",), 40)],
        profils=PROFILS, quotas=QUOTAS,
        scenarios=scenarios or (default_scenario(PROGRAMME.orientation()),),
    )  # fmt: skip


def label(_liste: str, code: str) -> str:
    return {"PPRIOR": "préfet", "COLACT": "Action Logement", "COLTER": "collectivités"}.get(code, code)


def test_the_default_scenario_is_the_orientation_of_the_programmes_file():
    assert PROGRAMME.logements == 10
    assert brief().scenarios == (Scenario("Orientation du fichier des programmes", {"PPRIOR": 6, "COLACT": 3,
                                                                                    "COLTER": 1}),)  # fmt: skip


def test_outside_qpv_each_reservataires_q1_and_q2_take_its_lettings_at_its_own_profile():
    frame = scenario_table(brief(qpv=False), {"PPRIOR": 6, "COLACT": 3, "COLTER": 1}, label)
    rows = {r["Code"]: r for r in frame.iter_rows(named=True)}
    assert rows["PPRIOR"]["Q1 projeté"] == pytest.approx(24 / 26)  # (18 + 6 × 1) ÷ (20 + 6)
    assert rows["PPRIOR"]["Q2 projeté"] == pytest.approx(8 / 16)  # (5 + 6 × 0.5) ÷ (10 + 6)
    assert rows["COLACT"]["Q1 projeté"] == pytest.approx(1.3 / 13)  # (1 + 3 × 0.1) ÷ 13
    assert rows["COLACT"]["Q2 observé"] == pytest.approx(0.2)
    assert math.isnan(rows["COLTER"]["Q1 observé"]) and math.isnan(rows["COLTER"]["Q1 projeté"])  # nc at t
    assert rows["COLTER"]["Q2 projeté"] == pytest.approx(0.25)  # nothing observed: its own share alone


def test_in_qpv_q2_is_unchanged_and_q3_takes_each_reservataires_quartile_2_to_4_share():
    frame = scenario_table(brief(qpv=True), {"PPRIOR": 6, "COLACT": 3, "COLTER": 1}, label)
    assert frame.filter(pl.col("Code") == "PPRIOR")["Q2 projeté"][0] == pytest.approx(0.5)
    q3 = q3_table(brief(qpv=True), {"PPRIOR": 6, "COLACT": 3, "COLTER": 1})
    # EPCI: (20 + 6 × 0.5 + 3 × 0.9 + 1 × 0.75) ÷ 50; landlord: (3 + 6.45) ÷ 20
    assert q3["Q3 projeté"].to_list() == pytest.approx([26.45 / 50, 9.45 / 20])


def test_an_unknown_qpv_status_shows_q2_as_if_outside_and_q3_as_if_inside():
    b = brief(qpv=None)
    assert "Q2 projeté si hors QPV" in scenario_table(b, {"PPRIOR": 10}, label).columns
    q3 = q3_table(b, {"PPRIOR": 10})
    assert q3.columns == ["Périmètre", "Q3 observé", "Q3 projeté si en QPV"]
    assert q3["Q3 projeté si en QPV"][0] == pytest.approx(25 / 50)  # (20 + 10 × 0.5) ÷ 50
    assert any("non renseigné" in h for h in hypotheses(b))


def test_the_tension_per_typology_adds_the_programmes_dwellings_to_a_years_attributions():
    frame = tension_table(brief())
    years = 1096 / 365.25
    t2 = frame.filter(pl.col("Typologie") == "T2").row(0, named=True)
    assert t2["Attributions par an"] == pytest.approx(30 / years)
    assert t2["Tension avant"] == pytest.approx(60 / (30 / years))
    assert t2["Tension après livraison"] == pytest.approx(60 / (30 / years + 6))


def test_the_page_is_internal_states_its_assumptions_and_shows_every_scenario():
    b = brief(scenarios=(Scenario("Proposition CASA", {"PPRIOR": 5, "COLTER": 5}), Scenario("B", {"COLACT": 10})))
    html = page_html(b, label, "CA de Sophia Antipolis", workbook="PRG-2026-0007.xlsx")
    assert "Document interne, non publié" in html and 'name="robots" content="noindex' in html
    assert "Scénario « Proposition CASA » : quotas par réservataire" in html and "Scénario « B »" in html
    assert "du 1er juillet 2023 au 30 juin 2026" in html  # the profiles' window
    assert "(« estimé »)" in html and "QPV</dt><dd>non renseigné" in html and "<dd>du 5 juin 2026</dd>" in html
    assert '<td class="n">nc</td>' in html  # COLTER's Q1 not computable at t
    assert 'href="PRG-2026-0007.xlsx" download' in html and "://" not in html
    assert list(tables(b, label))[-1] == "tension"


def test_a_quota_that_does_not_apply_to_a_reservataire_says_sans_objet_not_nc(tmp_path):
    """Q1 applies to neither PFONCT nor AUTRES (INDICATORS.md): « sans objet », as the long table says."""
    b = brief(scenarios=(Scenario("Fonctionnaires", {"PFONCT": 10}),))
    [row] = scenario_table(b, {"PFONCT": 10}, label).iter_rows(named=True)
    assert row["Q1 observé"] == row["Q1 projeté"] == math.inf and row["Q2 observé"] == pytest.approx(0.25)
    html = page_html(b, label, "CA de Sophia Antipolis", workbook="PRG-2026-0007.xlsx")
    assert html.count('<td class="n">sans objet</td>') == 2
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(b, label, "CA de Sophia Antipolis")))["Scenario 1"]
    cells = [c.value for r in sheet.iter_rows() for c in r]
    assert cells.count("sans objet") == 2 and "nc" not in cells


RESIDENCES = [
    Residence("123456789:G1", "Habitat Test – Les Pins", 0.1, 0.08, None, 0.2, 0.3, True, ("VACANCE",), 40),
    Residence("123456789:G2", "Habitat Test – Le Mas", None, None, None, None, None, False, (), None),
    Residence("123456789:G3", "Habitat Test – La Source", 0.0, 0.125, 0.5, 0.75, 0.25, True,
              ("PREMIER_QUARTILE", "REFUS"), 12),
]  # fmt: skip


def test_the_brief_summarises_its_landlords_residences_in_the_commune_and_links_their_watch():
    b = dataclasses.replace(brief(), residences=RESIDENCES)
    [row] = tables(b, label)["residences"][1].rows()
    # 3 residences, 40 + 12 dwellings offered (one unknown), 2 flagged: 1 for vacancy, 1 for refusals and 1st quartile
    assert row == ("Habitat Test à Valbonne", 3, 52, 2, 1, 1, 1)
    html = page_html(b, label, "CA de Sophia Antipolis", workbook="PRG-2026-0007.xlsx")
    watch = "residences/123456789_06152"
    assert f'href="{watch}.html"' in html and f'href="{watch}.xlsx" download' in html
    assert "Les Pins" not in html and "La Source" not in html  # the detail is the watch's alone
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(b, label, "CA de Sophia Antipolis")))["Residences"]
    assert [c.value for c in sheet[4]] == list(row)
    [link] = [c.hyperlink.target for r in sheet.iter_rows() for c in r if c.hyperlink]
    assert link.replace("\\", "/") == "residences/123456789_06152.xlsx"


def test_the_watch_shows_each_residence_once_for_all_the_briefs_of_its_landlord_in_the_commune():
    first = dataclasses.replace(brief(), residences=RESIDENCES)
    other = dataclasses.replace(first, programme=dataclasses.replace(PROGRAMME, programme_id="PRG-2026-0009",
                                                                      nom="Le Clos – Valbonne"))  # fmt: skip
    html = watch_html([first, other], "CA de Sophia Antipolis", workbook="123456789_06152.xlsx")
    assert "Document interne, non publié" in html and 'name="robots" content="noindex' in html
    assert 'href="../PRG-2026-0007.html"' in html and 'href="../PRG-2026-0009.html"' in html
    assert 'href="../../static/site.css"' in html and 'href="123456789_06152.xlsx" download' in html
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", html)
    cells = [(name, re.findall(r"<td[^>]*>(.*?)</td>", tds.replace("\u202f", " "))) for name, tds in rows]
    assert cells == [
        ("Habitat Test – Les Pins", ["40", "10,0 %", "8,0 %", "–", "20,0 %", "30,0 %", "oui : vacance"]),
        ("Habitat Test – Le Mas", ["–", "–", "–", "–", "–", "–", "non"]),
        ("Habitat Test – La Source", ["12", "0,0 %", "12,5 %", "50,0 %", "75,0 %", "25,0 %",
                                      "oui : part du 1er quartile, refus"]),
    ]  # fmt: skip
    wb = openpyxl.load_workbook(io.BytesIO(watch_bytes([first, other], "CA de Sophia Antipolis")))
    assert wb.sheetnames == ["Note", "Residences"]
    note = {r[0].value: r[1].value for r in wb["Note"].iter_rows(min_row=4)}
    assert note["Programmes à livrer"] == "Les Oliviers – Valbonne (PRG-2026-0007), Le Clos – Valbonne (PRG-2026-0009)"
    assert [[c.value for c in r] for r in wb["Residences"].iter_rows(min_row=4)] == [
        ["Habitat Test – Les Pins", 40, 0.1, 0.08, None, 0.2, 0.3, "oui : vacance"],
        ["Habitat Test – Le Mas", None, None, None, None, None, None, "non"],
        ["Habitat Test – La Source", 12, 0.0, 0.125, 0.5, 0.75, 0.25, "oui : part du 1er quartile, refus"],
    ]

"""The attributions and commission pages (dashboards/pages/attributions.py, commission.py) on a small
hand-made release whose answers are known: titles computed from the data, secret figures shown with their
reason, small communes seen through their sector, the funnel drawn for the last closed cohort."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboards.pages import attributions, commission
from dashboards.render import write_page
from dashboards.site import MENU
from dashboards.site_data import SiteData
from tests.dashboards.sitedata import SCHEMA, site_data

N = "\u202f"
EPCI = "200000001"
COLUMNS = ("annee", "trimestre", "niveau_geo", "code_geo", "libelle_geo", "indicateur", "modalite", "valeur",
           "numerateur", "denominateur", "statut", "secret")  # fmt: skip
INDICATORS = (
    "D1 D2 D4 D5_r4q D6 D7_median D7_part_5ans D7_tranche D8_median D10_demandes D10_attributions D10_internes "
    "X2_demandes C1 C1_candidats_par_logement C2 C2_rang1 C3 C3_avant_cal C4_examines C4_attribues C4_baux "
    "C4_refus_avant_cal Q1 Q2 Q3"
).split()
CODES = {
    "typologie_demande": ["C", "T1", "T2", "T3", "T4", "T5", "T6P"],
    "typologie_bilan": ["T1", "T2", "T3", "T4", "T5", "T6P"],
    "reservataire": ["PPRIOR", "COLTER", "AUCUN"],
    "decision_cal": ["ATTRIBUTION", "ATTRIBUTION_RANG", "NON_ATTRIBUTION"],
    "exemption_trois_candidats": ["DALO", "INSUFFISANCE"],
    "motif_refus": ["TYPOLOGIE", "LOCALISATION", "AUTRE"],
}
LABELS = {"ATTRIBUTION_RANG": "attribution par rang", "LOCALISATION": "localisation", "PPRIOR": "préfet, prioritaires"}


def r(ind, valeur, niveau="EPCI", code=EPCI, modalite="ensemble", statut="ok", secret=None, q=(2026, 3), den=None):
    """One public row; a missing value with statut `ok` is not allowed, so pass the status with it."""
    return (q[0], q[1], niveau, code, f"lieu {code}", ind, modalite, valeur, None, den, statut, secret)


def site(rows: list[tuple]) -> SiteData:
    codes = [(liste, c, LABELS.get(c, c.lower())) for liste, cs in CODES.items() for c in cs]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS) | SCHEMA, orient="row")
    catalogue = pl.DataFrame(
        {
            "indicateur": INDICATORS,
            "libelle": [f"libellé {i}" for i in INDICATORS],
            "definition": [f"définition {i}" for i in INDICATORS],
            "flux": ["cal" if i.startswith("C") else "sne_radiations" for i in INDICATORS],
            "nature": ["part"] * len(INDICATORS),
        }
    )
    return site_data(
        frame,
        catalogue,
        communes=pl.DataFrame(
            {
                "code_insee": ["06001", "06002", "06003", "06004"],
                "nom": ["Grandeville", "Moyenville", "Petitbourg", "Hameau"],
                "code_secteur": ["06001", "06002", "PETITES", "PETITES"],
                "libelle_secteur": ["Grandeville", "Moyenville", "Petites communes", "Petites communes"],
            }
        ),
        sources=pl.DataFrame({"flux": ["cal"], "bailleur_siren": ["111"], "dernier": [dt.date(2026, 9, 30)]}),
        bailleurs=pl.DataFrame({"bailleur_siren": ["111", "222", "333"], "nom_bailleur": ["Azur", "Brague", "Cians"]}),
        codes=pl.DataFrame(codes, schema=["liste", "code", "libelle"], orient="row"),
        epci=EPCI,
        epci_nom="CA Test",
    )


def secret(ind, niveau="EPCI", code=EPCI, modalite="ensemble", why="primaire", q=(2026, 3)):
    return r(ind, None, niveau, code, modalite, "secret", why, q)


def nc(ind, niveau="EPCI", code=EPCI, modalite="ensemble", q=(2026, 3)):
    return r(ind, None, niveau, code, modalite, "non_calculable", q=q)


TENSION = [
    r("D6", 12.0),
    r("D6", 20.0, "COMMUNE", "06001"),
    r("D6", 10.0, "COMMUNE", "06002"),
    r("D6", 30.0, "SECTEUR", "PETITES"),
    r("D6", 10.0, "SECTEUR", "06001"),  # a one-commune sector is its commune: never shown twice
]


def test_tension_title_names_the_most_tense_place_of_the_data():
    chart = attributions.tension_communes_chart(site(TENSION))
    assert chart.title == (
        "Tension la plus forte : 30,0 demandes pour une attribution (lieu PETITES), 12,0 dans l'ensemble de l'EPCI"
    )
    chart = attributions.tension_communes_chart(site([*TENSION, secret("D6", "COMMUNE", "06003")]))
    assert chart.title.startswith("Tension la plus forte parmi les chiffres publiés : 30,0 ")


def test_small_communes_are_shown_through_their_sector_once():
    chart = attributions.tension_communes_chart(site(TENSION))
    places = chart.table["Commune ou secteur"].to_list()
    assert places == ["Ensemble de l'EPCI", "lieu PETITES", "Grandeville", "Moyenville"]
    assert list(chart.figure.data[0].y) == places


def test_a_secret_tension_is_drawn_as_secret_with_its_reason_never_as_a_gap():
    chart = attributions.tension_communes_chart(site([*TENSION[:2], secret("D6", "COMMUNE", "06002")]))
    bar = chart.figure.data[0]
    i = list(bar.y).index("Moyenville")
    assert (bar.x[i], bar.text[i], bar.hovertext[i]) == (0, "s", "secret statistique")
    status = chart.table.filter(pl.col("Commune ou secteur") == "Moyenville")["Statut"][0]
    assert status.startswith("secret : moins de 11 ménages")
    assert "Moyenville : secret statistique" in chart.summary
    assert any("« s »" in n for n in chart.notes)


def test_waits_show_the_housed_beside_those_still_waiting_on_the_same_typologies():
    data = site([
        r("D8_median", 32.2), r("D7_median", 20.9),
        r("D8_median", 34.0, modalite="typologie=T1"), r("D7_median", 21.0, modalite="typologie=T1"),
        r("D7_median", 25.0, modalite="typologie=T6P"), r("D7_median", 23.0, modalite="typologie=C"),
    ])  # fmt: skip
    chart = attributions.waits_chart(data)
    assert chart.title == "Les ménages logés sur les quatre derniers trimestres avaient attendu 32 mois (médiane)"
    housed, waiting = chart.figure.data
    assert list(housed.x) == list(waiting.x) == ["Ensemble", "T1", "T2", "T3", "T4", "T5", "T6P"]
    assert list(housed.text)[-1] == "nc" and waiting.y[-1] == 25.0  # no D8 row for T6P: said, not hidden
    assert any("ne compte que les ménages logés" in n for n in chart.notes)


def test_a_share_of_attributions_is_called_the_largest_only_when_the_hidden_ones_cannot_exceed_it():
    rows = [r("D5_r4q", 100.0), r("D5_r4q", 60.0, modalite="typologie=T3"), r("D5_r4q", 30.0, modalite="typologie=T2")]
    sure = attributions.attribution_types_chart(site([*rows, secret("D5_r4q", modalite="typologie=T5")]))
    assert sure.title == f"Les T3 représentent 60{N}% des attributions"
    doubt = attributions.attribution_types_chart(
        site(
            [r("D5_r4q", 100.0), r("D5_r4q", 30.0, modalite="typologie=T3"), secret("D5_r4q", modalite="typologie=T5")]
        )
    )
    assert doubt.title == f"Les T3 représentent 30{N}% des attributions (la plus forte part publiée)"


FUNNEL = [
    *(r(i, v, q=(2026, 1), den=400.0) for i, v in
      [("C4_examines", 0.8), ("C4_attribues", 0.5), ("C4_baux", 0.3), ("C4_refus_avant_cal", 0.15)]),
    *(nc(i, q=q) for i in commission.FUNNEL.values() for q in [(2026, 2), (2026, 3)]),
]  # fmt: skip


def test_the_funnel_is_drawn_for_the_last_cohort_whose_follow_up_has_ended():
    chart = commission.funnel_chart(site(FUNNEL))
    assert chart.title == f"30{N}% des positionnements validés au T1{N}2026 ont abouti à un bail"
    assert list(chart.figure.data[0].x) == [0.8, 0.5, 0.3, 0.15]
    assert chart.summary.startswith(f"Sur 400 positionnements validés au T1{N}2026 : examinés par une CAL")
    assert any(f"(T2{N}2026, T3{N}2026) sont encore suivis" in n for n in chart.notes)


def test_refusals_by_landlord_use_their_names_and_say_who_sends_no_cal_returns():
    data = site([
        r("C2", 0.44), r("C2_rang1", 0.40),
        r("C2", 0.30, "BAILLEUR", "111"), r("C2_rang1", 0.25, "BAILLEUR", "111"),
        r("C2", 0.55, "BAILLEUR", "222"), secret("C2_rang1", "BAILLEUR", "222"),
        r("C2", None, "BAILLEUR", "333", statut="sans_objet"),
        r("C2_rang1", None, "BAILLEUR", "333", statut="sans_objet"),
    ])  # fmt: skip
    chart = commission.refusals_chart(data)
    assert chart.title == f"44{N}% des propositions faites après une CAL au T3{N}2026 ont été refusées"
    assert list(chart.figure.data[0].y) == ["Ensemble de l'EPCI", "Brague", "Azur"]  # by decreasing refusals
    assert list(chart.figure.data[1].text) == ["", "s", ""]
    assert "Brague (55,0" in chart.summary and chart.summary.endswith("retours de CAL : Cians.")
    assert "Cians" in chart.table["Bailleur"].to_list()


def test_decisions_and_motives_are_named_with_the_contracts_labels():
    data = site([
        r("C1", 0.7, modalite="decision=ATTRIBUTION_RANG"), r("C1", 0.2, modalite="decision=NON_ATTRIBUTION"),
        secret("C1", modalite="decision=ATTRIBUTION"),
        r("C3", 0.3, modalite="motif=LOCALISATION"), secret("C3", modalite="motif=TYPOLOGIE"),
        secret("C3", modalite="motif=AUTRE", why="secondaire"),
    ])  # fmt: skip
    decisions = commission.decisions_chart(data)
    assert decisions.title == (
        f"Décision la plus fréquente : attribution par rang, pour 70{N}% des candidats examinés en CAL"
    )
    motives = commission.motives_chart(data)
    assert motives.title == f"« Localisation » motive 30{N}% des refus après CAL (le plus fréquent des motifs publiés)"
    assert "masqué pour qu'une autre case secrète" in motives.table.filter(pl.col("Motif") == "autre")["Statut"][0]


def test_the_site_holds_both_pages_with_the_charts_the_home_page_links_to(tmp_path):
    rows = [*TENSION, *FUNNEL, r("D5_r4q", 100.0), r("D8_median", 30.0), r("C2", 0.4),
            r("D5_r4q", 90.0, q=(2025, 3)), r("C2", 0.3, q=(2025, 3))]  # fmt: skip
    data = site(rows)
    common = dict(site_name="Obs", menu=MENU, period=data.period, fin="30 septembre 2026", seuil=11)
    pages = [
        path
        for page in attributions.pages(data) + commission.pages(data)
        for path in write_page(page, tmp_path, common, lambda c: "", lambda c: [])
    ]
    html = {p.name: p.read_text(encoding="utf-8") for p in pages if p.suffix == ".html"}
    for ident in ("attributions-historique", "tension-communes", "delais"):
        assert f'id="{ident}"' in html["attributions.html"]
    assert 'id="refus-historique"' in html["commission.html"]
    assert "Le taux de refus après CAL a gagné 10,0 points en un an" in html["commission.html"]
    assert (tmp_path / "donnees" / "commission-refus-bailleurs.csv").exists()

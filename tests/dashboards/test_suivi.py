"""The commission's monthly table (dashboards/suivi.py) on hand-made S1 rows whose answer is known: month
columns from January to the quarter's last month, counts in their month and row, year-to-date shares beside
their target (the rule of the module's docstring), French labels, a non-computable cell never shown as 0."""

from __future__ import annotations

import polars as pl

from dashboards.suivi import SuiviData, View, page_html, reading, tables, target, target_text, views

EPCI = "240600585"
ROWS = {"annee": pl.Int32, "trimestre": pl.Int32, "niveau_geo": pl.String, "code_geo": pl.String,
        "indicateur": pl.String, "modalite": pl.String, "valeur": pl.Float64, "statut": pl.String}  # fmt: skip


def row(indicateur, modalite, valeur, niveau="EPCI", code=EPCI, trimestre=2, statut="ok"):
    return {"annee": 2026, "trimestre": trimestre, "niveau_geo": niveau, "code_geo": code, "indicateur": indicateur,
            "modalite": modalite, "valeur": valeur, "statut": statut}  # fmt: skip


def data(rows: list[dict], objectifs: list[tuple] = (), trimestre: int = 2) -> SuiviData:
    codes = [("reservataire", "PPRIOR", "préfet, publics prioritaires"),
             ("reservataire", "COLTER", "collectivités territoriales, EPCI"),
             ("motif_positionnement", "DALO", "ménage DALO"),
             ("motif_positionnement", "PRIORITAIRE", "ménage prioritaire"),
             ("motif_positionnement", "PREMIER_QUARTILE", "ménage du 1er quartile"),
             ("motif_positionnement", "MUTATION", "mutation"),
             ("motif_positionnement", "RELOGEMENT_RU", "relogement renouvellement urbain"),
             ("avis_commission", "VALIDE", "validé"), ("avis_commission", "REFUSE", "refusé")]  # fmt: skip
    return SuiviData(
        rows=pl.DataFrame(rows, schema=ROWS),
        catalogue=pl.DataFrame(
            {
                "indicateur": ["S1_baux", "S1_part_ytd"],
                "libelle": ["Baux signés du mois", "Part"],
                "definition": ["Nombre de baux.", "Part cumulée."],
            }
        ),  # fmt: skip
        codes=pl.DataFrame(codes, schema=["liste", "code", "libelle"], orient="row"),
        objectifs=pl.DataFrame(list(objectifs), schema=["annee", "reservataire", "quota", "taux_cible"], orient="row"),
        legaux=pl.DataFrame(
            {
                "quota": ["Q1_PRIORITAIRES", "Q1_PRIORITAIRES", "Q2_PREMIER_QUARTILE_HORS_QPV"],
                "reservataire": ["COLTER", "PPRIOR", "*"],
                "taux_cible": [0.25, 1.0, 0.25],
            }
        ),  # fmt: skip
        epci=EPCI,
        epci_nom="CA de Sophia Antipolis",
        annee=2026,
        trimestre=trimestre,
    )


OBJECTIFS = [(2026, "COLTER", "Q1_PRIORITAIRES", 0.25), (2026, "COLTER", "Q1_PRIORITAIRES", 0.30),  # two landlords
             (2026, "PPRIOR", "Q1_PRIORITAIRES", 1.0), (2025, "COLTER", "Q1_PRIORITAIRES", 0.5),
             (2026, "COLTER", "Q2_PREMIER_QUARTILE_HORS_QPV", 0.25),
             (2026, "PPRIOR", "Q2_PREMIER_QUARTILE_HORS_QPV", 0.25)]  # fmt: skip


def by_ident(d: SuiviData, view: View) -> dict:
    return {t.ident: t for t in tables(d, view)}


def test_the_months_run_from_january_to_the_last_month_of_the_quarter():
    d = data([row("S1_baux", "mois=2026-05", 7)])
    baux = by_ident(d, views(d)[0])["baux"]
    assert baux.columns == ["Ménages", "janv.\u202f2026", "févr.\u202f2026", "mars\u202f2026", "avr.\u202f2026",
                            "mai\u202f2026", "juin\u202f2026"]  # fmt: skip
    assert baux.frame().row(0) == ("Tous les ménages", None, None, None, None, 7.0, None)


def test_each_count_lands_in_its_month_and_its_motive_and_opinion_row():
    d = data([
        row("S1_positionnements", "mois=2026-01,motif=DALO,avis=REFUSE", 3, trimestre=1),
        row("S1_positionnements", "mois=2026-04,motif=DALO", 5),
        row("S1_positionnements", "mois=2026-04,motif=DALO", 9, niveau="RESERVATAIRE", code="COLTER"),
        row("S1_baux", "mois=2026-06,qpv=NON,motif=PREMIER_QUARTILE", 2),
    ])  # fmt: skip
    epci = by_ident(d, views(d)[0])
    frame = epci["positionnements"].frame()
    dalo = {r[1]: r[2:] for r in frame.filter(pl.col("Motif") == "ménage DALO").iter_rows()}
    assert dalo["refusé"] == (3.0, None, None, None, None, None)
    assert dalo["tous"] == (None, None, None, 5.0, None, None)
    quartile = epci["baux"].frame().filter(pl.col("Ménages") == "ménage du 1er quartile, logement hors QPV")
    assert quartile.row(0)[-1] == 2.0
    colter = by_ident(d, views(d)[1])["positionnements"].frame()
    assert colter.filter((pl.col("Motif") == "ménage DALO") & (pl.col("Avis") == "tous")).row(0)[5] == 9.0


def test_the_views_are_the_epci_then_the_reservataires_with_rows_labelled_by_the_contract():
    d = data([row("S1_baux", "mois=2026-04", 1), row("S1_baux", "mois=2026-04", 1, niveau="RESERVATAIRE",
                                                     code="COLTER")])  # fmt: skip
    assert [(v.code, v.titre) for v in views(d)] == [(EPCI, "CA de Sophia Antipolis"),
                                                      ("COLTER", "collectivités territoriales, EPCI")]  # fmt: skip


def test_a_reservataires_target_spans_its_landlords_commitments_of_the_year():
    d = data([], OBJECTIFS)
    colter = View("RESERVATAIRE", "COLTER", "")
    assert target(d, colter, "PRIORITAIRE") == (0.25, 0.30)
    assert target_text(target(d, colter, "PRIORITAIRE")) == "25\u202f% à 30\u202f%"
    assert target(d, View("RESERVATAIRE", "PPRIOR", ""), "PRIORITAIRE") == (1.0, 1.0)
    assert target(d, colter, "DALO") is None and target_text(None) == "–"


def test_the_epcis_priority_target_pools_only_the_reservataires_bound_by_a_share():
    d = data([], OBJECTIFS)
    epci = views(d)[0]
    assert target(d, epci, "PRIORITAIRE") == (0.25, 0.30)  # PPRIOR's 100 % is not pooled
    assert target(d, epci, "PREMIER_QUARTILE") == (0.25, 0.25)


def test_the_year_to_date_share_is_read_against_its_target_at_the_quarters_last_month():
    d = data([
        row("S1_part_ytd", "mois=2026-05,motif=PRIORITAIRE", 0.40, niveau="RESERVATAIRE", code="COLTER"),
        row("S1_part_ytd", "mois=2026-06,motif=PRIORITAIRE", 0.20, niveau="RESERVATAIRE", code="COLTER"),
        row("S1_part_ytd", "mois=2026-06,qpv=NON,motif=PREMIER_QUARTILE", 0.27, niveau="RESERVATAIRE", code="COLTER"),
    ], OBJECTIFS)  # fmt: skip
    parts = by_ident(d, View("RESERVATAIRE", "COLTER", ""))["parts"]
    assert parts.columns[:2] == ["Ménages", "Objectif"]
    frame = parts.frame()
    assert frame.row(1)[:2] == ("ménage prioritaire", "25\u202f% à 30\u202f%")
    assert frame.row(1)[-2:] == (0.40, 0.20)
    readings = [reading(ln) for ln in parts.lines]
    assert readings[:3] == ["", "sous l'objectif", "objectif atteint"]


def test_a_non_computable_share_is_shown_as_nc_never_as_zero():
    d = data([
        row("S1_part_ytd", "mois=2026-01,motif=DALO", None, trimestre=1, statut="non_calculable"),
        row("S1_part_ytd", "mois=2026-02,motif=DALO", 0.125, trimestre=1),
    ], trimestre=1)  # fmt: skip
    html = page_html(d)
    assert '<td class="n">nc</td><td class="n">12,5\u202f%</td>' in html
    assert "0,0\u202f%" not in html


def test_the_page_is_internal_its_tables_scroll_in_their_box_and_it_links_to_no_public_page():
    d = data([row("S1_baux", "mois=2026-04", 1)])
    html = page_html(d)
    assert "Document interne à la commission" in html and 'name="robots" content="noindex' in html
    assert html.count('class="tableau" tabindex="0" role="region"') == 4
    assert 'href="index.html"' not in html and "plotly" not in html
    assert "Baux signés du mois (S1_baux)" in html  # definitions from the catalogue

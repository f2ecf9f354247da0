"""The quotas and social stock pages on small hand-made SiteData whose answers are known: titles computed
from the data, the target each bar is held to, secret figures shown as such with their reason."""

import datetime as dt

import duckdb
import polars as pl
import pytest

from dashboards.pages import parc, quotas
from dashboards.site_data import SiteData
from tests.dashboards.sitedata import site_data

EPCI = "200000001"
A, B = "900000001", "900000002"  # two landlords
RESERVATAIRES = ["PPRIOR", "PFONCT", "COLACT", "COLTER", "AUTRES", "AUCUN"]
QUOTA_NAMES = ["Q1_PRIORITAIRES", "Q2_PREMIER_QUARTILE_HORS_QPV", "Q3_QUARTILES_2_4_EN_QPV"]


def row(ind, niveau, code, valeur, statut="ok", secret=None, modalite="ensemble", quarter=(2026, 3)):
    return dict(
        annee=quarter[0],
        trimestre=quarter[1],
        niveau_geo=niveau,
        code_geo=code,
        libelle_geo=code,
        indicateur=ind,
        modalite=modalite,
        valeur=valeur,
        numerateur=None,
        denominateur=None,
        statut=statut,
        secret=secret,
    )


def objectifs(special: dict | None = None) -> pl.DataFrame:
    """Targets of 2026 for both landlords and every réservataire: Q1 25 % (100 % for PPRIOR, none for PFONCT
    and AUTRES), Q2 25 %, Q3 55 %; `special[(siren, reservataire, quota)]` overrides a cell."""
    base = {"Q1_PRIORITAIRES": 0.25, "Q2_PREMIER_QUARTILE_HORS_QPV": 0.25, "Q3_QUARTILES_2_4_EN_QPV": 0.55}
    cells = []
    for siren in (A, B):
        for r in RESERVATAIRES:
            for q in QUOTA_NAMES:
                target = base[q]
                if q == "Q1_PRIORITAIRES":
                    target = {"PPRIOR": 1.0, "PFONCT": None, "AUTRES": None}.get(r, target)
                target = (special or {}).get((siren, r, q), target)
                cells.append(dict(annee=2026, bailleur_siren=siren, reservataire=r, quota=q, taux_cible=target))
    return pl.DataFrame(cells, schema_overrides={"taux_cible": pl.Float64})


def site(rows: list[dict], targets: pl.DataFrame | None = None) -> SiteData:
    catalogue = pl.DataFrame(
        {
            "indicateur": [
                "Q1",
                "Q2",
                "Q2_hors_ru",
                "Q3",
                "P1",
                "P1_structurelle",
                "P2",
                "P3_livres",
                "P3_prevus",
                "P4",
                "P4_hors_l441",
                "P4_demandes_pour_100",
            ],
        }
    ).with_columns(libelle=pl.col("indicateur"), definition=pl.lit("déf."), flux=pl.lit("rpls"), nature=pl.lit("part"))
    return site_data(
        rows=pl.DataFrame(
            rows,
            schema_overrides={
                "valeur": pl.Float64,
                "numerateur": pl.Float64,
                "denominateur": pl.Float64,
                "secret": pl.String,
            },
        ),
        cat=catalogue,
        communes=pl.DataFrame(
            {
                "code_insee": ["06001", "06002", "06003", "06005"],
                "nom": ["Grandeville", "Petiteville", "Hameau", "Village"],
                "code_secteur": ["06001", "06002", "PETITES", "PETITES"],
                "libelle_secteur": ["Grandeville", "Petiteville", "Petites communes", "Petites communes"],
            }
        ),
        sources=pl.DataFrame({"flux": ["rpls"], "bailleur_siren": [A], "dernier": [dt.date(2026, 9, 30)]}),
        objectifs=objectifs() if targets is None else targets,
        bailleurs=pl.DataFrame({"bailleur_siren": [A, B], "nom_bailleur": ["Habitat Alpha", "Logis Bêta"]}),
        codes=pl.DataFrame(
            {
                "liste": ["reservataire"] * 6,
                "code": RESERVATAIRES,
                "libelle": [
                    "préfet, publics prioritaires",
                    "préfet, fonctionnaires",
                    "Action Logement",
                    "collectivités",
                    "autres",
                    "hors contingent",
                ],
            }
        ),
        epci=EPCI,
        epci_nom="CA Test",
        objectifs_legaux=pl.DataFrame(
            {
                "quota": ["Q2_PREMIER_QUARTILE_HORS_QPV", "Q3_QUARTILES_2_4_EN_QPV"],
                "reservataire": ["*", "*"],
                "taux_cible": [0.25, 0.5],
            }
        ),
    )


def q1_rows() -> list[dict]:
    return [
        row("Q1", "RESERVATAIRE", "PPRIOR", 0.9),  # target 100 %: missed
        row("Q1", "RESERVATAIRE", "PFONCT", None, "sans_objet"),
        row("Q1", "RESERVATAIRE", "COLACT", 0.20),  # 25 %: missed
        row("Q1", "RESERVATAIRE", "COLTER", 0.30),  # 25 %: reached
        row("Q1", "RESERVATAIRE", "AUTRES", None, "sans_objet"),
        row("Q1", "RESERVATAIRE", "AUCUN", None, "secret", "primaire"),
    ]


def marks(fig) -> dict[str, str]:
    """The « s » / « nc » marks written on a figure's bars (an empty bar carries a missing value's mark)."""
    found = {}
    for trace in fig.data:
        if trace.type == "bar" and trace.text is not None:
            cats = trace.y if trace.orientation == "h" else trace.x
            found.update({c.replace("<br>", " "): t for c, t in zip(cats, trace.text, strict=True) if t})
    return found


def test_q1_title_counts_the_reservataires_that_reach_their_own_target():
    chart = quotas.q1_chart(site(q1_rows()))
    assert chart.ident == "quotas-reservataires"
    assert chart.title == "1 réservataire sur 3 atteint son objectif d'attributions aux ménages prioritaires"
    table = {r["Réservataire"]: r for r in chart.table.iter_rows(named=True)}
    assert (
        table["collectivités"]["Objectif"] == "25\u202f%" and table["collectivités"]["Objectif atteint ?"] == "atteint"
    )
    assert table["préfet, publics prioritaires"]["Objectif"] == "100\u202f%"
    assert table["préfet, publics prioritaires"]["Objectif atteint ?"] == "non atteint"
    assert table["préfet, fonctionnaires"]["Statut"] == "sans objet"
    assert "préfet, fonctionnaires" in chart.summary.split("ne s'applique pas à")[1]
    # the targets differ from bar to bar (100\u202f% and 25\u202f%): a mark per bar, not one line
    assert [t.name for t in chart.figure.data if t.type == "scatter" and t.mode == "markers"] == ["objectif"]
    assert not chart.figure.layout.shapes


def test_a_secret_quota_is_shown_as_secret_with_its_reason():
    chart = quotas.q1_chart(site(q1_rows()))
    status = dict(zip(chart.table["Réservataire"], chart.table["Statut"], strict=True))
    assert status["hors contingent"] == "secret : moins de 11 ménages : le chiffre pourrait désigner un foyer"
    assert marks(chart.figure)["hors contingent"] == "s"
    assert "hors contingent : secret statistique (objectif 25\u202f%)" in chart.summary


def test_a_landlord_is_held_to_its_target_only_when_all_its_reservataires_share_it():
    targets = objectifs({(B, "PPRIOR", "Q3_QUARTILES_2_4_EN_QPV"): 0.6})
    rows = [row("Q3", "BAILLEUR", A, 0.6), row("Q3", "BAILLEUR", B, 0.58)]
    chart = quotas.landlord_chart(site(rows, targets), "Q3", "quotas-bailleurs-q3")
    table = {r["Bailleur"]: r for r in chart.table.iter_rows(named=True)}
    assert table["Habitat Alpha"]["Objectif"] == "55\u202f%"
    assert table["Logis Bêta"]["Objectif"] == "différent selon les réservataires (55\u202f% à 60\u202f%)"
    assert table["Logis Bêta"]["Objectif atteint ?"] == "–"
    assert chart.title == "1 bailleur sur 1 atteint son objectif d'attributions en QPV aux quartiles 2 à 4"
    assert "Autres bailleurs" not in chart.summary  # both are published


def test_a_shared_target_is_drawn_as_one_labelled_line():
    rows = [
        row("Q2", "BAILLEUR", A, 0.2),
        row("Q2", "BAILLEUR", B, None, "secret", "secondaire"),
        row("Q2_hors_ru", "BAILLEUR", A, 0.18),
        row("Q2_hors_ru", "BAILLEUR", B, None, "secret", "secondaire"),
    ]
    chart = quotas.landlord_chart(site(rows), "Q2", "quotas-bailleurs-q2")
    [line] = chart.figure.layout.shapes
    assert line.x0 == line.x1 == 0.25
    assert [a.text for a in chart.figure.layout.annotations] == ["objectif 25\u202f%"]
    assert (
        chart.title == "Aucun bailleur sur 1 n'atteint son objectif d'attributions hors QPV au 1er quartile de revenus"
    )
    assert "Autres bailleurs : 1 sous le secret statistique (moins de 11 attributions" in chart.summary
    assert marks(chart.figure)["Logis Bêta"] == "s"
    assert chart.table.filter(pl.col("Bailleur") == "Habitat Alpha")["Part sans relogements RU (%)"][0] == 18.0


def test_the_epci_target_is_the_common_one_else_the_legal_default():
    assert quotas.epci_target(site([]), "Q3") == (0.55, "55\u202f%")
    differing = objectifs({(A, "COLTER", "Q3_QUARTILES_2_4_EN_QPV"): 0.6})
    target, words = quotas.epci_target(site([], differing), "Q3")
    assert target == 0.5 and words.startswith("50\u202f% (objectif légal")


def test_the_epci_title_states_each_quota_against_its_target():
    rows = [row("Q2", "EPCI", EPCI, 0.21), row("Q2_hors_ru", "EPCI", EPCI, 0.2), row("Q3", "EPCI", EPCI, 0.7)]
    chart = quotas.epci_chart(site(rows))
    assert chart.ident == "quotas-epci"
    assert chart.title == (
        "Hors QPV, 1er quartile : 21,0\u202f%, sous l'objectif de 25\u202f% ; "
        "en QPV, quartiles 2 à 4 : 70,0\u202f%, au-dessus de l'objectif de 55\u202f%"
    )


def stock_rows() -> list[dict]:
    return [
        row("P4", "EPCI", EPCI, 1000.0),
        row("P4", "COMMUNE", "06001", 600.0),
        row("P4", "COMMUNE", "06002", 400.0),
        row("P4", "SECTEUR", "PETITES", 0.0),
        row("P4_hors_l441", "EPCI", EPCI, 30.0),
        row("P4_hors_l441", "COMMUNE", "06001", 30.0),
        row("P4_hors_l441", "COMMUNE", "06002", 0.0),
        row("P4_demandes_pour_100", "EPCI", EPCI, 120.0),
        row("P4_demandes_pour_100", "COMMUNE", "06001", 150.0),
        row("P4_demandes_pour_100", "COMMUNE", "06002", None, "secret", "primaire"),
    ]


def test_the_stock_title_names_the_commune_holding_the_largest_share():
    chart = parc.stock_communes(site(stock_rows()))
    assert chart.title == "Grandeville compte 60\u202f% du parc social de l'EPCI"
    assert "30 hors de ce régime" in chart.summary
    # the communes of the multi-commune sector are drawn as their sector's bar, with its label
    assert "PETITES" in chart.table["Commune"].to_list()  # libelle_geo: the code here
    assert any("PETITES" in list(t.y) for t in chart.figure.data if t.type == "bar")


def test_a_secret_ratio_is_shown_as_secret_with_its_reason():
    chart = parc.demand_per_100(site(stock_rows()))
    assert chart.title == "Grandeville : 150 demandes pour 100 logements sociaux, contre 120,0 dans l'EPCI"
    status = dict(zip(chart.table["Commune"], chart.table["Statut"], strict=True))
    assert status["Petiteville"].startswith("secret : moins de 11 ménages")
    assert marks(chart.figure)["Petiteville"] == "s"
    assert chart.summary.endswith("Secret statistique : Petiteville.")


@pytest.mark.parametrize(
    ("done", "title"), [(0.0, "Aucun logement livré"), (1.0, "1 logement livré"), (12.0, "12 logements livrés")]
)
def test_the_deliveries_title_counts_delivered_against_planned(done, title):
    rows = [
        row("P3_livres", "EPCI", EPCI, done),
        row("P3_prevus", "EPCI", EPCI, 61.0),
        row("P3_prevus", "EPCI", EPCI, 40.0, modalite="financement=PLUS"),
        row("P3_livres", "EPCI", EPCI, done, modalite="financement=PLUS"),
        row("P3_prevus", "RESERVATAIRE", "COLTER", 20.0),
        row("P3_livres", "RESERVATAIRE", "COLTER", done),
    ]
    data = site(rows)
    assert parc.deliveries_financing(data).title == f"{title} au T3\u202f2026 pour 61 prévus"
    by_contingent = parc.deliveries_contingent(data)
    assert by_contingent.table.filter(pl.col("Série") == "prévus")["Réservataire"].to_list() == ["collectivités"]


def test_the_vacancy_title_names_the_highest_commune_against_the_epci():
    rows = [
        row("P1", "EPCI", EPCI, 0.03),
        row("P1", "COMMUNE", "06001", 0.02),
        row("P1", "COMMUNE", "06002", 0.05),
        row("P1_structurelle", "EPCI", EPCI, 0.01),
        row("P1_structurelle", "COMMUNE", "06001", 0.01),
        row("P1_structurelle", "COMMUNE", "06002", 0.02),
    ]
    chart = parc.vacancy_communes(site(rows))
    assert (
        chart.title
        == "La vacance est la plus forte à Petiteville (5,0\u202f%), contre 3,0\u202f% dans l'ensemble de l'EPCI"
    )
    assert "dont 1,0\u202f% depuis plus de 3 mois" in chart.summary


def test_the_site_data_carries_the_legal_default_targets_of_the_seed(warehouse):
    from assets.publish.site import read_site_data
    from assets.settings import load_settings

    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        data = read_site_data(con, load_settings(warehouse), 2025, 4)
    legal = data.objectifs_legaux.filter(pl.col("quota") == "Q3_QUARTILES_2_4_EN_QPV")
    assert legal.select("reservataire", "taux_cible").rows() == [("*", 0.5)]
    [page] = quotas.pages(data)
    assert [c.ident for s in page.sections for c in s.charts][:2] == ["quotas-reservataires", "quotas-epci"]
    [page] = parc.pages(data)  # the stock page is drawn from the small territory's quarter too
    assert page.sections[0].charts[0].ident == "parc-vacance"


def test_a_secret_quarter_of_the_q1_history_is_marked_on_the_chart():
    rows = [
        row("Q1", "RESERVATAIRE", "COLTER", None, "secret", "primaire", quarter=(2025, 3)),
        row("Q1", "RESERVATAIRE", "COLTER", 0.3),
    ]
    chart = quotas.history_q1(site(rows))
    assert chart.title == (
        "La part des ménages prioritaires (contingent des collectivités) : évolution sur un an non disponible"
    )
    marked = {a.x: a.text for a in chart.figure.layout.annotations if a.yref == "paper"}
    assert marked == {"T3\u202f2025": "s"}
    assert chart.table["Statut"][0].startswith("secret : moins de 11 ménages")


@pytest.mark.parametrize(
    ("t2", "title"),
    [
        (0.09, "La rotation varie peu selon la typologie : de 8,0\u202f% (T3) à 9,0\u202f% (T2)"),
        (0.12, "Les T2 se libèrent le plus (12,0\u202f% en un an), les T3 le moins (8,0\u202f%)"),
    ],
)
def test_the_rotation_title_says_when_typologies_hardly_differ(t2, title):
    rows = [
        row("P2", "EPCI", EPCI, t2, modalite="typologie=T2"),
        row("P2", "EPCI", EPCI, 0.08, modalite="typologie=T3"),
    ]
    assert parc.rotation_types(site(rows)).title == title


def test_landlords_of_equal_value_keep_one_order_whatever_the_long_table_row_order():
    """The long table's row order changes with each dbt build: ties are ordered by landlord, so the page and its
    CSV are the same from one build to the next."""
    C = "900000003"
    rows = [row("P1", "BAILLEUR", s, v) for s, v in ((B, 0.03), (C, 0.05), (A, 0.03))]
    orders = {tuple(parc.by_landlord(site(r), "P1")["code_geo"]) for r in (rows, rows[::-1], rows[1:] + rows[:1])}
    assert orders == {(C, A, B)}

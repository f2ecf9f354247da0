"""int_demandes_survie (dbt Python model) and int_ind_demande_survie (its encoding): the H1 rows, built by dbt
on spells whose true curve is known (constant hazards), through their data tests."""

from __future__ import annotations

import os
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest

from assets.dbt import ensure_manifest
from assets.survie import JOURS_PAR_MOIS
from tests.assets.test_survie import SCENARIOS, simuler, vraie_incidence
from tests.dbt.conftest import dbt

ORIGINE = date(2023, 1, 31)  # the history's first extraction; its last quarter ends 36 months later
T = date(2025, 12, 31)
EPCI = "240600585"


def _jour(mois: np.ndarray) -> list[date]:
    return [ORIGINE + timedelta(days=int(round(m * JOURS_PAR_MOIS))) for m in mois]


def _parcours(n: int) -> pl.DataFrame:
    """n spells of the delayed-entry scenario, as int_demandes_periodes rows: months from the first
    extraction turned into dates; Antibes (its own sector) for two thirds, Bouyon (sector PETITES) the rest."""
    duree, evenement, entree = simuler(np.random.default_rng(3), n, *SCENARIOS["avec_entree_retardee"])
    depot = -entree
    fin = depot + duree
    termine = evenement != 0
    return pl.DataFrame(
        {
            "id_demande": [f"d{i}" for i in range(n)],
            "date_depot": _jour(depot),
            "date_fin": [d if e else None for d, e in zip(_jour(fin), termine, strict=True)],
            "statut": np.where(
                evenement == 1,
                "attribuee",
                np.where(termine, "radiee", np.where(fin < 35.9, "sortie_sans_radiation", "active")),
            ),
            # a spell censored before the last extraction was last seen then (it left without a radiation)
            "derniere_extraction": [None if e else d for d, e in zip(_jour(fin), termine, strict=True)],
            "premiere_extraction": [ORIGINE] * n,
            "commune_choix1": np.where(np.arange(n) % 3 == 0, "06022", "06004"),
            "dans_epci": [True] * n,
            "typologie": ["T2"] * n,
            "prioritaire_declare": (np.arange(n) % 4 == 0).tolist(),
        }
    )


@pytest.fixture(scope="module")
def survie(tmp_path_factory):
    from assets.ingest.schema import prepare_warehouse
    from assets.warehouse import connect

    ensure_manifest()
    home = tmp_path_factory.mktemp("survie_home")
    os.environ.setdefault("OBSERVATOIRE_CLE", "a1" * 32)
    with connect(home) as con:
        prepare_warehouse(con)
    select = ("--select", "+int_ind_demande_survie", "--exclude", "test_type:unit", "--indirect-selection", "cautious")
    out, _ = dbt(home, "build", *select)
    assert out.returncode == 0, out.stdout[-3000:]
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.register("parcours", _parcours(12_000))
    con.execute("delete from intermediate.int_demandes_periodes")
    con.execute("insert into intermediate.int_demandes_periodes by name select * from parcours")
    con.execute("delete from intermediate.int_trimestres")
    con.execute(
        "insert into intermediate.int_trimestres (annee, trimestre, debut, fin) values (2025, 4, '2025-10-01', ?)", [T]
    )
    con.close()
    models = ("int_demandes_survie", "int_ind_demande_survie")
    out, results = dbt(home, "build", "--select", *models, "--exclude", "test_type:unit")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        lignes = con.sql("select * from intermediate.int_ind_demande_survie where statut = 'ok'").pl()
    return out, results, lignes


def test_the_model_and_its_data_tests_pass(survie):
    out, results, _ = survie
    assert out.returncode == 0, out.stdout[-3000:]
    ran = {r["unique_id"].split(".")[2]: r["status"] for r in results}
    # the two models, and the model's own checks (one controles test; the long table's encoding is tested
    # once on int_indicateurs, not selected here)
    assert ran == {
        "int_demandes_survie": "success",
        "int_ind_demande_survie": "success",
        "controles_int_demandes_survie": "pass",
    }, ran


def test_h1_rows_by_cut_where_the_spells_are(survie):
    _, _, lignes = survie
    assert lignes.select("annee", "trimestre").unique().rows() == [(2025, 4)]
    cles = sorted(lignes.select("niveau_geo", "code_geo", "modalite").unique().rows())
    assert cles == [
        ("COMMUNE", "06004", "typologie=T2"),
        ("COMMUNE", "06022", "typologie=T2"),
        ("EPCI", EPCI, "ensemble"),
        ("EPCI", EPCI, "prioritaire=NON"),
        ("EPCI", EPCI, "prioritaire=OUI"),
        ("SECTEUR", "PETITES", "typologie=T2"),  # Antibes is its own sector: no SECTEUR row
    ]
    epci = lignes.filter(niveau_geo="EPCI", modalite="ensemble")
    valeur = dict(zip(epci["indicateur"], epci["valeur"], strict=True))
    for nom, mois in (("1an", 12), ("2ans", 24), ("3ans", 36), ("5ans", 60)):
        assert abs(valeur[f"H1_{nom}"] - vraie_incidence(mois)) < 0.02, nom
        assert valeur[f"H1_{nom}_bas"] < valeur[f"H1_{nom}"] < valeur[f"H1_{nom}_haut"]
    assert valeur["H1_delai_50"] == pytest.approx(50.3, abs=3)
    assert epci["denominateur"].unique().to_list() == [12_000]
    # attributions as known at t: those signed after it (the history runs a month longer) are not counted
    attributions = _parcours(12_000).filter(statut="attribuee", date_fin=pl.col("date_fin").clip(upper_bound=T))
    assert epci["numerateur"][0] == attributions.height
    assert epci["libelle_geo"][0].startswith("Communauté d'agglomération")

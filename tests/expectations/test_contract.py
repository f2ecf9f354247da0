"""The contracts as data: they load, they are coherent, and the generated doc is current."""

from pathlib import Path

import pytest

from expectations.contract import FORBIDDEN_COLUMNS, all_contracts, codes, communes, condition_fr, contract, feed_for
from expectations.contract_doc import render

ROOT = Path(__file__).resolve().parents[2]


def test_every_feed_of_the_contract_is_declared():
    assert [c.feed for c in all_contracts()][0] == "bailleurs"
    assert {c.feed for c in all_contracts()} == {
        "bailleurs",
        "sne_demandes",
        "sne_radiations",
        "rpls",
        "mouvements",
        "programmes",
        "positionnements",
        "cal",
        "bilan_flux",
        "engagements_cia",
    }


@pytest.mark.parametrize(
    "name, feed",
    [
        ("sne_demandes_20251031.csv", "sne_demandes"),
        ("sne_radiations_20251031.csv", "sne_radiations"),
        ("rpls_2025.csv", "rpls"),
        ("rpls_900000001_2025.csv", "rpls"),
        ("mouvements_900000001_202510.csv", "mouvements"),
        ("programmes_20251015.csv", "programmes"),
        ("positionnements_202510.csv", "positionnements"),
        ("cal_900000001_202510.csv", "cal"),
        ("bilan_flux_900000001_2025.csv", "bilan_flux"),
        ("engagements_cia_2025.csv", "engagements_cia"),
        ("bailleurs.csv", "bailleurs"),
        ("sne_demandes_2025103.csv", None),
        ("SNE_DEMANDES_20251031.csv", None),
        ("notes.txt", None),
    ],
)
def test_file_names_dispatch_to_their_feed(name, feed):
    found = feed_for(name)
    assert (found.feed if found else None) == feed


def test_file_dates_follow_the_name():
    assert str(contract("mouvements").file_info("mouvements_900000001_202402.csv").date) == "2024-02-29"
    assert str(contract("rpls").file_info("rpls_2025.csv").date) == "2025-01-01"
    assert contract("rpls").file_info("rpls_900000001_2025.csv").siren == "900000001"


def test_no_personal_column_reaches_the_warehouse_by_name():
    for c in all_contracts():
        names = {col.warehouse_name for col in c.columns}
        assert not names & FORBIDDEN_COLUMNS, c.feed


def test_radiations_inherit_the_demand_columns_declared_once():
    dem, rad = contract("sne_demandes"), contract("sne_radiations")
    assert rad.column("revenu_mensuel") is dem.column("revenu_mensuel")
    assert {r.name for r in rad.rules} >= {"enfants_et_personnes"}


def test_code_lists_hold_the_official_codes():
    assert list(codes()["typologie_demande"]) == ["C", "T1", "T2", "T3", "T4", "T5", "T6P"]
    assert set(codes()["reservataire"]) == {"PPRIOR", "PFONCT", "COLACT", "COLTER", "AUTRES", "AUCUN"}
    assert len(codes()["motif_demande"]) == 23


def test_communes_seed_has_the_24_communes_with_their_sector():
    rows = communes()
    assert len(rows) == 24 and sum(int(r["population_municipale"]) for r in rows) == 183_991
    small = [r for r in rows if int(r["population_municipale"]) < 2000]
    assert {r["code_secteur"] for r in small} == {"PETITES"}


def test_generated_contract_doc_is_current():
    assert (ROOT / "docs" / "contrats.md").read_text(encoding="utf-8") == render(), (
        "regenerate with: python -m expectations.contract_doc > docs/contrats.md"
    )


@pytest.mark.parametrize(
    "predicate, french",
    [
        ("decision = 'ATTRIBUTION_RANG'", "decision vaut ATTRIBUTION_RANG"),
        ("reponse_candidat in ('ACCEPTE', 'REFUSE')", "reponse_candidat vaut ACCEPTE ou REFUSE"),
        ("c in ('A', 'B', 'C')", "c vaut A, B ou C"),
        ("_siren_fichier is null", "le nom du fichier ne donne pas le SIREN du bailleur"),
        ("a = 'X' and b = 'Y'", "a = 'X' and b = 'Y'"),  # no plain wording: given as written
    ],
)
def test_conditional_requirements_read_in_french(predicate, french):
    assert condition_fr(predicate) == french


def test_every_conditional_requirement_of_the_contracts_has_a_french_wording():
    raw = [c.required_if for k in all_contracts() for c in k.columns if c.required_if]
    assert raw and all(condition_fr(p) != p for p in raw)

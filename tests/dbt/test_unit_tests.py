"""dbt unit tests (formulas on hand-made rows), run against the real DuckDB: one pytest per unit test."""

from __future__ import annotations

import json

import pytest

from assets.dbt import dbt_project, ensure_manifest
from expectations.catalogue import catalogue
from tests.dbt.conftest import dbt


def _unit_tests() -> list[str]:
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return sorted(n["name"] for n in manifest.get("unit_tests", {}).values())


@pytest.fixture(scope="module")
def unit_results(empty_warehouse):
    out, results = dbt(empty_warehouse, "test", "--select", "test_type:unit")
    return {r["unique_id"].split(".")[-1]: r for r in results}, out.stdout


@pytest.mark.parametrize("name", _unit_tests())
def test_dbt_unit_test(name, unit_results):
    results, log = unit_results
    assert name in results, log[-2000:]
    assert results[name]["status"] == "pass", results[name].get("message") or log[-2000:]


def test_there_are_unit_tests():
    assert len(_unit_tests()) >= 3


def test_every_indicator_of_the_catalogue_has_a_unit_test():
    """INDICATORS.md Appendix A (the catalogue seed): each `indicateur` value is expected by at least one dbt
    unit test on hand-computed rows."""
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tested = {
        row["indicateur"]
        for u in manifest["unit_tests"].values()
        for row in (u["expect"].get("rows") or [])
        if "indicateur" in row
    }
    assert sorted({i.indicateur for i in catalogue()} - tested) == []


def test_every_model_and_seed_has_a_data_test():
    """Keys, accepted values or relationships guard every model and seed (data tests, run in production)."""
    ensure_manifest()
    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    guarded = {
        n.get("attached_node") or n["depends_on"]["nodes"][0]
        for n in nodes.values()
        if n["resource_type"] == "test" and n["depends_on"]["nodes"]
    }
    unguarded = [n["name"] for k, n in nodes.items() if n["resource_type"] in ("model", "seed") and k not in guarded]
    assert unguarded == []


def test_the_long_table_encoding_is_tested_once_before_the_published_table_is_built():
    """fct_indicateurs holds int_indicateurs' rows: the encoding test runs on int_indicateurs (a failure skips
    the published table) and on each indicator model, not again on the published copy."""
    ensure_manifest()
    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    encoded = sorted(
        n["attached_node"].split(".")[-1]
        for n in nodes.values()
        if n["resource_type"] == "test" and n.get("test_metadata", {}).get("name") == "encodage_indicateurs"
    )
    indicator_models = sorted(
        n["name"] for n in nodes.values() if n["resource_type"] == "model" and n["name"].startswith("int_ind_")
    )
    assert encoded == sorted([*indicator_models, "int_indicateurs"])

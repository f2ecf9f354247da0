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


def _int_indicateurs_parents(nodes: dict) -> set[str]:
    return set(nodes["model.observatoire.int_indicateurs"]["depends_on"]["nodes"])


def test_every_model_and_seed_has_a_data_test():
    """Keys, accepted values or relationships guard every model and seed (data tests, run in production). An
    indicator model (int_ind_*) is guarded by the encoding test on int_indicateurs, the union of all their rows
    (see the next test)."""
    ensure_manifest()
    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    guarded = {
        n.get("attached_node") or n["depends_on"]["nodes"][0]
        for n in nodes.values()
        if n["resource_type"] == "test" and n["depends_on"]["nodes"]
    }
    guarded |= _int_indicateurs_parents(nodes)
    unguarded = [n["name"] for k, n in nodes.items() if n["resource_type"] in ("model", "seed") and k not in guarded]
    assert unguarded == []


def test_the_long_table_encoding_is_tested_once_on_the_union_of_the_indicator_models():
    """The encoding test runs once, on int_indicateurs, which is the union of every indicator model: a key
    twice in one model is twice in the union and every other rule holds row by row, so a test per model (20
    more dbt nodes, ~40 ms of CPU and three Dagster events each) checked nothing more. A failure skips
    fct_indicateurs (int_indicateurs' rows less the reason), which is not tested a second time."""
    ensure_manifest()
    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    encoded = sorted(
        n["attached_node"].split(".")[-1]
        for n in nodes.values()
        if n["resource_type"] == "test" and n.get("test_metadata", {}).get("name") == "encodage_indicateurs"
    )
    indicator_models = {
        k for k, n in nodes.items() if n["resource_type"] == "model" and n["name"].startswith("int_ind_")
    }
    assert encoded == ["int_indicateurs"]
    assert indicator_models <= _int_indicateurs_parents(nodes)

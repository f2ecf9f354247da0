"""The Dagster wiring: definitions load and validate, assets materialize for real, the sensor."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from assets.ingest.feeds import FEED_ASSETS, asset_key
from assets.settings import SettingsResource
from expectations.suites_gen import FCT_COLUMNS
from pipelines.definitions import defs
from pipelines.sensors import boite_de_depot
from tests.conftest import FIXTURE_NAMES, FIXTURE_NUMEROS, drop

ROOT = Path(__file__).resolve().parents[2]
GROUPS = {"ingestion", "staging", "intermediate", "publication"} | {
    f"marts_{a}" for a in ("demande", "attributions", "commission", "parc", "indicateurs")
}


def test_dagster_definitions_validate():
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    out = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "All code locations passed validation" in out.stdout + out.stderr


def test_the_long_table_shows_its_columns_with_types_and_french_descriptions():
    """The analyst reads fct_indicateurs' columns in the Dagster UI: the contract's names, order and types,
    each with its French description."""
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key.path[-1] == "fct_indicateurs")
    columns = spec.metadata["dagster/column_schema"].columns
    assert [c.name for c in columns] == FCT_COLUMNS
    assert [c.type for c in columns] == ["integer"] * 2 + ["varchar"] * 5 + ["double"] * 3 + ["varchar"]
    french = {"le", "la", "les", "de", "du", "des", "une", "un"}
    assert all(french & set(c.description.split()) for c in columns), [c.description for c in columns]


def test_every_asset_has_a_description_a_group_and_kinds():
    specs = list(defs.resolve_all_asset_specs())
    assert {s.key for s in specs} >= {asset_key("sne_demandes"), asset_key("sne_radiations"), asset_key("bailleurs")}
    for s in specs:
        assert s.description and len(s.description) > 40, s.key
        assert s.group_name in GROUPS, (s.key, s.group_name)
        assert s.kinds, s.key
    # every mart area of DESIGN.md holds its facts or dimensions
    assert {g for g in GROUPS if g.startswith("marts_")} <= {s.group_name for s in specs}


def test_feed_assets_materialize_on_the_fixture_drop(home, key_env):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(FEED_ASSETS, resources={"parametres": SettingsResource(home=str(home))}, instance=instance)
    assert result.success
    meta = {
        m.asset_key: m.metadata
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    }
    assert meta[asset_key("sne_demandes")]["dagster/row_count"].value == 6
    assert meta[asset_key("sne_radiations")]["dagster/row_count"].value == 4
    assert meta[asset_key("bailleurs")]["fichiers_traites"].value == 1
    assert "id_demande" in meta[asset_key("sne_demandes")]["apercu"].value
    # nothing personal in the run's logs or metadata
    logs = "\n".join(str(e.dagster_event or "") + (e.user_message or "") for e in instance.all_logs(result.run_id))
    for secret in FIXTURE_NUMEROS + FIXTURE_NAMES:
        assert secret not in logs


def test_a_feed_logs_the_outcome_of_all_its_files_in_one_entry(home, key_env):
    """Each log entry costs a write to the instance's SQLite event log (~10 ms): the demo's 1 068 files
    cost seconds when each file had its own entry. The feed's entry names every file with its outcome."""
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(FEED_ASSETS, resources={"parametres": SettingsResource(home=str(home))}, instance=instance)
    assert result.success
    entries = [
        e.user_message
        for e in instance.all_logs(result.run_id)
        if e.step_key == "raw__sne_demandes" and e.dagster_event is None and "lignes chargées" in e.user_message
    ]
    assert len(entries) == 1
    assert entries[0].splitlines() == [
        "sne_demandes_20250131.csv : chargé, 3 lignes chargées, 0 en quarantaine",
        "sne_demandes_20250228.csv : chargé, 3 lignes chargées, 2 en quarantaine",
    ]


def _settle(path: Path) -> None:
    past = time.time() - 60
    for p in path.iterdir():
        os.utime(p, (past, past))


def test_sensor_requests_one_run_for_all_new_files(home):
    _settle(home / "inbox")
    (home / "inbox" / "notes.txt").write_text("pas un flux")
    first = boite_de_depot(dg.build_sensor_context(cursor=None))
    assert len(first.run_requests) == 1
    again = boite_de_depot(dg.build_sensor_context(cursor=first.cursor))
    assert not again.run_requests
    (home / "inbox" / "sne_demandes_20250131.csv").unlink()
    drop(home, "sne_demandes_20250131.csv")  # a new file arrives...
    fresh = boite_de_depot(dg.build_sensor_context(cursor=again.cursor))
    assert not fresh.run_requests  # ...and is still being copied (too recent)
    _settle(home / "inbox")
    settled = boite_de_depot(dg.build_sensor_context(cursor=again.cursor))
    assert len(settled.run_requests) == 1
    assert settled.run_requests[0].run_key != first.run_requests[0].run_key


def test_sensor_never_opens_the_warehouse(home, monkeypatch):
    import duckdb

    def forbidden(*a, **k):
        raise AssertionError("the sensor opened DuckDB")

    monkeypatch.setattr(duckdb, "connect", forbidden)
    _settle(home / "inbox")
    assert len(boite_de_depot(dg.build_sensor_context(cursor=None)).run_requests) == 1


def test_dbt_runs_get_the_settings_as_vars():
    from assets.dbt import vars_args
    from assets.settings import Settings
    from assets.transform import dbt_build_args

    settings = Settings(home=Path("/x"), seuil_secret_public=12)
    args = dbt_build_args(settings.dbt_vars())
    assert args[0] == "build" and args[args.index("--exclude") + 1] == "test_type:unit"
    i = args.index("--vars")
    assert args[i : i + 2] == vars_args(settings.dbt_vars())
    assert '"seuil_secret_public": 12' in args[i + 1]
    assert "vars:" not in (ROOT / "dbt_project" / "dbt_project.yml").read_text()  # no copy of the settings


def test_the_background_parse_of_a_first_run_is_reused_by_the_next_dbt_command(tmp_path):
    """A home's first run parses beside the ingestion; the dbt build, under the dbt asset's environment (the
    profile's memory from the settings, not DuckDB's default), then parses partially (7 s saved)."""
    from assets.dbt import DBT_DIR, PARTIAL_PARSE, dbt_command, end_parse, start_parse, wait_parse
    from assets.settings import Settings
    from assets.transform import dbt_build_args, dbt_env

    settings = Settings(home=tmp_path)
    vars_, env = settings.dbt_vars(), dbt_env(settings)
    assert env["OBSERVATOIRE_MEMOIRE_DUCKDB"] != "80%"  # the profile's default: the case that reparsed
    start_parse(tmp_path, vars_, env)
    wait_parse(tmp_path)
    end_parse(tmp_path)
    target = tmp_path / "dbt" / "target"
    assert (target / PARTIAL_PARSE).exists(), (target / "parse.log").read_text()
    out = subprocess.run(
        dbt_command("parse", *dbt_build_args(vars_)[1:3], target=target),
        cwd=DBT_DIR,
        env={**os.environ, **env},  # as the dbt asset sets it
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Unable to do partial parsing" not in out.stdout, out.stdout


def test_the_run_target_forgets_a_parse_made_in_another_project_folder(tmp_path):
    from assets.dbt import PARSED_IN, PARTIAL_PARSE, run_target

    target = run_target(tmp_path)
    (target / PARTIAL_PARSE).write_bytes(b"parse")
    assert run_target(tmp_path) == target and (target / PARTIAL_PARSE).exists()  # kept from run to run
    (target / PARSED_IN).write_text("/ailleurs/dbt_project")
    run_target(tmp_path)
    assert not (target / PARTIAL_PARSE).exists()


def test_assets_dbt_loads_by_path_as_make_install_prepares_the_manifest():
    """`dagster-dbt project prepare-and-package --file assets/dbt.py` loads the module by path, without its
    package: a relative import there broke `make install` on a fresh clone."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "assets" / "dbt.py"
    spec = importlib.util.spec_from_file_location("dbt_by_path", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DBT_DIR.name == "dbt_project"

"""What `observatoire run` does before its first step and after its last one stays cheap (issue 13: 10.5 s
outside the steps at scale 1)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import dagster as dg
import pytest
from dagster._core.storage.event_log import SqliteEventLogStorage

from assets.ingest.feeds import FEED_ASSETS
from assets.settings import load_settings
from pipelines import ahead, cli
from pipelines.ahead import forget, import_at_step, keep_after, prepare_after
from pipelines.cli import _instance, feed_files
from pipelines.eventlog import HeldEngineEventLogStorage


def _given(config: dict, feed: str):
    return config[f"raw__{feed}"]["config"]["fichiers"]


def test_each_feed_op_is_given_only_its_own_files_of_the_run():
    files = ["bailleurs.csv", "rpls_901548073_2025.csv", "bilan_flux_901548073_2025.csv", "notes.txt"]
    config = feed_files(FEED_ASSETS, files)
    assert len(config) == len(FEED_ASSETS)
    assert _given(config, "bailleurs") == ["bailleurs.csv"]
    assert _given(config, "rpls") == ["rpls_901548073_2025.csv"]
    assert _given(config, "bilan_flux") == ["bilan_flux_901548073_2025.csv"]
    assert _given(config, "mouvements") == []  # no file of its own: it takes none


def test_without_a_list_of_files_every_feed_takes_its_settled_files():
    config = feed_files(FEED_ASSETS, None)
    assert {c["config"]["fichiers"] for c in config.values()} == {None}


def _job(n: int = 3):
    assets = [dg.asset(name=f"a{i}")(lambda: None) for i in range(n)]
    return dg.define_asset_job("j").resolve(asset_graph=dg.Definitions(assets=assets).resolve_asset_graph())


def test_the_home_event_log_keeps_one_engine_per_database_and_dagster_reads_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    instance = _instance(load_settings(tmp_path))  # writes the home's dagster.yaml, sets DAGSTER_HOME
    storage = instance.event_log_storage
    assert isinstance(storage, HeldEngineEventLogStorage)
    result = _job().execute_in_process(instance=instance)
    assert set(storage._engines) == {result.run_id, "index"}  # the run's database and the asset index
    instance.dispose()
    # Dagster's own storage (the UI's, were the file lost) reads the same events
    plain = SqliteEventLogStorage(str(tmp_path / "dagster" / "history" / "runs"))
    materialized = plain.get_logs_for_run(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    assert sorted(e.dagster_event.asset_key.path[0] for e in materialized) == ["a0", "a1", "a2"]
    assert {k.path[0] for k in plain.get_asset_keys()} == {"a0", "a1", "a2"}


def test_a_dagster_yaml_written_by_the_analyst_is_left_as_it_is(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    settings = load_settings(tmp_path)
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    _instance(settings).dispose()
    assert (settings.dagster_home / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"


def test_the_background_import_starts_with_the_dbt_step_not_before(tmp_path):
    probe = "tests.pipelines.probe_import"
    sys.modules.pop(probe, None)
    instance = dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    instance.add_event_listener(run_id, import_at_step(probe, "a2"))
    instance.report_engine_event("planned", job_name="j", run_id=run_id)  # the run's events before its first step
    _job(2).execute_in_process(instance=instance, run_id=run_id)  # steps a0 and a1 only
    assert probe not in sys.modules
    run_id = str(uuid.uuid4())
    instance.add_event_listener(run_id, import_at_step(probe, "a2"))
    _job(3).execute_in_process(instance=instance, run_id=run_id)
    deadline = time.monotonic() + 30
    while probe not in sys.modules and time.monotonic() < deadline:
        time.sleep(0.05)
    assert probe in sys.modules


def test_the_publication_is_prepared_once_between_the_dbt_step_s_success_and_the_next_step():
    prepared, started = [], []
    instance = dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    instance.add_event_listener(run_id, prepare_after("a1", lambda: prepared.append(("publication", list(started)))))
    instance.add_event_listener(
        run_id, lambda e: e.is_dagster_event and e.dagster_event.is_step_start and started.append(e.step_key)
    )
    _job(4).execute_in_process(instance=instance, run_id=run_id)
    assert [p for p in prepared if p[1][-1] == "a1"] == prepared  # after a1, before a2 started
    assert [p[0] for p in prepared] == ["publication"]


def test_the_warehouse_is_kept_open_from_the_dbt_step_s_success_to_the_end_of_the_publication(tmp_path):
    from assets import warehouse

    settings = load_settings(tmp_path)
    with warehouse.connect(tmp_path):
        pass  # the file exists
    kept_at = {}
    instance = dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    instance.add_event_listener(run_id, keep_after(settings.home, "a1", print))
    instance.add_event_listener(
        run_id,
        lambda e: (
            e.is_dagster_event
            and e.dagster_event.is_step_start
            and kept_at.setdefault(e.step_key, tmp_path.resolve() in warehouse._kept)
        ),
    )
    _job(4).execute_in_process(instance=instance, run_id=run_id)
    assert kept_at == {"a0": False, "a1": False, "a2": True, "a3": True}
    forget(settings)  # what the publication's end (or a failed run's) calls
    assert tmp_path.resolve() not in warehouse._kept


def test_a_failure_to_prepare_the_publication_does_not_fail_the_run_and_is_written_to_its_log(capsys):
    def fail():
        raise OSError("entrepôt illisible")

    instance = dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    instance.add_event_listener(run_id, prepare_after("a1", fail))
    assert _job(3).execute_in_process(instance=instance, run_id=run_id, raise_on_error=False).success
    said = capsys.readouterr().out
    assert "Travail à l'avance abandonné (préparation de la publication) : OSError: entrepôt illisible" in said


def test_the_event_log_asks_sqlite_whether_a_table_exists_until_it_does(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    storage = _instance(load_settings(tmp_path)).event_log_storage
    asked = []
    plain = SqliteEventLogStorage.has_table
    monkeypatch.setattr(SqliteEventLogStorage, "has_table", lambda self, t: asked.append(t) or plain(self, t))
    assert storage.has_table("asset_check_executions") and storage.has_table("asset_check_executions")
    assert not storage.has_table("absente") and not storage.has_table("absente")
    assert asked == ["asset_check_executions", "absente", "absente"]
    storage.wipe()
    assert storage.has_table("asset_check_executions") and asked[-1] == "asset_check_executions"


def test_the_definitions_leave_the_publication_libraries_unimported():
    """numpy, scipy and highspy (secondary suppression) are imported by a publication step, not at every start."""
    code = "import sys, pipelines.definitions; print(sorted({'numpy', 'scipy', 'highspy'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("limit", "prepared"), [(10**12, True), (0, False)])
def test_a_run_above_the_volume_limit_leaves_the_publication_s_work_ahead_to_the_publication(
    tmp_path, monkeypatch, limit, prepared
):
    import argparse

    from tests.conftest import TEST_KEY_HEX

    monkeypatch.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    (home / "inbox" / "bailleurs.csv").write_text("code_bailleur;nom\n", encoding="utf-8")
    given = []

    def pipeline(settings, files, publication):
        given.append((files, publication))
        raise OSError("arrêt du test")

    monkeypatch.setattr(cli, "run_pipeline", pipeline)
    monkeypatch.setattr(ahead, "AHEAD_MAX_BYTES", limit)
    with pytest.raises(OSError, match="arrêt du test"):
        cli.cmd_run(argparse.Namespace(home=str(home), accepter=[]), settle=False)
    [(files, publication)] = given
    assert files == ["bailleurs.csv"]
    assert (publication is not None) is prepared

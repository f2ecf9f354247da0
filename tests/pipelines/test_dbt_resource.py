"""The dbt resource starts dbt once per command: nothing before it that the project does not use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process: every subprocess started (an audit hook sees each Popen) and the CPU spent in
# Dagster's process by a dbt command of the pipelines' resource.
PROBE = """
import json, sys, time
from pathlib import Path
started = []
sys.addaudithook(lambda event, args: started.append([str(a) for a in args[1]]) if event == "subprocess.Popen" else None)
from pipelines.resources import RESOURCES
cpu = time.process_time()
invocation = RESOURCES["dbt"].cli(["debug", "--config-dir"], target_path=Path(sys.argv[1]))
invocation.wait()
dbt_runs = [a[1:] for a in started if Path(a[0]).name in ("dbt", "observatoire-dbt")]  # or its launcher
print(json.dumps({"dbt_runs": dbt_runs, "cpu_s": time.process_time() - cpu, "ok": invocation.is_successful()}))
"""


def test_a_dbt_command_starts_dbt_once_and_opens_no_adapter_in_dagster(tmp_path):
    """dagster-dbt's resource ran `dbt --version` (a whole dbt start, asking PyPI for the latest release) and
    opened a dbt adapter in Dagster's process (~2 s of CPU) before each command, for row counts and column
    metadata the project does not fetch."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["ok"]
    assert probe["dbt_runs"] == [["debug", "--config-dir"]]
    assert probe["cpu_s"] < 0.5, probe


def test_a_failing_controles_check_fails_the_dbt_step_and_is_shown_by_its_model(tmp_path, monkeypatch):
    """A merged test still blocks: a landlord of an unknown type fails the dbt step, and Dagster shows the
    failed check under the model's name with dbt's count of failing rows."""
    import dagster as dg

    from assets.ingest.schema import prepare_warehouse
    from assets.transform import dbt_models
    from assets.warehouse import connect
    from pipelines.definitions import defs

    monkeypatch.setenv("OBSERVATOIRE_HOME", str(tmp_path))
    with connect(tmp_path) as con:
        prepare_warehouse(con)
        con.execute(
            "insert into raw.bailleurs (siren, nom_bailleur, type, date_debut) "
            "values ('900000001', 'Habitat test', 'HLM', date '2020-01-01')"
        )
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        asset_selection=list(dbt_models.keys), instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = checks["controles_stg_bailleurs__bailleurs"]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.metadata["dagster_dbt/failed_row_count"].value == 1
    assert checks["controles_stg_bailleurs__rpls"].passed

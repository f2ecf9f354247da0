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
dbt_runs = [a[1:] for a in started if Path(a[0]).name == "dbt"]
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

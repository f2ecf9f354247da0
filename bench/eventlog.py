"""What one Dagster event costs in a home's SQLite storage, with and without `write_events_fast`.

    .venv/bin/python bench/eventlog.py [--actifs 200]

Each variant runs in its own process on a fresh DAGSTER_HOME: a job of N trivial assets, in-process,
as `observatoire run` does (each asset writes its start, output, materialization and success events,
and the run plans every asset first)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(n: int, fast: bool) -> dict:
    import dagster as dg

    from pipelines.eventlog import write_events_fast

    if fast:
        write_events_fast()
    assets = [dg.asset(name=f"a{i}")(lambda: None) for i in range(n)]
    job = dg.define_asset_job("j").resolve(asset_graph=dg.Definitions(assets=assets).resolve_asset_graph())
    instance = dg.DagsterInstance.get()
    start = time.perf_counter()
    result = job.execute_in_process(instance=instance)
    wall = time.perf_counter() - start
    events = len(instance.all_logs(result.run_id))
    per_event = round(1000 * wall / events, 2)
    return {"rapide": fast, "actifs": n, "evenements": events, "s": round(wall, 2), "ms_par_evenement": per_event}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--actifs", type=int, default=200)
    ap.add_argument("--variante", choices=["lent", "rapide"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.variante:
        print(json.dumps(one(args.actifs, args.variante == "rapide")))
        return
    for variant in ("lent", "rapide"):
        with tempfile.TemporaryDirectory() as home:
            (Path(home) / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            out = subprocess.run(
                [sys.executable, __file__, "--actifs", str(args.actifs), "--variante", variant],
                env={"DAGSTER_HOME": home, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                capture_output=True,
                text=True,
                check=True,
            )
            print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

"""The SQL of a home's last `dbt build` alone, without dbt (issue 13: what of dbt's CPU is DuckDB's).

    .venv/bin/python bench/dbt_sql.py --home H [--fils 2]

On a copy of the home's warehouse, runs the compiled SQL of every SQL model (as `create or replace`) and data
test (counting its rows) of the last build, in the order dbt started them (`run_results.json`), one at a time on
one connection of `--fils` DuckDB threads. Prints the total wall time and CPU and the slowest nodes. Python models
(the survival curves) are left out: their time is Python's.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dashboards.formats import nombre  # noqa: E402 - after the path

TOP = 8


def statements(target: Path) -> list[tuple[str, str]]:
    """(node id, SQL) of the last build's SQL models and data tests, in the order dbt started them."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]

    def started(result: dict) -> str:
        return next((t.get("started_at") or "" for t in result["timing"] if t["name"] == "execute"), "")

    out = []
    for result in sorted(results, key=started):
        node = manifest.get(result["unique_id"], {})
        sql = node.get("compiled_code")
        if not sql or node.get("language") == "python" or node["resource_type"] not in ("model", "test"):
            continue
        sql = sql.replace('"warehouse".', "")  # the copy is attached under another name
        if node["resource_type"] == "test":
            out.append((node["unique_id"], f"select count(*) from ({sql}) as t"))
        else:
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            out.append(
                (node["unique_id"], f"create or replace {kind} {node['relation_name'].split('.', 1)[1]} as ({sql})")
            )
    return out


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    import duckdb

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--fils", type=int, default=2, help="fils de DuckDB")
    args = parser.parse_args(argv)
    todo = statements(args.home / "dbt" / "target")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copie.duckdb"
        shutil.copy(args.home / "warehouse.duckdb", copy)
        con = duckdb.connect(str(copy), config={"threads": args.fils})
        times, start, cpu0 = [], time.perf_counter(), cpu()
        for node, sql in todo:
            t = time.perf_counter()
            con.execute(sql).fetchall()
            times.append((time.perf_counter() - t, node))
        wall, used = time.perf_counter() - start, cpu() - cpu0
        con.close()
    print(f"{len(todo)} nœuds SQL sur {args.fils} fil(s) : {nombre(wall, 2)} s, CPU {nombre(used, 2)} s")
    for seconds, node in sorted(times, reverse=True)[:TOP]:
        print(f"{nombre(seconds, 3):>6} s  {node}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""dbt's share of a run, and the proof that a change of the dbt project changes no result (issue 13).

    .venv/bin/python bench/dbt_compare.py ENTREPOT [--reference main] [--dossier D] [--repetitions 2]

ENTREPOT: the warehouse.duckdb of a home after a run (its raw tables are the input; e.g. `observatoire generate
--scale 1` of 36 months, then `observatoire run`). For the project of this checkout and that of the git
reference (`git archive`), on a copy of ENTREPOT each: `dbt parse` (the run's partial parse, as a home keeps
it), then `dbt build` as the run calls it, `--repetitions` times. Reports for each the wall time and the CPU
(user + sys of dbt and its threads: on a shared machine wall time follows the load), the per-node times of
the last build (`run_results.json`: models, data tests, the Python model), then compares every table of the
`marts` schema between the two warehouses, EXCEPT ALL both ways: the exit status is 1 when a row differs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def project_at(ref: str, into: Path) -> Path:
    """The dbt project of git `ref`, extracted into `into`/dbt_project."""
    archive = subprocess.run(["git", "archive", ref, "dbt_project"], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "dbt_project"


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def dbt(project: Path, home: Path, *args: str) -> tuple[float, float]:
    """One dbt command on `home`'s warehouse: (wall s, CPU s)."""
    from assets.dbt import DBT
    from assets.settings import load_settings
    from assets.transform import dbt_env

    target = home / "target"
    command = [DBT, *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    command += ["--target-path", str(target), "--log-path", str(target)]
    env = {**os.environ, **dbt_env(load_settings(home))}
    cpu, start = cpu_children(), time.perf_counter()
    out = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"dbt {args[0]} a échoué sur {project} :\n{out.stdout[-3000:]}")
    return wall, cpu_children() - cpu


def build(project: Path, home: Path, warehouse: Path, repetitions: int) -> dict:
    from assets.settings import load_settings
    from assets.transform import dbt_build_args

    home.mkdir(parents=True, exist_ok=True)
    shutil.copy2(warehouse, home / "warehouse.duckdb")
    args = dbt_build_args(load_settings(home).dbt_vars())
    dbt(project, home, "parse", *args[1:3])
    runs = [dbt(project, home, *args) for _ in range(repetitions)]
    results = json.loads((home / "target" / "run_results.json").read_text())["results"]
    nodes = {r["unique_id"]: r["execution_time"] for r in results}
    kinds: dict[str, list[float]] = {}
    for uid, t in nodes.items():
        kind = "python" if uid.endswith("int_demandes_survie") else uid.split(".")[0]
        kinds.setdefault(kind, []).append(t)
    return {
        "wall_s": [round(w, 2) for w, _ in runs],
        "cpu_s": [round(c, 2) for _, c in runs],
        "noeuds": {k: {"n": len(v), "s": round(sum(v), 2)} for k, v in sorted(kinds.items())},
        "lents": sorted(nodes.items(), key=lambda kv: -kv[1])[:15],
    }


def differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Every table of the marts schema: rows of a not in b, rows of b not in a (EXCEPT ALL)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")

    def tables(db: str) -> set[str]:
        sql = "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'"
        return {r[0] for r in con.execute(sql, [db]).fetchall()}

    def only_in(x: str, y: str, t: str, cols: str) -> int:
        sql = f"select {cols} from {x}.marts.{t} except all select {cols} from {y}.marts.{t}"
        return con.execute(f"select count(*) from ({sql})").fetchone()[0]

    out = {}
    for t in sorted(tables("a") | tables("b")):
        if t not in tables("a") or t not in tables("b"):
            out[t] = (-1, -1)  # a table on one side only
            continue
        cols = ", ".join(f'"{r[0]}"' for r in con.execute(f"select * from a.marts.{t} limit 0").description)
        out[t] = (only_in("a", "b", t, cols), only_in("b", "a", t, cols))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("entrepot", type=Path)
    p.add_argument("--reference", default="main")
    p.add_argument("--dossier", type=Path, default=Path("/tmp/dbt-compare"))
    p.add_argument("--repetitions", type=int, default=2)
    a = p.parse_args()
    shutil.rmtree(a.dossier, ignore_errors=True)
    reference = project_at(a.reference, a.dossier / "reference")
    report = {}
    for name, project in (("reference", reference), ("branche", ROOT / "dbt_project")):
        print(f"dbt build ({name}, {project})…", flush=True)
        report[name] = build(project, a.dossier / name / "home", a.entrepot, a.repetitions)
        print(json.dumps(report[name], indent=1), flush=True)
    diff = differences(*(a.dossier / n / "home" / "warehouse.duckdb" for n in ("reference", "branche")))
    report["differences"] = diff
    (a.dossier / "dbt_compare.json").write_text(json.dumps(report, indent=1))
    for t, (ab, ba) in diff.items():
        print(f"marts.{t}: {ab} lignes seulement dans la référence, {ba} seulement dans la branche")
    sys.exit(1 if any(d != (0, 0) for d in diff.values()) else 0)


if __name__ == "__main__":
    main()

"""How long the chance of being housed (H1) takes on a home's spells, and whether it stays linear in spells
(target at --scale 1: under 10 s added to a run).

    .venv/bin/python bench/survie.py [--home data] [--fois 1 2 4] [--essais 3] [--json FICHIER]

Expects a home after `observatoire demo` (builds no warehouse). Reads what the dbt model int_demandes_survie
reads (the EPCI's spells of int_demandes_periodes, the quarters, the communes) and times `faits_h1`, the
model's whole computation (every quarter's curves of every group, read at 1, 2, 3, 5 years, bands and 50 %
crossing), on the spells repeated 1, 2 and 4 times (copy k moved k days later, so that its times do not all
tie with the first copy's); the best of --essais runs, wall and CPU time. Then the last run's own timings of
the two H1 models, from dbt's `<home>/dbt/target/run_results.json`. Prints a table and writes a JSON report
(default `<home>/rapports/bench_survie.json`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 10
MODELS = ("int_demandes_survie", "int_ind_demande_survie")


def inputs(home: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(quarters, spells, communes) as the model reads them."""
    from assets.settings import load_settings
    from assets.warehouse import connect

    with connect(load_settings(home).home, read_only=True, say=lambda *_: None) as con:
        trimestres = con.sql("select * from intermediate.int_trimestres").pl()
        parcours = con.sql("select * from intermediate.int_demandes_periodes where dans_epci").pl()
        communes = con.sql("select * from intermediate.int_geographies where niveau_geo = 'COMMUNE'").pl()
    return trimestres, parcours, communes


def repeated(parcours: pl.DataFrame, times: int) -> pl.DataFrame:
    """The spells `times` over, copy k deposited and ended k days later (its first extraction unchanged)."""
    return pl.concat(
        parcours.with_columns(pl.col("date_depot", "date_fin") + pl.duration(days=k)) for k in range(times)
    )


def timed(trimestres, parcours, communes, trials: int) -> dict:
    from assets.survie import faits_h1

    walls, cpus = [], []
    for _ in range(trials):
        wall, cpu = time.perf_counter(), time.process_time()
        faits = faits_h1(trimestres, parcours, communes)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"parcours": parcours.height, "faits": faits.height, "s": round(min(walls), 2), "cpu_s": round(min(cpus), 2)}


def dbt_timings(home: Path) -> dict:
    """Each H1 model's execution time in the home's last dbt run (None when the run left no results)."""
    results = home / "dbt" / "target" / "run_results.json"
    if not results.exists():
        return {}
    nodes = {r["unique_id"].split(".")[-1]: r for r in json.loads(results.read_text())["results"]}
    return {m: round(nodes[m]["execution_time"], 2) for m in MODELS if m in nodes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", default="data")
    ap.add_argument("--fois", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--essais", type=int, default=3)
    ap.add_argument("--json", help="rapport JSON (défaut : <home>/rapports/bench_survie.json)")
    args = ap.parse_args()
    home = Path(args.home).resolve()
    trimestres, parcours, communes = inputs(home)
    if parcours.is_empty():
        sys.exit(f"Aucun parcours de demande dans l'entrepôt de {home} : lancer d'abord `observatoire demo`.")
    print(f"{trimestres.height} trimestres, {parcours.height} parcours de demande (EPCI)")
    print(f"{'fois':>4} {'parcours':>9} {'faits':>7} {'s':>7} {'CPU s':>7} {'s / 100 000 parcours':>21}")
    rows = []
    for k in args.fois:
        r = {"fois": k, **timed(trimestres, repeated(parcours, k), communes, args.essais)}
        r["s_par_100k_parcours"] = round(r["s"] * 100_000 / r["parcours"], 2)
        rows.append(r)
        print(f"{k:>4} {r['parcours']:>9} {r['faits']:>7} {r['s']:>7} {r['cpu_s']:>7} {r['s_par_100k_parcours']:>21}")
    dbt = dbt_timings(home)
    for model, seconds in dbt.items():
        print(f"dbt, dernier traitement : {model} {seconds} s")
    first = rows[0]["s"]
    print(f"cible : moins de {TARGET_SECONDS} s à l'échelle 1 ({'tenue' if first < TARGET_SECONDS else 'manquée'})")
    report = Path(args.json) if args.json else home / "rapports" / "bench_survie.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"trimestres": trimestres.height, "mesures": rows, "dbt": dbt}, indent=2))
    print(f"Rapport : {report}")


if __name__ == "__main__":
    main()

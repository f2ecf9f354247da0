"""How long exporting one quarter's CIL pack adds to a run (target: under 10 s at --scale 1).

    .venv/bin/python bench/export_cil.py [--home H] [--scale 1] [--trimestre AAAAT<q>]

With a home that holds no warehouse, the territory is generated at --scale and processed first (not timed).
Times, for the last publishable quarter (or --trimestre): the export itself (read the quarter, secret,
CSV, XLSX, charts) and the publication run through Dagster as `observatoire run` does it, definitions
already loaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--home", default="/tmp/bench_export_cil")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--trimestre", help="AAAAT<q> (défaut : le dernier trimestre publiable)")
    args = p.parse_args()
    from pipelines import cli

    settings = cli._settings(args.home)
    if not settings.warehouse.exists():
        print(f"Génération (--scale {args.scale}) et traitement de {settings.home} (non chronométrés)…")
        cli.cmd_generate(
            argparse.Namespace(
                out=str(settings.inbox), seed=1, scale=args.scale, debut="2024-01", fin="2026-09", defauts=False
            )
        )
        os.environ.setdefault("OBSERVATOIRE_CLE", "a1" * 32)
        cli.run_pipeline(settings, None)

    from assets.partitions import parse_quarter
    from assets.publish.cil_export import export_quarter, last_publishable
    from assets.warehouse import connect

    with connect(settings.home, read_only=True) as con:
        annee, trimestre = (
            parse_quarter(args.trimestre) if args.trimestre else last_publishable(con, dt.date.today())[:2]
        )
    start = time.perf_counter()
    export_quarter(settings, annee, trimestre, dt.date.today(), say=lambda m: None)
    alone = time.perf_counter() - start

    import pipelines.definitions  # noqa: F401  (a run has loaded them already)

    start = time.perf_counter()
    result = cli.publish_quarter(settings, annee, trimestre)
    in_run = time.perf_counter() - start
    assert result.success
    print(
        f"Pack CIL {annee}T{trimestre} : export seul {alone:.1f} s ; publication par Dagster dans un run {in_run:.1f} s"
    )


if __name__ == "__main__":
    main()

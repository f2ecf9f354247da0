"""What statistical confidentiality publishes for every quarter of a home, for both audiences, and how long it
takes: a reference to keep, then to compare with after a change of the confidentiality code that must not
change what is hidden.

    .venv/bin/python bench/secret.py [--home data] --ecrire DOSSIER     # keep the rows of every quarter
    .venv/bin/python bench/secret.py [--home data] --comparer DOSSIER   # same rows as kept? (exit 1 if not)

Expects a home after `observatoire demo`. Computes `publishable(..., reasons=True)` of every quarter of the
history for the CIL and the public in this process, one after the other (no cache), prints the time of each,
and writes or compares one Parquet file per quarter and audience (rows sorted on their key).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = ["indicateur", "niveau_geo", "code_geo", "modalite"]


def releases(home: str | None):
    """(quarter key, audience, published rows, seconds) of every quarter of the history, both audiences."""
    from assets.partitions import quarter_key
    from assets.publish.cil_sources import history
    from assets.publish.confidentiality import AUDIENCES, publishable, read_reference
    from assets.publish.public_rows import quarter_rows
    from assets.settings import load_settings
    from assets.warehouse import connect

    settings = load_settings(home)
    with connect(settings.home, read_only=True, say=lambda *_: None) as con:
        reference = read_reference(con)
        quarters = [(q, quarter_rows(con, *q)) for q in history(con)]
    for q, rows in quarters:
        for audience in AUDIENCES:
            start = time.perf_counter()
            out = publishable(rows, audience, settings, *reference, reasons=True)
            yield quarter_key(*q), audience, out.sort(KEY), time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--home", help="dossier de l'observatoire (défaut : celui de `observatoire demo`)")
    action = p.add_mutually_exclusive_group(required=True)
    action.add_argument("--ecrire", type=Path, help="dossier où garder les lignes publiées de référence")
    action.add_argument("--comparer", type=Path, help="dossier des lignes de référence à comparer")
    args = p.parse_args()
    if args.ecrire:
        args.ecrire.mkdir(parents=True, exist_ok=True)
    differ, total = [], 0.0
    for key, audience, rows, seconds in releases(args.home):
        total += seconds
        path = (args.ecrire or args.comparer) / f"{key}-{audience}.parquet"
        if args.ecrire:
            rows.write_parquet(path)
            verdict = "gardé"
        elif rows.equals(pl.read_parquet(path)):
            verdict = "identique"
        else:
            differ.append(path.name)
            verdict = "DIFFÉRENT"
        secret = rows.filter(pl.col("statut") == "secret").height
        print(f"{key} {audience:7} {seconds:6.2f} s  {rows.height:6} lignes, {secret:5} secrètes  {verdict}")
    print(f"total {total:.1f} s")
    if differ:
        sys.exit(f"Lignes publiées différentes de la référence : {', '.join(differ)}")


if __name__ == "__main__":
    main()

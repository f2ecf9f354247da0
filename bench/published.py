"""Whether a change left the published files as they were: keep a copy of a home's `published/` before the
change, run again after it, and compare.

    .venv/bin/python bench/published.py [--home data] --ecrire DOSSIER     # copy published/ to DOSSIER
    .venv/bin/python bench/published.py [--home data] --comparer DOSSIER   # same files? (exit 1 if not)

Compared file by file, both ways (a file missing on one side is a difference): CSV, JSON, JS, CSS and PNG
byte for byte; XLSX by the values of every cell of every sheet (the workbook's zip carries the time it was
written); Parquet by its schema and rows in any order (DuckDB's parallel scans write the marts' rows in an
order that changes from one run to the next); HTML byte for byte once the times the page states are blanked (the date of
a build; none is written today, the rule is kept for when one is). A run writes the same PNG bytes for the
same figure (kaleido, same Chromium).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# "généré le 05/12/2026 à 17:56", ISO timestamps: what may differ between two builds of the same data
TIMES = re.compile(
    rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?|\d{2}/\d{2}/\d{4} \xc3\xa0 \d{2}[:h]\d{2}"
)


def files(folder: Path) -> set[str]:
    """The files under `folder`, relative, without the hidden ones (temporary files, old copies)."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def xlsx_cells(path: Path) -> list:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]


def same(a: Path, b: Path) -> bool:
    suffix = a.suffix.lower()
    if suffix == ".xlsx":
        return xlsx_cells(a) == xlsx_cells(b)
    if suffix == ".parquet":
        import polars as pl

        x, y = pl.read_parquet(a), pl.read_parquet(b)
        return x.schema == y.schema and x.sort(x.columns).equals(y.sort(y.columns))
    if suffix == ".html":
        return TIMES.sub(b"", a.read_bytes()) == TIMES.sub(b"", b.read_bytes())
    return a.read_bytes() == b.read_bytes()


def differences(before: Path, after: Path) -> list[str]:
    """One French line per difference between two copies of `published/` (empty: the same)."""
    old, new = files(before), files(after)
    out = [f"absent après : {f}" for f in sorted(old - new)] + [f"nouveau : {f}" for f in sorted(new - old)]
    out += [f"différent : {f}" for f in sorted(old & new) if not same(before / f, after / f)]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", help="dossier de travail (défaut : $OBSERVATOIRE_HOME ou ./data)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--ecrire", type=Path, metavar="DOSSIER")
    g.add_argument("--comparer", type=Path, metavar="DOSSIER")
    args = p.parse_args(argv)
    from assets.settings import load_settings

    published = load_settings(args.home).published
    if args.ecrire:
        shutil.rmtree(args.ecrire, ignore_errors=True)
        shutil.copytree(published, args.ecrire, symlinks=True)
        print(f"{len(files(args.ecrire))} fichiers publiés copiés dans {args.ecrire}")
        return 0
    found = differences(args.comparer, published)
    print("\n".join(found) or f"{len(files(published))} fichiers publiés identiques à {args.comparer}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

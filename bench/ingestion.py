"""The ingestion alone, feed after feed as the run's assets do it (issue 13): wall and CPU time of each feed,
peak memory of the process, and optionally the raw tables compared with another warehouse.

    .venv/bin/python bench/ingestion.py DEPOT HOME [--flux bailleurs,sne_demandes] [--profil f.prof]
                                        [--comparer AUTRE/warehouse.duckdb] [--version main]

HOME is emptied first (only a home this script made); DEPOT's files go to its inbox by hard link. The key
is fixed (unless OBSERVATOIRE_CLE is set), so two homes loaded from the same depot can be compared:
`--comparer` runs EXCEPT ALL both ways on every raw table (the journal and the quarantine among them), clock
columns left out; `--version REV` first loads the same depot with the code of a git revision (its own
bench/ingestion.py, from `git archive`, into HOME-REV) and compares with its warehouse: the proof that a
change of the ingestion leaves its results identical. CPU time counts every thread of the process (Polars,
DuckDB).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "0123456789abcdef" * 4
MARK = ".bench_ingestion"  # a home is emptied only when it carries this mark
CLOCK = {"debut", "duree_s", "_charge_le", "recu_le", "enregistree_le"}


def ingest(depot: Path, home: Path, feeds: list[str] | None) -> None:
    from assets.ingest.loader import Ingestor, pending
    from assets.settings import load_settings
    from assets.warehouse import connect
    from expectations.contract import all_contracts

    settings = load_settings(home)
    for contract in all_contracts():
        if feeds and contract.feed not in feeds:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        with connect(home, say=lambda m: None) as con:
            files = [(p, c) for p, c in pending(settings.inbox)[0] if c.feed == contract.feed]
            Ingestor(con, settings, say=lambda m: None).ingest_inbox(files)
        print(
            f"{contract.feed:18s} {len(files):5d} fichiers  {time.perf_counter() - wall:7.2f} s  "
            f"CPU {time.process_time() - cpu:7.2f} s"
        )


def compare(a: Path, b: Path) -> int:
    """Rows of each raw table found in one warehouse and not in the other (both ways)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    tables = con.execute(
        "select table_name from duckdb_tables() where database_name = 'a' and schema_name = 'raw' order by 1"
    ).fetchall()
    differ = 0
    for (t,) in tables:
        cols = con.execute(
            "select column_name from duckdb_columns() where database_name = 'a' and schema_name = 'raw' "
            "and table_name = ? order by column_index",
            [t],
        ).fetchall()
        sel = ", ".join(c for (c,) in cols if c not in CLOCK)
        n = [
            con.execute(
                f"select count(*) from (select {sel} from {x}.raw.{t} except all select {sel} from {y}.raw.{t})"
            ).fetchall()[0][0]
            for x, y in (("a", "b"), ("b", "a"))
        ]
        print(f"{t:22s} lignes absentes de l'autre entrepôt : {n[0]} / {n[1]}")
        differ += sum(n)
    return differ


def ingest_version(rev: str, depot: Path, home: Path) -> Path:
    """The warehouse that the code of git revision `rev` makes of `depot`, in `home`."""
    with tempfile.TemporaryDirectory() as code:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", code], input=archive, check=True)
        print(f"— ingestion par la version {rev} —")
        subprocess.run([sys.executable, str(Path(code) / "bench" / "ingestion.py"), str(depot), str(home)], check=True)
    print("— ingestion par cette version —")
    return home / "warehouse.duckdb"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("depot", type=Path)
    ap.add_argument("home", type=Path)
    ap.add_argument("--flux", help="flux à charger, séparés par des virgules (défaut : tous)")
    ap.add_argument("--profil", help="écrit le profil cProfile du chargement dans ce fichier")
    ap.add_argument("--comparer", type=Path, help="entrepôt à comparer, table par table, après le chargement")
    ap.add_argument("--version", help="révision git (ex. main) qui charge le même dépôt dans HOME-REV, à comparer")
    a = ap.parse_args()
    if a.version:
        other = a.home.with_name(f"{a.home.name}-{a.version.replace('/', '-')}")
        a.comparer = ingest_version(a.version, a.depot.resolve(), other)
    if a.home.exists():
        if not (a.home / MARK).exists():
            sys.exit(f"{a.home} existe et ne vient pas de ce script : choisissez un autre dossier.")
        shutil.rmtree(a.home)
    (a.home / "inbox").mkdir(parents=True)
    (a.home / MARK).write_text("Dossier créé par bench/ingestion.py : il peut être effacé.\n", encoding="utf-8")
    (a.home / "observatoire.toml").write_text("stabilite_secondes = 0\n", encoding="utf-8")
    os.environ.setdefault("OBSERVATOIRE_CLE", KEY)
    for f in sorted(a.depot.iterdir()):
        os.link(f, a.home / "inbox" / f.name)
    feeds = a.flux.split(",") if a.flux else None
    start = time.perf_counter()
    if a.profil:
        import cProfile

        cProfile.runctx("ingest(a.depot, a.home, feeds)", globals(), locals(), a.profil)
    else:
        ingest(a.depot, a.home, feeds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"{'ingestion':18s} {time.perf_counter() - start:7.2f} s, pic de mémoire {peak / 2**20:,.0f} Mo")
    if a.comparer and compare(a.comparer, a.home / "warehouse.duckdb"):
        sys.exit("les entrepôts diffèrent")


if __name__ == "__main__":
    main()

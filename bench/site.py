"""How long building the whole public site of a quarter takes, and its size (targets at --scale 1: under
15 s, under 20 MB).

    .venv/bin/python bench/site.py [--home data] [--trimestre AAAAT<q>] [--json FICHIER] [--profil]

Expects a home after `observatoire demo` (builds no warehouse). Builds the site of the last quarter of the
history (or --trimestre) as the `site` asset does, twice, each time in a fresh process: COLD, with
`<home>/cache/public/` emptied first (the public rows of every quarter computed again, secondary suppression
included: the first run after a change of the thresholds or of the confidentiality code), then WARM (cache
filled: a monthly run). For each: wall time of the build (imports excluded), CPU time and peak RSS of the
process; then the size of `published/site/` and of the quarter's archive. Prints a table and writes a JSON
report (default `<home>/rapports/bench_site.json`). With --profil, the cold build runs under cProfile and the
functions that take the most time are printed. The home's site, archive and cache are rewritten.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS, TARGET_MB = 15, 20


def build(home: str, key: str, profile: str | None) -> None:
    """In the child process: one build of the site, its time and page count as JSON on stdout."""
    from assets.partitions import parse_quarter
    from assets.publish.site import publish_site
    from assets.settings import load_settings

    settings = load_settings(home)
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    _, pages = publish_site(settings, *parse_quarter(key), say=lambda *_: None)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps({"secondes": round(time.perf_counter() - start, 2), "pages": len(pages)}))


def measure(home: Path, key: str, profile: str | None = None) -> dict:
    """One build in a fresh process: its own wall time, the process's CPU time and peak RSS (wait4's rusage)."""
    command = [sys.executable, __file__, "--home", str(home), "--trimestre", key, "--enfant"]
    if profile:
        command += ["--profil-fichier", profile]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"La construction du site a échoué (code {child.returncode}).")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["rss_max_mo"] = round(usage.ru_maxrss / 1024, 1)  # kilobytes on Linux
    # CPU time of the whole process (imports included): on a shared machine, wall time follows the load
    result["cpu_processus_s"] = round(usage.ru_utime + usage.ru_stime, 1)
    return result


def size(folder: Path) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {"octets": sum(p.stat().st_size for p in files), "fichiers": len(files)}


def last_quarter(settings) -> str:
    from assets.partitions import quarter_key
    from assets.publish.cil_sources import history
    from assets.warehouse import connect

    with connect(settings.home, read_only=True, say=lambda *_: None) as con:
        return quarter_key(*history(con)[-1])


def report(settings, key: str, cold: dict, warm: dict) -> dict:
    from assets.publish.site import archives_dir, site_dir

    site, archive = size(site_dir(settings)), size(archives_dir(settings) / key)
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "home": str(settings.home),
        "trimestre": key,
        "machine": {"coeurs": os.cpu_count(), "charge_1_5_15_min": [round(x, 2) for x in os.getloadavg()]},
        "froid": cold,
        "chaud": warm,
        "site": site,
        "archive": archive,
        "cibles": {"secondes": TARGET_SECONDS, "mo": TARGET_MB},
        "cibles_tenues": {
            "froid": cold["secondes"] < TARGET_SECONDS,
            "chaud": warm["secondes"] < TARGET_SECONDS,
            "taille": site["octets"] < TARGET_MB * 1e6,
        },
    }


def table(r: dict) -> str:
    mb = lambda n: f"{n / 1e6:.1f} Mo"  # noqa: E731
    lines = [
        f"Site public {r['trimestre']} de {r['home']} ({r['froid']['pages']} pages ; "
        f"charge de la machine {r['machine']['charge_1_5_15_min']} sur {r['machine']['coeurs']} cœurs)",
        f"{'':28}{'durée':>10}{'CPU processus':>16}{'RSS max':>12}",
        *(
            f"{label:28}{r[k]['secondes']:>8.1f} s{r[k]['cpu_processus_s']:>14.1f} s{r[k]['rss_max_mo']:>9.0f} Mo"
            for label, k in (("à froid (cache vidé)", "froid"), ("à chaud (cache rempli)", "chaud"))
        ),
        f"published/site/ : {mb(r['site']['octets'])} en {r['site']['fichiers']} fichiers ; "
        f"archives/{r['trimestre']}/ : {mb(r['archive']['octets'])} (fichiers liés en dur avec le site)",
        f"cibles (moins de {TARGET_SECONDS} s, moins de {TARGET_MB} Mo) : "
        + ", ".join(f"{k} {'tenue' if ok else 'MANQUÉE'}" for k, ok in r["cibles_tenues"].items()),
    ]
    return "\n".join(lines)


def print_profile(path: str) -> None:
    print(f"\nProfil de la construction à froid ({path}), fonctions par temps cumulé :")
    pstats.Stats(path).sort_stats("cumulative").print_stats(25)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--home", help="dossier de l'observatoire (défaut : celui de `observatoire demo`)")
    p.add_argument("--trimestre", help="AAAAT<q> (défaut : le dernier trimestre de l'historique)")
    p.add_argument("--json", help="rapport JSON (défaut : <home>/rapports/bench_site.json)")
    p.add_argument("--profil", action="store_true", help="profiler la construction à froid (cProfile)")
    p.add_argument("--enfant", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--profil-fichier", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.enfant:
        return build(args.home, args.trimestre, args.profil_fichier)

    from assets.publish.public_rows import cache_dir
    from assets.settings import load_settings

    settings = load_settings(args.home)
    if not settings.warehouse.exists():
        sys.exit(f"Pas d'entrepôt dans {settings.home} : lancez d'abord « observatoire demo » (ou --home).")
    key = args.trimestre or last_quarter(settings)
    out = Path(args.json) if args.json else settings.reports / "bench_site.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = str(out.with_suffix(".prof")) if args.profil else None
    shutil.rmtree(cache_dir(settings), ignore_errors=True)
    cold = measure(settings.home, key, profile)
    warm = measure(settings.home, key)
    result = report(settings, key, cold, warm)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(result))
    print(f"Rapport : {out}")
    if profile:
        print_profile(profile)


if __name__ == "__main__":
    main()

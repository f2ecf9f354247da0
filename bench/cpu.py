"""Where a command's CPU goes, and when the machine's cores wait (issue 13: the limit of the one-month update).

    .venv/bin/python bench/cpu.py -- .venv/bin/observatoire run --home H

Runs the command (its output to `--journal`, `cpu.log` by default); every 50 ms, the CPU time (user +
sys) of each process of its tree, grouped by kind (the run's process, the prepared dbt, the worker processes of
the statistical secret and the site, Chromium); every quarter of a second, how many cores the whole machine kept
busy (/proc/stat: measure on an otherwise idle machine). Prints the CPU per kind, the total against the wall time,
and the busy cores per second. A process that ends between two samples loses its last 50 ms at most.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dashboards.formats import nombre  # noqa: E402 - after the path

SAMPLE_S = 0.05
CORES_EVERY = 5  # samples: the busy cores are read every 0.25 s
# the process kinds, by a word of their command line (the run's own process aside)
KINDS = {"assets.dbt_ahead": "dbt (préparé)", "multiprocessing": "auxiliaires (secret, site)", "chrom": "Chromium"}


def kind(process, root: int) -> str:
    """The kind of a process of the tree (psutil.Error when it has just ended: the caller skips it)."""
    if process.pid == root:
        return "traitement"
    line = " ".join(process.cmdline())
    return next((name for key, name in KINDS.items() if key in line), "autres")


def stat() -> tuple[int, int]:
    """All jiffies and idle jiffies (idle + iowait) of the machine since boot."""
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values), values[3] + values[4]


def watch(child: subprocess.Popen) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """CPU seconds per kind of process of the child's tree, and (seconds since start, busy cores) every 0.25 s."""
    import psutil

    root, start = psutil.Process(child.pid), time.time()
    names: dict[int, str] = {}
    seconds: dict[int, float] = {}
    cores, before, n = [], stat(), 0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            for p in (root, *root.children(recursive=True)):
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    if p.pid not in names:  # its command line is read once
                        names[p.pid] = kind(p, child.pid)
                    seconds[p.pid] = t.user + t.system
        n += 1
        if n % CORES_EVERY == 0:
            now = stat()
            jiffies = now[0] - before[0]
            busy = (jiffies - (now[1] - before[1])) / jiffies * (os.cpu_count() or 1) if jiffies else 0.0
            cores.append((time.time() - start, busy))
            before = now
        time.sleep(SAMPLE_S)
    per_kind: dict[str, float] = collections.defaultdict(float)
    for pid, name in names.items():
        per_kind[name] += seconds[pid]
    return dict(per_kind), cores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journal", type=Path, default=Path("cpu.log"), help="la sortie de la commande")
    parser.add_argument("commande", nargs=argparse.REMAINDER, help="après --")
    args = parser.parse_args(argv)
    command = args.commande[1:] if args.commande[:1] == ["--"] else args.commande
    start = time.time()
    with open(args.journal, "w", encoding="utf-8") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        per_kind, cores = watch(child)
    wall = time.time() - start
    total = sum(per_kind.values())
    for name, seconds in sorted(per_kind.items(), key=lambda kv: -kv[1]):
        print(f"CPU {nombre(seconds, 2):>6} s  {name}")
    busy = nombre(total / wall, 2)
    print(f"CPU {nombre(total, 2):>6} s en {nombre(wall, 2)} s : {busy} cœurs occupés sur {os.cpu_count()}")
    by_second: dict[int, list[float]] = collections.defaultdict(list)
    for at, busy in cores:
        by_second[int(at)].append(busy)
    print("cœurs occupés (machine entière), seconde par seconde :")
    print(" ".join(f"{s}:{nombre(sum(v) / len(v), 1)}" for s, v in sorted(by_second.items())))
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())

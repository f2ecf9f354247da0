"""The CPU report (bench/cpu.py) gives each kind of process of a command's tree its own CPU time: what showed
that the one-month update keeps 1.6 of 2 cores busy. CPU time, not wall time, is asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.bench import load_script

# a child whose command line names multiprocessing (as the secret's workers' does) burns 0.6 s of CPU, then its
# parent burns 0.3 s of its own
BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"
COMMAND = (
    "import subprocess, sys\n"
    f"subprocess.run([sys.executable, '-c', '# multiprocessing\\n' + {BURN.format(s=0.6)!r}], check=True)\n"
    + BURN.format(s=0.3)
)


def test_each_kind_of_process_gets_the_cpu_it_burnt():
    cpu = load_script("cpu")

    per_kind, cores = cpu.watch(subprocess.Popen([sys.executable, "-c", COMMAND]))

    assert 0.5 <= per_kind["auxiliaires (secret, site)"] <= 0.8
    assert 0.25 <= per_kind["traitement"] <= 0.6
    assert cores and all(0 <= busy <= cpu.os.cpu_count() for _, busy in cores)


def test_the_report_prints_the_cpu_per_kind_and_gives_the_exit_status(tmp_path, capsys):
    cpu = load_script("cpu")

    code = cpu.main(["--journal", str(tmp_path / "cpu.log"), "--", sys.executable, "-c", "raise SystemExit(3)"])

    assert code == 3
    out = capsys.readouterr().out
    assert "s  traitement" in out and "cœurs occupés sur" in out and "seconde par seconde" in out

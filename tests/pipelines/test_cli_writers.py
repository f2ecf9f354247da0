"""`observatoire run` among other writers: the writer lock a run waits for, a warehouse held by another
program, a run that waited for another (its summary counts only its own loads), a file still being copied into
the inbox, and the runs of a CLI process that vanished."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb

from assets.ingest import archive
from assets.warehouse import writer_lock
from tests.conftest import DEPOT
from tests.pipelines.test_cli import BIN, observatoire


def test_writers_wait_for_the_lock(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time; from pathlib import Path
        from assets.warehouse import writer_lock
        with writer_lock(Path({str(tmp_path)!r})):
            print("held", flush=True); time.sleep(2)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert holder.stdout.readline().strip() == "held"
    said = []
    start = time.monotonic()
    with writer_lock(tmp_path, say=said.append):
        waited = time.monotonic() - start
    assert waited > 1.0  # the holder kept the lock for 2 s after saying so
    assert said and "attente" in said[0]
    holder.wait()


def test_runs_of_a_vanished_cli_process_are_marked_failed(tmp_path, monkeypatch):
    from pipelines.cli import _fail_orphan_runs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    instance = dg.DagsterInstance.ephemeral()
    for run_id, pid in (("orphan", dead.pid), ("alive", os.getpid())):
        instance.add_run(
            dg.DagsterRun(
                job_name="observatoire",
                run_id=run_id,
                status=dg.DagsterRunStatus.STARTED,
                tags={"observatoire/pid": str(pid)},
            )
        )
    _fail_orphan_runs(instance)
    assert instance.get_run_by_id("orphan").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("alive").status == dg.DagsterRunStatus.STARTED


def test_run_stops_with_a_french_error_while_another_program_holds_the_warehouse(home, key_env):
    db = home / "warehouse.duckdb"
    duckdb.connect(str(db)).close()
    (home / "observatoire.toml").write_text("attente_entrepot_secondes = 2\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('open', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        out = observatoire("run", "--home", str(home))
    finally:
        holder.kill()
        holder.wait()
    said = out.stdout + out.stderr
    assert out.returncode == 2, said
    assert f"ouvert par un autre programme (processus {holder.pid}, python" in out.stdout
    assert "Erreur : l'entrepôt" in out.stderr and "toujours ouvert" in out.stderr
    assert "Traceback" not in said
    assert sorted(p.name for p in (home / "inbox").iterdir()) == sorted(p.name for p in DEPOT.iterdir())


def test_a_run_that_waited_for_another_reports_only_its_own_loads(home, key_env, tmp_path):
    go = tmp_path / "go"
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time; from pathlib import Path
        from assets.ingest.loader import Ingestor, pending
        from assets.settings import load_settings
        from assets.warehouse import connect, writer_lock
        home = Path({str(home)!r}); settings = load_settings(home)
        with writer_lock(home):
            print("held", flush=True)
            while not Path({str(go)!r}).exists():
                time.sleep(0.1)
            with connect(home) as con:
                files = [(p, c) for p, c in pending(settings.inbox)[0] if c.feed in ("bailleurs", "sne_demandes")]
                Ingestor(con, settings, say=lambda m: None).ingest_inbox(files)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert other.stdout.readline().strip() == "held"
    log = tmp_path / "run.log"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    with open(log, "w") as out:
        run = subprocess.Popen([str(BIN / "observatoire"), "run", "--home", str(home)], env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 120
    while "attente de sa fin" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    go.touch()  # the other run loads its files while this one waits
    assert other.wait(timeout=120) == 0
    assert run.wait(timeout=600) == 0, log.read_text()
    table = [
        line.split()[:2]
        for line in log.read_text().splitlines()
        if line.split()[:1] in (["bailleurs"], ["sne_demandes"], ["sne_radiations"])
    ]
    assert table == [["sne_radiations", "2"]], log.read_text()


def test_a_file_still_being_written_is_left_in_the_inbox(home, key_env, tmp_path):
    name = "sne_radiations_20250331.csv"
    target = home / "inbox" / name
    target.unlink()
    stop = tmp_path / "stop"
    writer = subprocess.Popen(  # a slow copy: a byte every 0.5 s until told to stop, then the rest
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time; from pathlib import Path
        data = {(DEPOT / name).read_bytes()!r}
        with open({str(target)!r}, "wb", buffering=0) as f:
            f.write(data[:200]); print("started", flush=True)
            done = 200
            while not Path({str(stop)!r}).exists() and done < len(data) - 1:
                time.sleep(0.5); f.write(data[done:done + 1]); done += 1
            f.write(data[done:])
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "started"
    try:
        out = observatoire("run", "--home", str(home))
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{name} : en cours d'écriture" in out.stdout
    assert "laissé dans la boîte de dépôt pour le prochain traitement" in out.stdout
    assert target.read_bytes() == (DEPOT / name).read_bytes()  # left whole for the next run
    assert name not in [e.fichier for e in archive.entries(home / "archive")]
    assert "sne_radiations_20250228.csv" in [e.fichier for e in archive.entries(home / "archive")]

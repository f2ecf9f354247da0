"""The fault matrix's process faults (issue 13), on real processes and the real DuckDB: an ingestion killed
with SIGKILL, two ingestions started together on one home, a disk full while the warehouse is written.

Each compares the home it leaves with a clean ingestion of the same files (two months of the small generated
territory: 83 files of every feed but programmes), in the order the run's feed assets take them: each feed's
files in one transaction, under the writer lock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assets.ingest import archive
from assets.ingest.loader import ALREADY, Ingestor, pending
from assets.settings import load_settings
from assets.warehouse import connect
from tests.conftest import SMALL_TERRITORY, TEST_KEY_HEX, dump

ROOT = Path(__file__).resolve().parents[3]
WAITING = "L'entrepôt est en cours d'écriture par un autre traitement "
TERRITORY = {**SMALL_TERRITORY, "debut": "2025-12"}
VARIES = ("debut", "duree_s", "_charge_le", "recu_le", "enregistree_le")  # clock times


def ingest_as_a_run(home: Path, say=print) -> None:
    """What the run's ingestion assets do: feed after feed, under the writer lock, the feed's inbox files
    in one transaction."""
    settings = load_settings(home)
    feeds = dict.fromkeys(c.feed for _, c in pending(settings.inbox)[0])
    for feed in feeds:
        with connect(home, say=say) as con:
            files = [(p, c) for p, c in pending(settings.inbox)[0] if c.feed == feed]
            Ingestor(con, settings, say=lambda m: None).ingest_inbox(files)


def _child(home: Path, before: str = "") -> subprocess.Popen:
    """Another process ingesting `home`'s inbox as a run does (`before`: Python run first)."""
    code = textwrap.dedent(f"""
        {before}
        from pathlib import Path
        from tests.assets.ingest.test_fault_processes import ingest_as_a_run
        ingest_as_a_run(Path({str(home)!r}), say=lambda m: print(m, flush=True))
        print("fini", flush=True)
    """)
    env = {**os.environ, "OBSERVATOIRE_CLE": TEST_KEY_HEX}
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(scope="module")
def territory(tmp_path_factory) -> Path:
    """The small generated territory's files (an inbox to copy)."""
    from pipelines.generator.api import generate

    inbox = tmp_path_factory.mktemp("territoire") / "inbox"
    generate(inbox, **TERRITORY)
    return inbox


@pytest.fixture(scope="module")
def clean(territory, tmp_path_factory) -> Path:
    """A home that ingested the territory in one undisturbed run."""
    home = tmp_path_factory.mktemp("propre") / "home"
    shutil.copytree(territory, home / "inbox")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        ingest_as_a_run(home)
    return home


def _fresh(territory: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(territory, home / "inbox")
    return home


def assert_same_as_clean(home: Path, clean: Path) -> None:
    """The same rows, quarantine and reports as the clean run; each file journaled and archived once."""
    assert dump(home / "warehouse.duckdb", VARIES, ("journal_ingestion",)) == dump(
        clean / "warehouse.duckdb", VARIES, ("journal_ingestion",)
    )
    journal = dump(home / "warehouse.duckdb", VARIES)["journal_ingestion"]
    clean_journal = dump(clean / "warehouse.duckdb", VARIES)["journal_ingestion"]
    assert [r for r in journal if r[5] != ALREADY] == clean_journal
    assert list((home / "inbox").iterdir()) == []
    versions = [(e.fichier, e.sha256) for e in archive.entries(home / "archive")]
    assert sorted(versions) == sorted((e.fichier, e.sha256) for e in archive.entries(clean / "archive"))
    reports = sorted(p.relative_to(home) for p in (home / "rapports").rglob("*.csv"))
    assert reports == sorted(p.relative_to(clean) for p in (clean / "rapports").rglob("*.csv"))
    assert all((home / r).read_bytes() == (clean / r).read_bytes() for r in reports)


def _kill_once_half_archived(child: subprocess.Popen, home: Path, files: int) -> None:
    manifest = home / "archive" / archive.MANIFEST
    deadline = time.monotonic() + 120
    while not (manifest.exists() and len(manifest.read_text().splitlines()) > files // 2):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()


def test_an_ingestion_killed_midway_is_completed_by_the_next_run_without_duplicates(
    territory, clean, tmp_path, key_env
):
    home = _fresh(territory, tmp_path)
    files = len(list(territory.iterdir()))
    child = _child(home)
    # Killed once half the files are archived: inside the batch of the landlords' monthly movements (files
    # 24 to 49), its transaction open.
    _kill_once_half_archived(child, home, files)
    left = len(list((home / "inbox").iterdir()))
    assert 0 < left < files  # killed in the middle of the ingestion
    ingest_as_a_run(home)
    assert_same_as_clean(home, clean)


def test_big_files_commit_one_by_one_and_a_run_killed_among_them_keeps_those_committed(
    territory, clean, tmp_path, key_env
):
    """Beyond COMMIT_BYTES (an extract of scale 50 and over), files commit one by one: what a transaction
    holds stays bounded. Here every file is over it: killed once half the files are archived, every file
    archived before the one being loaded is in the warehouse and out of the inbox, and the next run loads
    the rest as a clean run would."""
    home = _fresh(territory, tmp_path)
    files = len(list(territory.iterdir()))
    child = _child(home, "import assets.ingest.loader as loader; loader.COMMIT_BYTES = 1")
    _kill_once_half_archived(child, home, files)
    archived = [e.fichier for e in archive.entries(home / "archive")]
    journaled = [r[0] for r in dump(home / "warehouse.duckdb", VARIES)["journal_ingestion"]]
    inbox = {p.name for p in (home / "inbox").iterdir()}
    assert len(archived) - 1 <= len(journaled) <= len(archived) < files  # all but the one being loaded
    assert set(journaled).isdisjoint(inbox) and len(journaled) + len(inbox) == files
    ingest_as_a_run(home)
    assert_same_as_clean(home, clean)


def test_two_ingestions_started_together_on_one_home_load_each_file_once(territory, clean, tmp_path, key_env):
    home = _fresh(territory, tmp_path)
    first, second = _child(home), _child(home)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    said = {p.pid: out for p, (out, _) in zip((first, second), outs, strict=True)}
    waits = [(pid, line) for pid, out in said.items() for line in out.splitlines() if line.startswith(WAITING)]
    # Each feed takes the lock in turn, so they wait for each other feed after feed, each time saying so and
    # naming the other (« ? » when it holds the lock but has not yet written its PID beside it).
    named = {line.removeprefix(WAITING).removesuffix(" : attente de sa fin…") for _, line in waits}
    assert waits and named <= {f"(processus {pid})" for pid in said} | {"(processus ?)"}
    assert all(f"(processus {pid})" not in line for pid, line in waits)  # never itself
    assert_same_as_clean(home, clean)


def test_a_full_disk_while_writing_the_warehouse_leaves_it_as_it_was(territory, clean, tmp_path, key_env):
    home = _fresh(territory, tmp_path)
    later = tmp_path / "plus_tard"
    later.mkdir()
    for p in (home / "inbox").iterdir():  # the referential and the SNE feeds are loaded first, the rest later
        if not p.name.startswith(("bailleurs", "sne_")):
            shutil.move(p, later / p.name)
    ingest_as_a_run(home, say=lambda m: None)
    for p in later.iterdir():
        shutil.move(p, home / "inbox" / p.name)
    before = dump(home / "warehouse.duckdb")
    waiting = sorted(p.name for p in (home / "inbox").iterdir())
    # No file may grow past 100 kB (every input file is smaller): the first feed's commit, the landlords'
    # 850 dwellings, cannot write its WAL. SIGXFSZ ignored, the write fails as on a full disk (ENOSPC).
    limit = 100_000
    child = _child(
        home,
        "import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))",
    )
    out, err = child.communicate(timeout=300)
    assert child.returncode == 1
    assert err.strip().splitlines()[-1] == (
        "assets.warehouse.WarehouseWriteFailed: écriture de l'entrepôt impossible (disque plein) : rien de cette "
        "étape n'y est enregistré, il est resté tel qu'il était ; libérez de la place sur le disque puis relancez "
        "le traitement"
    )
    assert dump(home / "warehouse.duckdb") == before
    assert sorted(p.name for p in (home / "inbox").iterdir()) == waiting  # nothing lost
    ingest_as_a_run(home, say=lambda m: None)  # the disk freed, the next run loads them
    assert_same_as_clean(home, clean)

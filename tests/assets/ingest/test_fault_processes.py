"""The fault matrix's process faults (issue 13), on real processes and the real DuckDB: an ingestion killed
with SIGKILL, two ingestions started together on one home, a disk full while the warehouse is written.

Each compares the home it leaves with a clean ingestion of the same files (the small generated territory:
146 files of every feed), in the order the run's feed assets take them: each feed's files in one
transaction, under the writer lock.
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
    generate(inbox, **SMALL_TERRITORY)
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


def test_an_ingestion_killed_midway_is_completed_by_the_next_run_without_duplicates(
    territory, clean, tmp_path, key_env
):
    home = _fresh(territory, tmp_path)
    child = _child(home)
    manifest = home / "archive" / archive.MANIFEST
    # Killed once 50 of the 146 files are archived: inside the batch of the landlords' monthly movements.
    deadline = time.monotonic() + 120
    while not (manifest.exists() and len(manifest.read_text().splitlines()) > 50):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = len(list((home / "inbox").iterdir()))
    assert 0 < left < 146  # killed in the middle of the ingestion
    ingest_as_a_run(home)
    assert_same_as_clean(home, clean)

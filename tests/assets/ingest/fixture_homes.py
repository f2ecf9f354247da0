"""Homes built from a folder of hand-written feed fixtures beside the SNE depot, shared by the feed tests
(test_feeds_parc, test_feeds_commission)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from assets.ingest.loader import ALREADY
from tests.assets.ingest.test_loader import ingest
from tests.conftest import DEPOT, TEST_KEY_HEX, dump


@dataclass(frozen=True)
class FixtureFolder:
    folder: Path
    depot: tuple[str, ...] | None = None  # depot files copied first; None: the whole depot

    def new_home(self, root: Path, *files: str) -> Path:
        """A home whose inbox holds the depot files and the given fixtures."""
        home = root / "home"
        if self.depot is None:
            shutil.copytree(DEPOT, home / "inbox")
        else:
            (home / "inbox").mkdir(parents=True)
            for f in self.depot:
                shutil.copy(DEPOT / f, home / "inbox")
        self.put(home, *files)
        return home

    def put(self, home: Path, *files: str) -> None:
        for f in files:
            shutil.copy(self.folder / f, home / "inbox" / f)

    def loaded_drop(self, root: Path, files: list[str]) -> tuple[Path, dict]:
        """A home holding `files`, ingested once with the test key: (home, {file: report})."""
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
            home = self.new_home(root, *files)
            reports = {r.fichier: r for r in ingest(home)}
        return home, reports

    def assert_reingesting_changes_nothing(self, home: Path, files: list[str]) -> None:
        """`home` holds `files`: once loaded, dropping them again changes nothing."""
        ingest(home)
        before = dump(home / "warehouse.duckdb", exclude_tables=("journal_ingestion",))
        self.put(home, *files)
        reports = ingest(home)
        assert [r.statut for r in reports] == [ALREADY] * len(files)
        assert dump(home / "warehouse.duckdb", exclude_tables=("journal_ingestion",)) == before

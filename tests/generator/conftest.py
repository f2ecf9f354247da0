"""One scale-1 territory on the default window per test session, parsed once."""

from __future__ import annotations

import pytest

from pipelines.generator.api import generate

from .filecheck import parse_folder, rows_by_feed


@pytest.fixture(scope="session")
def territory(tmp_path_factory):
    """(report, folder) of ``generate(seed=1, scale=1, 2024-01..2026-09)``."""
    out = tmp_path_factory.mktemp("territoire")
    report = generate(out)
    return report, out


@pytest.fixture(scope="session")
def parsed(territory):
    """Every file of the territory, parsed, by feed."""
    return parse_folder(territory[1])


@pytest.fixture(scope="session")
def feeds(parsed):
    """Every row of every file of the territory, by feed (strings; ``_file``, ``_line``)."""
    return rows_by_feed(parsed)

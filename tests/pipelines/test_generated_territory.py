"""The generator and the ingestion agree: a clean territory loads whole, injected faults are
quarantined exactly where the generator says it put them."""

from __future__ import annotations

import duckdb
import pytest

from assets.ingest.loader import LOADED, Ingestor, pending
from assets.settings import load_settings
from assets.warehouse import connect
from pipelines.generator.api import generate

SMALL = dict(seed=3, scale=0.05, debut="2025-10", fin="2026-01")


def ingest(home):
    settings = load_settings(home)
    with connect(home) as con:
        ing = Ingestor(con, settings, say=lambda m: None)
        return [ing.ingest_inbox_file(p, c) for p, c in pending(settings.inbox)[0]]


@pytest.mark.parametrize("defauts", [False, True], ids=["propre", "defauts"])
def test_generated_drop_loads_and_quarantines_exactly_the_injected_faults(tmp_path, key_env, defauts):
    report = generate(tmp_path / "inbox", defauts=defauts, **SMALL)
    reports = ingest(tmp_path)
    assert len(reports) == len(report.files)
    assert all(r.statut == LOADED for r in reports), [(r.fichier, r.message) for r in reports if r.statut != LOADED]
    quarantined = {r.fichier: r.lignes_quarantaine for r in reports if r.lignes_quarantaine}
    expected = {k: v for k, v in report.quarantaine_attendue.items() if v}
    assert quarantined == expected
    if defauts:
        assert sum(expected.values()) > 10
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        loaded = con.execute("select sum(lignes_chargees + lignes_ignorees) from raw.journal_ingestion").fetchall()[0][
            0
        ]
    finally:
        con.close()
    assert loaded > 2000

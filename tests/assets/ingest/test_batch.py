"""A feed's new files merge in one pass (merge_batch) and big files are read by chunks: the warehouse must be
the one the files make loaded one by one, on the real Ingestor and DuckDB."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from assets.ingest import reader
from assets.ingest.loader import Ingestor, _with_meta, pending
from assets.ingest.merge import Part, merge_batch, merge_file
from assets.settings import load_settings
from assets.warehouse import connect
from expectations.contract import feed_for
from pipelines.generator.api import generate
from tests.assets.ingest.test_fault_processes import VARIES, ingest_as_a_run
from tests.assets.ingest.test_feeds_commission import COMMISSION
from tests.assets.ingest.test_loader import ingest
from tests.conftest import DEPOT, SMALL_TERRITORY, dump


@pytest.fixture(scope="module")
def territory(tmp_path_factory):
    """Four months of the small territory, with the generator's realistic defects (bad rows, duplicate keys
    within and across files, conflicting re-sends)."""
    folder = tmp_path_factory.mktemp("territory")
    generate(folder, **SMALL_TERRITORY, defauts=True)
    return folder


def home_with(root, *folders):
    home = root / "home"
    (home / "inbox").mkdir(parents=True)
    for folder in folders:
        for f in folder.iterdir():
            shutil.copy(f, home / "inbox" / f.name)
    return home


@pytest.mark.parametrize("source", ["territory", "commission"])
def test_a_feed_s_files_merged_in_one_pass_make_the_warehouse_of_the_files_merged_one_by_one(
    source, territory, tmp_path, key_env
):
    folders = (territory,) if source == "territory" else (DEPOT, COMMISSION)
    one_by_one, batched = home_with(tmp_path / "a", *folders), home_with(tmp_path / "b", *folders)
    ingest(one_by_one)  # one transaction and one merge per file
    ingest_as_a_run(batched, say=lambda m: None)  # one transaction per feed, its new files merged together
    assert dump(batched / "warehouse.duckdb", VARIES) == dump(one_by_one / "warehouse.duckdb", VARIES)


@pytest.mark.parametrize(
    "files",
    [
        ["cal_900000001_202503.csv", "cal_900000001_202502.csv"],  # a later month's answers stand
        ["cal_900000001_202502.csv", "cal_900000001_202503.csv"],  # a later month's answer replaces
        ["positionnements_202503.csv", "positionnements_202502.csv"],  # an event's first version stands
    ],
)
def test_a_batch_merges_as_its_files_one_after_the_other_in_any_order(files, tmp_path, key_env):
    """Whatever the order (an inbox gives the names' order; an earlier month re-sent comes after)."""
    outcomes = []
    for how in ("one_by_one", "batch"):
        home = home_with(tmp_path / how, DEPOT)
        settings = load_settings(home)
        with connect(home) as con:
            ingestor = Ingestor(con, settings, say=lambda m: None)
            ingestor.ingest_inbox(pending(settings.inbox)[0])
            contract = feed_for(files[0])
            parts = []
            for name in files:
                result, _ = ingestor.read(name, (COMMISSION / name).read_bytes(), contract)
                rows = _with_meta(result, contract, name, "sha", dt.datetime(2025, 4, 1))
                parts.append(Part(contract.file_info(name), rows))
            if how == "batch":
                merged = merge_batch(con, contract, parts)
            else:
                merged = [merge_file(con, contract, p.info, p.rows) for p in parts]
            table = con.sql(f"select * from {contract.table} order by all").fetchall()
        outcomes.append((table, [(m.loaded, m.ignored, m.conflicts.rows()) for m in merged]))
    assert outcomes[1] == outcomes[0]
    assert outcomes[0][0]


def test_a_feed_s_new_files_are_inserted_in_one_statement(territory, tmp_path, key_env):
    home = home_with(tmp_path, territory)
    settings = load_settings(home)
    with connect(home) as con:
        ingestor = Ingestor(con, settings, say=lambda m: None)
        ingestor.ingest_inbox([(p, c) for p, c in pending(settings.inbox)[0] if c.feed == "bailleurs"])
        cal = [(p, c) for p, c in pending(settings.inbox)[0] if c.feed == "cal"]
        con.execute("call enable_logging('QueryLog')")
        reports = ingestor.ingest_inbox(cal)
        inserts = con.execute(
            "select count(*) from duckdb_logs where type = 'QueryLog' and message ilike 'insert into raw.cal%'"
        ).fetchone()[0]
    assert len(cal) > 10 and sum(r.lignes_chargees for r in reports) > 0
    # A statement per file cost ~20 ms at scale 1, each joining the whole table (merge.py).
    assert inserts == 1


def test_files_read_by_chunks_give_the_rows_and_quarantine_of_a_whole_read(territory, monkeypatch, key_env):
    home = home_with(territory.parent / "chunks", territory)
    settings = load_settings(home)
    with connect(home) as con:
        ingestor = Ingestor(con, settings, say=lambda m: None)
        files = pending(settings.inbox)[0]
        ingestor.ingest_inbox([(p, c) for p, c in files if c.feed == "bailleurs"])
        reads = []
        for chunks in ({}, {"CHUNK_CHARS": 2000, "CHUNK_LINES": 7}):  # ~10 lines of text, 7 records
            for name, value in chunks.items():
                monkeypatch.setattr(reader, name, value)
            reads.append([ingestor.read(p.name, p.read_bytes(), c)[0] for p, c in files if c.feed != "bailleurs"])
    rules = set()
    for whole, chunked in zip(*reads, strict=True):
        assert chunked.rows.equals(whole.rows)
        order = ["ligne", "colonne", "regle"]
        assert chunked.quarantine.sort(order).equals(whole.quarantine.sort(order))
        assert (chunked.rows_read, chunked.identical_duplicates, chunked.warnings, chunked.recoded) == (
            whole.rows_read,
            whole.identical_duplicates,
            whole.warnings,
            whole.recoded,
        )
        rules |= set(whole.quarantine["regle"])
    # bad values, bad lines, and conflicting duplicates whose values are split again from the text
    assert {"nombre_de_champs", "doublon_conflictuel", "code_inconnu"} <= rules

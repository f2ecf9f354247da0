"""A feed's new files merge in one pass (merge_batch) and big files are read by chunks: the warehouse must be
the one the files make loaded one by one, on the real Ingestor and DuckDB."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from assets.ingest import reader
from assets.ingest.dialect import decode
from assets.ingest.loader import LOADED, REJECTED, Ingestor, _with_meta, pending
from assets.ingest.merge import Part, merge_batch, merge_file
from assets.ingest.scratch import scratch
from assets.settings import load_settings
from assets.warehouse import connect
from expectations.contract import feed_for
from pipelines.generator.api import generate
from tests.assets.ingest.test_fault_processes import VARIES, ingest_as_a_run
from tests.assets.ingest.test_feeds_commission import COMMISSION
from tests.assets.ingest.test_loader import ingest, query
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


@contextlib.contextmanager
def cal_files(home: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Ingestor, list]]:
    """(the warehouse, its ingestor with the landlords loaded, the inbox's CAL files and contracts)."""
    settings = load_settings(home)
    with connect(home) as con:
        ingestor = Ingestor(con, settings, say=lambda m: None)
        ingestor.ingest_inbox([(p, c) for p, c in pending(settings.inbox)[0] if c.feed == "bailleurs"])
        yield con, ingestor, [(p, c) for p, c in pending(settings.inbox)[0] if c.feed == "cal"]


def test_a_feed_s_new_files_are_inserted_in_one_statement(territory, tmp_path, key_env):
    with cal_files(home_with(tmp_path, territory)) as (con, ingestor, cal):
        con.execute("call enable_logging('QueryLog')")
        reports = ingestor.ingest_inbox(cal)
        logged = "select count(*) from duckdb_logs where type = 'QueryLog' and message ilike ?"
        inserts = con.execute(logged, ["insert into raw.cal%"]).fetchone()[0]
        journal = con.execute(logged, ["insert into raw.journal_ingestion%"]).fetchone()[0]
    assert len(cal) > 10 and sum(r.lignes_chargees for r in reports) > 0
    # A statement per file cost ~20 ms at scale 1, each joining the whole table (merge.py); a journal row
    # ~0.8 ms a file.
    assert (inserts, journal) == (1, 1)


def test_files_read_by_chunks_give_the_rows_and_quarantine_of_a_whole_read(territory, monkeypatch, key_env):
    home = home_with(territory.parent / "chunks", territory)
    settings = load_settings(home)
    with connect(home) as con:
        ingestor = Ingestor(con, settings, say=lambda m: None)
        files = pending(settings.inbox)[0]
        ingestor.ingest_inbox([(p, c) for p, c in files if c.feed == "bailleurs"])
        reads = []
        for chunks in ({}, {"CHUNK_BYTES": 2000, "CHUNK_LINES": 7}):  # ~10 lines of text, 7 records
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


def test_a_feed_s_new_small_files_are_checked_in_one_pass(territory, tmp_path, key_env):
    """The rules of the CAL contract run once for the batch's files, not once per file (~12 ms each)."""
    with cal_files(home_with(tmp_path, territory)) as (_, ingestor, cal):
        with scratch() as db:  # where the reader evaluates the contract's SQL rules
            db.execute("call truncate_duckdb_logs()")
            db.execute("call enable_logging('QueryLog')")
        try:
            reports = ingestor.ingest_inbox(cal)
        finally:
            with scratch() as db:
                checks = "select count(*) from duckdb_logs where type = 'QueryLog' and message ilike ?"
                passes = db.execute(checks, ["select % from t where %"]).fetchone()[0]
                db.execute("call disable_logging()")
    assert len(cal) > 10 and all(r.statut == LOADED for r in reports)
    assert passes == 1


CAL = (COMMISSION / "cal_900000001_202503.csv").read_text(encoding="utf-8")
CAL_HEADER, *CAL_LINES = CAL.splitlines()


def _cal(month: str, text: str, encoding: str = "utf-8") -> tuple[str, bytes]:
    return f"cal_900000001_2025{month}.csv", text.encode(encoding)


def _reordered(text: str) -> str:
    """The same file with its first two columns swapped (another header: read in its own pass)."""
    rows = [line.split(";") for line in text.splitlines()]
    return "\n".join(";".join([r[1], r[0], *r[2:]]) for r in rows) + "\n"


MIXED_CAL = dict(
    [
        _cal("01", CAL),  # its answers of March are after its own date: quarantined
        _cal("04", CAL),
        _cal("05", CAL, "utf-16"),  # rejected whole
        _cal("06", CAL.replace("decision;", "")),  # a required column missing: rejected whole
        _cal("07", ""),  # empty: rejected whole
        _cal("08", _reordered(CAL)),
        _cal("09", "\n".join([CAL_HEADER, *CAL_LINES[:2], CAL_LINES[1] + '"a;\nb"', *CAL_LINES[2:]]) + "\n"),
        _cal("10", CAL.replace("PPRIOR", "Réservé"), "cp1252"),  # unknown codes, read as Windows-1252
        _cal("11", CAL_HEADER + "\n"),  # header only
        _cal("12", "\r\n".join([CAL_HEADER, *CAL_LINES, CAL_LINES[0].replace("ACCEPTE", "REFUSE")]) + "\r\n"),
        ("cal_900000099_202503.csv", CAL.encode()),  # a landlord absent from the referential: rejected whole
    ]
)


def test_files_read_together_keep_each_file_s_own_outcome(tmp_path, key_env):
    """CAL files of every kind in one batch: each is rejected, quarantined and counted as when loaded alone,
    with its own line numbers and its own date; the warehouse is the one of the files loaded one by one."""
    homes = {}
    for how in ("one_by_one", "together"):
        home = homes[how] = home_with(tmp_path / how, DEPOT)
        for name, data in MIXED_CAL.items():
            (home / "inbox" / name).write_bytes(data)
        if how == "together":
            ingest_as_a_run(home, say=lambda m: None)
        else:
            ingest(home)
    assert dump(homes["together"] / "warehouse.duckdb", VARIES) == dump(
        homes["one_by_one"] / "warehouse.duckdb", VARIES
    )
    journal = dict(query(homes["together"], "select fichier, statut from raw.journal_ingestion where flux = 'cal'"))
    rejected = {n for n in MIXED_CAL if n[-6:-4] in ("05", "06", "07") or "099" in n}
    assert {n for n, s in journal.items() if s == REJECTED} == rejected
    assert {n for n, s in journal.items() if s == LOADED} == set(MIXED_CAL) - rejected
    future = query(
        homes["together"],
        "select distinct fichier, raison from raw.quarantaine where regle = 'date_future' and flux = 'cal' "
        "order by all",
    )
    assert future and {f for f, _ in future} == {"cal_900000001_202501.csv"}
    assert all("(2025-01-31)" in r for _, r in future)
    # The lines after a field quoted over two lines keep their own numbers.
    quoted = query(
        homes["together"],
        "select ligne, regle from raw.quarantaine where fichier = 'cal_900000001_202509.csv' order by all",
    )
    alone = query(
        homes["together"],
        "select ligne, regle from raw.quarantaine where fichier = 'cal_900000001_202504.csv' order by all",
    )
    # Its line 3 again, then a last field quoted over lines 4-5: a conflicting duplicate of line 3.
    assert quoted == [(3, "doublon_conflictuel"), (4, "doublon_conflictuel")] + [(n + 2, r) for n, r in alone]


def _extract(territory: Path, copies: int) -> tuple[str, bytes]:
    """The territory's last SNE extract (~530 lines, with accents: a UCS-2 text once decoded), its lines
    `copies` times, in UTF-8 and CRLF."""
    path = sorted(territory.glob("sne_demandes_*.csv"))[-1]
    header, *body = decode(path.read_bytes())[0].splitlines()
    return path.name, "\r\n".join([header, *body * copies, ""]).encode("utf-8")


def test_a_big_file_is_decoded_by_chunks_and_never_held_whole_as_text(territory, monkeypatch, key_env):
    """Whole, a national SNE extract (520 MB) became a 1 GB text, as UCS-2 for its accents, then as much again
    for its copy with LF line ends: the run peaked at 9.2 GiB at scale 250 (issue 13)."""
    name, data = _extract(territory, 12)
    assert not data.isascii() and len(data) > 10**6
    home = home_with(territory.parent / "decoded", territory)
    with connect(home) as con:
        ingestor = Ingestor(con, load_settings(home), say=lambda m: None)
        ingestor.ingest_inbox([(p, c) for p, c in pending(home / "inbox")[0] if c.feed == "bailleurs"])
        monkeypatch.setattr(reader, "CHUNK_BYTES", 16_384)
        ingestor.read(name, data, feed_for(name))  # the caches of a first read (references, contracts) filled
        tracemalloc.start()
        try:
            result, rejection = ingestor.read(name, data, feed_for(name))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert rejection is None and result.rows_read > 6_000
    # Python's objects only (the text's pieces, not the frames: Polars' own memory); whole, 8 times the file
    assert peak < len(data) / 2


def test_a_file_read_by_chunks_loads_the_warehouse_of_one_pass_with_its_quarantine_lines(
    territory, tmp_path, monkeypatch, key_env
):
    """Chunk boundaries fall anywhere (CRLF and CR alone, UTF-8 and Windows-1252): the warehouse is the one a
    whole read makes, and each bad line is quarantined under its own line number."""
    name, data = _extract(territory, 3)
    lines = data.split(b"\r\n")
    lines[500] = lines[500].rsplit(b";", 1)[0]  # line 501: a field missing
    lines[1500] = lines[1500].replace(b";", b";;", 1)  # line 1501: a field too many
    crlf = b"\r\n".join(lines)
    variants = {  # three extracts of other dates
        "sne_demandes_20250731.csv": crlf,
        "sne_demandes_20250831.csv": crlf.replace(b"\r\n", b"\r"),
        "sne_demandes_20250930.csv": crlf.decode("utf-8").encode("cp1252", errors="replace"),
    }
    homes = []
    for chunk in (None, 4_096):
        home = tmp_path / str(chunk)
        (home / "inbox").mkdir(parents=True)
        shutil.copy(sorted(territory.glob("bailleurs*.csv"))[0], home / "inbox")
        for n, content in variants.items():
            (home / "inbox" / n).write_bytes(content)
        if chunk:
            monkeypatch.setattr(reader, "CHUNK_BYTES", chunk)
        ingest(home)
        homes.append(home)
    assert dump(homes[1] / "warehouse.duckdb", VARIES) == dump(homes[0] / "warehouse.duckdb", VARIES)
    quarantined = query(homes[1], "select fichier, ligne, regle from raw.quarantaine where regle = 'nombre_de_champs'")
    for n in variants:
        assert {(f, ligne) for f, ligne, _ in quarantined if f == n} >= {(n, 501), (n, 1501)}

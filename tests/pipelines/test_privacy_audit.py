"""The privacy audit: after a whole run on a generated territory (the main job as `observatoire run` runs it,
on the home's Dagster instance, then the publication of its quarter), no name, first name, birth date or
clear numéro unique of the input files is found anywhere the run writes: every table and column of the
warehouse, every journal and report of the home, every file under published/ (CSV, XLSX and its XML parts,
HTML, JSON, PNG text chunks, Parquet copies), and every event, run config and tag of the home's Dagster
instance. The personal values are read from the archive, which keeps the received files unchanged by design
(their SHA-256 checked against its manifest): it is the one place allowed to keep them, with the key."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import html
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
from PIL import Image, PngImagePlugin

from assets.dbt import run_target
from assets.ingest import archive
from assets.ingest.dialect import decode
from assets.settings import load_settings
from expectations.contract import feed_for
from pipelines.jobs import MAIN_JOB, PUBLICATION_JOB
from pipelines.summary import run_summary

# Kinds of personal value, as the assertion message names them (never the value: its first 2 characters).
NAME, BIRTH, NUMERO = "nom ou prénom", "date de naissance", "numéro unique"
# Not searched: the home's inputs (the archive, the key), and dbt's copies of the project's own code (the
# compiled SQL and the parse state: 20 MB, a third of the search's time, where no row is ever written).
NOT_OUTPUTS = ("archive", "secret")
# found without importing GX (~5 s)
GX_STATIC = Path(find_spec("great_expectations").origin).parent / "render" / "view" / "static"
DBT_CODE = {"compiled", "run", "manifest.json", "semantic_manifest.json", "partial_parse.msgpack", "graph.gpickle"}
WORD = re.compile(r"\w+")
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{2})/(\d{2})/(\d{4})")
# Its candidates in a text, the digits either side checked in Python: 8 times faster than look-arounds.
DATE_CANDIDATE = re.compile(r"\d\d(?:\d\d-\d\d-\d\d|/\d\d/\d\d\d\d)")
JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass
class Personal:
    """Every personal value of the input files, by kind: names as written, birth dates in ISO form,
    numéros uniques in upper case."""

    names: set[str] = field(default_factory=set)
    births: set[str] = field(default_factory=set)
    numeros: set[str] = field(default_factory=set)
    years_only: int = 0  # birth dates given as a year alone: a year is not searched (any count or date holds one)
    # Birth dates that a non-personal column also gives (a date, or the first or last day of a month or year
    # it gives, as the models derive them): one found in an output cannot be told from it, so it is not searched.
    ambiguous: set[str] = field(default_factory=set)

    def add(self, kind: str, value: str) -> None:
        value = value.strip()
        if not value:
            return
        if kind == NUMERO:
            self.numeros.add(value.upper())
        elif kind == BIRTH:
            if iso := _iso(value):
                self.births.add(iso)
            else:
                self.years_only += 1
        else:
            self.names.add(value)

    def set_aside(self, given: set[str]) -> None:
        self.ambiguous = self.births & given
        self.births -= given


def _iso(text: str) -> str | None:
    """A date in either written form of the contracts (AAAA-MM-JJ, JJ/MM/AAAA) as AAAA-MM-JJ."""
    m = DATE.fullmatch(text)
    if m is None:
        return None
    y, mo, d = m.group(1, 2, 3) if m.group(1) else m.group(6, 5, 4)
    return f"{y}-{mo}-{d}"


def _dates(text: str) -> Iterator[str]:
    """The dates written in a text (not inside a longer run of digits), as AAAA-MM-JJ."""
    for m in DATE_CANDIDATE.finditer(text):
        a, b = m.span()
        if not (a and text[a - 1].isdigit()) and not (b < len(text) and text[b].isdigit()):
            yield _iso(m.group(0))


def _kind(type_: str) -> str:
    if type_ == "numero_unique":
        return NUMERO
    return BIRTH if type_.startswith("date") else NAME


def _given(type_: str, value: str) -> set[str]:
    """The dates a non-personal value gives: itself, or the first and last day of its month or year."""
    value = value.strip()
    if type_ == "date":
        return {d for d in [_iso(value)] if d}
    if type_ == "month" and re.fullmatch(r"\d\d/\d{4}", value):
        y, m = int(value[3:]), int(value[:2])
        return {f"{y}-{m:02d}-01", f"{y}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"} if 1 <= m <= 12 else set()
    if type_ == "year" and re.fullmatch(r"\d{4}", value):
        return {f"{value}-01-01", f"{value}-12-31"}
    return set()


def personal_values(archive_root: Path) -> Personal:
    """The values of the contracts' personal columns in every received file of the archive."""
    found, given = Personal(), set()
    for entry in archive.entries(archive_root):
        data = (archive_root / entry.chemin).read_bytes()
        assert archive.sha256(data) == entry.sha256, f"{entry.chemin} n'est plus le fichier reçu"
        columns = {c.name.lower(): c for c in feed_for(entry.fichier).columns}
        header, *rows = csv.reader(decode(data)[0].splitlines(), delimiter=";")
        read = [(i, columns[h.strip().lower()]) for i, h in enumerate(header) if h.strip().lower() in columns]
        for row in rows:
            for i, c in read:
                if i >= len(row):
                    continue
                if c.personal:
                    found.add(_kind(c.type), row[i])
                else:
                    given |= _given(c.type, row[i])
    found.set_aside(given)
    return found


class Search:
    """Finds personal values in text: names as whole words (case-insensitive, Unicode), birth dates in both
    written forms, numéros uniques anywhere inside a run of letters and digits (a hash, an identifier)."""

    def __init__(self, personal: Personal):
        self.personal = personal
        self.names = {
            n: (set(WORD.findall(n.lower())), re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE))
            for n in personal.names
        }
        self.lengths = {len(n) for n in personal.numeros}
        self.tokens = re.compile(rf"[0-9A-Z]{{{min(self.lengths, default=1)},}}")  # runs that may hold one

    def __call__(self, text: str) -> list[tuple[str, str]]:
        # as the value would read once the HTML entities and JSON escapes (\u00e9, \/) are undone
        text = JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(text)).replace("\\/", "/")
        words = set(WORD.findall(text.lower()))  # a name's words must all be there: most are not
        hits = [(NAME, n) for n, (parts, rx) in self.names.items() if parts <= words and rx.search(text)]
        hits += [(BIRTH, d) for d in set(_dates(text)) & self.personal.births]
        for m in self.tokens.finditer(text.upper()) if self.lengths else ():
            token = m.group(0)
            for n in self.lengths:
                windows = {token[i : i + n] for i in range(len(token) - n + 1)}
                hits += [(NUMERO, v) for v in windows & self.personal.numeros]
        return sorted(set(hits))


@dataclass(frozen=True)
class Hit:
    where: str
    kind: str
    value: str

    def __str__(self) -> str:  # a hit's value is personal data: its kind and first 2 characters only
        return f"{self.where} : {self.kind} « {self.value[:2]}… »"


def _hits(where: str, text: str, search: Search) -> list[Hit]:
    return [Hit(where, k, v) for k, v in search(text)]


def _text(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _column_text(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> str:
    """A column's name and its distinct values cast to text (dates and numbers as written)."""
    cells = con.execute(f'select distinct cast("{column}" as varchar) from {relation}').fetchall()
    return "\n".join([column] + [c[0] for c in cells if c[0] is not None])


def warehouse_hits(db: Path, search: Search) -> list[Hit]:
    """Every table's and column's name, and every cell of every column."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        hits = []
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns order by all"
        ).fetchall()
        for schema, table, column in columns:
            text = table + "\n" + _column_text(con, f'"{schema}"."{table}"', column)
            hits += _hits(f"{db.name} {schema}.{table}.{column}", text, search)
        return hits
    finally:
        con.close()


def _parts(path: Path) -> Iterator[tuple[str, str]]:
    """(part, text) of a file, read as its format allows: each XML part of a workbook, each column of a
    Parquet file, the text chunks of a PNG, otherwise the whole file as text."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                yield f"!{name}", _text(z.read(name))
    elif path.suffix == ".parquet":
        relation = f"read_parquet('{path}')"
        with duckdb.connect() as con:
            for (column,) in con.execute(f"select column_name from (describe select * from {relation})").fetchall():
                yield f" colonne {column}", _column_text(con, relation, column)
    elif path.suffix == ".png":
        with Image.open(path) as image:
            yield " (métadonnées)", json.dumps(image.text, ensure_ascii=False)
    else:
        yield "", _text(path.read_bytes())


def outputs(home: Path) -> Iterator[Path]:
    """Every file of the home but its inputs, dbt's copies of the project's code and the files Great
    Expectations copies unchanged from its package into its docs site."""
    dbt_code = [run_target(home) / name for name in DBT_CODE]
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        if path.relative_to(home).parts[0] in NOT_OUTPUTS or any(path.is_relative_to(c) for c in dbt_code):
            continue
        if not _packaged(path):
            yield path


def _packaged(path: Path) -> bool:
    """A file of GX's docs site identical to the one its package ships (`static/images/...gif`: its bytes,
    read as text, once spelled a generated first name)."""
    if "static" not in path.parts:
        return False
    shipped = GX_STATIC.joinpath(*path.parts[path.parts.index("static") + 1 :])
    return shipped.is_file() and shipped.read_bytes() == path.read_bytes()


def file_hits(home: Path, search: Search) -> list[Hit]:
    hits = []
    for path in outputs(home):
        rel = path.relative_to(home)
        if path.suffix == ".duckdb":
            hits += warehouse_hits(path, search)
            continue
        for part, text in _parts(path):
            hits += _hits(f"{rel}{part}", text, search)
    return hits


def event_hits(dagster_home: Path, search: Search) -> list[Hit]:
    """Every event record of every run of the instance, with each run's config and tags."""
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    hits = []
    for run in instance.get_runs():
        where = f"run Dagster {run.run_id[:8]} ({run.job_name})"
        hits += _hits(f"{where} config et tags", json.dumps([run.run_config, run.tags], default=str), search)
        for record in instance.get_records_for_run(run.run_id).records:
            hits += _hits(f"{where} événement {record.storage_id}", dg.serialize_value(record.event_log_entry), search)
    return hits


def audit(home: Path, personal: Personal) -> list[Hit]:
    """Every place of the home's outputs, and of its Dagster instance, where a personal value shows."""
    search = Search(personal)
    hits = file_hits(home, search)
    if (home / "dagster" / "dagster.yaml").exists():
        hits += event_hits(home / "dagster", search)
    return hits


def report(hits: list[Hit], personal: Personal) -> str:
    return (
        f"{len(hits)} valeurs personnelles trouvées ({len(personal.ambiguous)} dates de naissance non cherchées, "
        "aussi données par une colonne non personnelle) :\n" + "\n".join(map(str, hits[:200]))
    )


# --- the audit of a whole run ---------------------------------------------------------------------------


def test_no_personal_value_of_the_inputs_reaches_any_output(warehouse, published_quarter):
    personal = personal_values(warehouse / "archive")
    # every kind is searched, in numbers that say the inputs were read
    assert len(personal.numeros) > 500 and len(personal.births) > 500 and len(personal.names) > 50
    assert len(personal.ambiguous) <= len(personal.births) // 50, sorted(d[:4] for d in personal.ambiguous)
    # every kind of output is there to search: the run's and the publication's events, each file format
    instance = dg.DagsterInstance.from_config(str(warehouse / "dagster"))
    assert {r.job_name for r in instance.get_runs()} >= {MAIN_JOB, PUBLICATION_JOB}
    assert {p.suffix for p in outputs(warehouse)} >= {".duckdb", ".log", ".csv", ".xlsx", ".html", ".json", ".png"}
    console = console_summary(warehouse, instance, published_quarter)
    assert "Pack CIL 2025T4" in console
    hits = audit(warehouse, personal) + _hits("résumé du traitement (console)", console, Search(personal))
    assert not hits, report(hits, personal)


def console_summary(home: Path, instance: dg.DagsterInstance, published) -> str:
    """The summary `observatoire run` prints after this run: from the journal, the main job's check
    evaluations in the instance and the publication's result."""
    (run,) = instance.get_runs(filters=dg.RunsFilter(job_name=MAIN_JOB))
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    return run_summary(load_settings(home), dt.datetime(2000, 1, 1), evaluations, published)


# --- the audit finds a planted value, wherever the run could write it -------------------------------------

PLANTED = Personal(names={"Zoë", "Da Silva"}, births={"1931-07-29"}, numeros={"00607251234567890K"})


def _xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Zoëlle"  # not the name Zoë: a whole word only
    wb.properties.creator = "Zoë"
    wb.save(path)


def _png(path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("Description", "demande 00607251234567890K", zip=True)
    Image.new("RGB", (2, 2)).save(path, pnginfo=info)


def _duckdb(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create table marts.t (n bigint, d date)")
        con.execute("insert into marts.t values (11931, date '1931-07-29'), (19310729, null)")


def _parquet(path: Path) -> None:
    with duckdb.connect() as con:
        con.execute(f"copy (select ['x-00607251234567890K-1'] as ids, 1931 as a) to '{path}' (format parquet)")


def _event(home: Path) -> None:
    @dg.asset
    def refus(context) -> None:
        context.log.info("dossier de Da Silva")

    (home / "dagster").mkdir()
    (home / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dg.materialize([refus], instance=dg.DagsterInstance.from_config(str(home / "dagster")))


# Each writes one personal value (and near misses: a longer word, a longer number) where the audit must find it.
PLANTS = {
    "published/site/donnees.json": lambda p: p.write_text('{"naissance": "29\\/07\\/1931", "n": 11931}'),
    "journaux/run.log": lambda p: p.write_text("ligne 3 : DA SILVA, Da Silvano\n", encoding="cp1252"),
    "published/site/index.html": lambda p: p.write_text("<p>Zo&euml;</p>"),
    "published/interne/suivi.xlsx!docProps/core.xml": lambda p: _xlsx(p.parent / "suivi.xlsx"),
    "published/cil/chart.png (métadonnées)": lambda p: _png(p.parent / "chart.png"),
    "warehouse.duckdb marts.t.d": lambda p: _duckdb(p.parent / "warehouse.duckdb"),
    "published/donnees/t.parquet colonne ids": lambda p: _parquet(p.parent / "t.parquet"),
    "run Dagster": lambda p: _event(p.parent),
}


@pytest.mark.parametrize("where", PLANTS)
def test_the_audit_finds_a_personal_value_planted_in_an_output(tmp_path, where):
    home = tmp_path / "home"
    path = home / where.split(" ")[0].split("!")[0]
    path.parent.mkdir(parents=True)
    PLANTS[where](path)
    hits = audit(home, PLANTED)
    assert any(h.where.startswith(where) for h in hits), report(hits, PLANTED)
    ((kind, value),) = {(h.kind, h.value) for h in hits}  # the planted value alone (a Dagster run also
    # writes its log lines in the run's SQLite file and compute log)
    message = report(hits, PLANTED)
    assert f"{kind} « {value[:2]}… »" in message and value not in message

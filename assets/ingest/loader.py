"""Load received files into the warehouse's `raw` tables.

For each file: hash, archive unchanged, read against its contract (reader.py), then in one
transaction apply the feed's merge policy (merge.py), quarantine bad rows and log the ingestion. A file already
loaded with the same hash changes nothing; a failed load leaves the warehouse as it was and the file
in the inbox.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from expectations.contract import Contract, all_contracts, communes_epci, feed_for
from expectations.mapping import all_mappings

from ..settings import Settings
from ..warehouse import scalar
from . import archive
from .dialect import FileRejected
from .merge import merge_file
from .parse import Context
from .pseudonym import Key, KeyProblem, Pseudonymizer, load_key
from .reader import ReadResult, read
from .schema import EXTRA_COLUMNS, prepare_warehouse

LOADED, REJECTED, ALREADY = "chargé", "rejeté", "déjà chargé"
# Files read ahead while the previous ones are merged: reading is pure and mostly in Polars, which
# releases the GIL, so on 2 cores it overlaps the DuckDB work (bounded, to bound memory).
READ_AHEAD = 4

def open_key(con: duckdb.DuckDBPyConnection, home: Path, warn: Callable[[str], None]) -> Key:
    """The pseudonymization key, checked against the fingerprint the warehouse stores."""
    stored = scalar(con, "select empreinte from raw.cle_pseudonymisation")
    empty = stored is None and scalar(con, "select count(*) from raw.journal_ingestion") == 0
    key, created = load_key(home, create=empty)
    if created:
        warn(f"Clé de pseudonymisation créée : {key.origin} (à sauvegarder ; sans elle l'historique ne se raccorde plus)")
    if stored is None:
        con.execute("insert into raw.cle_pseudonymisation values (?, current_timestamp)", [key.fingerprint])
    elif stored != key.fingerprint:
        raise KeyProblem(
            f"la clé de pseudonymisation ({key.origin}) n'est pas celle de l'entrepôt (empreinte "
            f"{key.fingerprint} au lieu de {stored}) : l'historique ne se raccorderait plus. Restaurez la "
            "bonne clé, ou changez de clé en rejouant l'archive (observatoire rejouer)"
        )
    return key


@dataclass
class FileReport:
    fichier: str
    flux: str
    sha256: str
    statut: str
    encodage: str = ""
    lignes_lues: int = 0
    lignes_chargees: int = 0
    lignes_ignorees: int = 0
    lignes_quarantaine: int = 0
    doublons_identiques: int = 0
    avertissements: list[str] = field(default_factory=list)
    message: str = ""
    rapport: Path | None = None
    quarantaine: pl.DataFrame | None = field(default=None, repr=False)


class Ingestor:
    """Loads files into one open warehouse connection (the caller holds the writer lock)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, say: Callable[[str], None] = print,
                 warn: Callable[[str], None] | None = None):
        self.con, self.settings, self.say = con, settings, say
        prepare_warehouse(con)
        self.pseudonymize = Pseudonymizer(open_key(con, settings.home, warn or say))
        # Loaded before any file moves: a wrong mapping file stops the run with its French error.
        self.mappings = all_mappings()
        personal = {c.feed for c in all_contracts() if c.personal}
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        for e in archive.purge(settings.archive, personal, settings.retention_archive_mois, now):
            say(f"archive : {e.fichier} purgé (conservation {settings.retention_archive_mois} mois)")
        self._refresh()

    def _refresh(self) -> None:
        """What the warehouse already holds, read once (and again after a rollback)."""
        journal = self.con.execute("select fichier, sha256, statut from raw.journal_ingestion").fetchall()
        self._loaded = {(f, h) for f, h, st in journal if st == LOADED}
        self._seen = {f for f, _, _ in journal}
        sirens = self.con.execute("select siren from raw.bailleurs").fetchall()
        self._bailleurs = frozenset(r[0] for r in sirens) or None

    def already_loaded(self, name: str, digest: str) -> bool:
        return (name, digest) in self._loaded

    def ingest_inbox_file(self, path: Path, contract: Contract) -> FileReport:
        """Archive, load, and take one file out of the inbox."""
        return self.ingest_inbox([(path, contract)])[0]

    def ingest_inbox(self, files: list[tuple[Path, Contract]]) -> list[FileReport]:
        """Archive and load files in one transaction; they leave the inbox once it commits, so a
        failure leaves the warehouse as it was and every file still to be loaded."""
        reports = []
        # Loading the referential changes what later files are checked against: read those in turn.
        ahead = 0 if any(c.feed == "bailleurs" for _, c in files) else READ_AHEAD
        pool = ThreadPoolExecutor(max_workers=2) if ahead else None
        queue: deque[tuple[Path, Contract, bytes, str, Future | None]] = deque()
        todo = iter(files)

        def fill() -> None:
            while len(queue) <= ahead:
                path, contract = next(todo, (None, None))
                if path is None:
                    return
                data = path.read_bytes()
                digest = archive.sha256(data)
                fresh = not self.already_loaded(path.name, digest)
                queue.append((path, contract, data, digest,
                              pool.submit(self.read, path.name, data, contract) if pool and fresh else None))

        self.con.begin()
        try:
            fill()
            while queue:
                path, contract, data, digest, reading = queue.popleft()
                fill()
                now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
                archived = archive.store(self.settings.archive, contract.feed, path.name, data, digest, now)
                if self.already_loaded(path.name, digest):
                    reports.append(FileReport(path.name, contract.feed, digest, ALREADY,
                                              message="fichier identique déjà chargé"))
                else:
                    reports.append(self.load(path.name, data, digest, contract, now, archived=archived,
                                             transaction=False, write_report=False,
                                             outcome=reading.result() if reading else None))
            self.con.commit()
        except BaseException:
            self.con.rollback()
            self._refresh()
            raise
        finally:
            if pool:
                pool.shutdown(cancel_futures=True)
        for (path, _), report in zip(files, reports):
            if report.quarantaine is not None:
                report.rapport = write_quarantine_report(self.settings.reports, report.fichier, report.quarantaine)
            path.unlink()
        return reports

    def read(self, name: str, data: bytes, contract: Contract) -> tuple[ReadResult | None, FileRejected | None]:
        """The file read against its contract and the referential, or why it is rejected (no warehouse
        access: files of a batch are read ahead, in other threads)."""
        info = contract.file_info(name)
        bailleurs = self._bailleurs
        try:
            if info.siren is not None and info.siren not in (bailleurs or ()):
                raise FileRejected(
                    "bailleur_inconnu",
                    f"bailleur {info.siren} (nom du fichier) absent du référentiel bailleurs.csv : fichier non chargé",
                    f"landlord {info.siren} not in the referential", column="nom du fichier")
            ctx = Context(info.date, communes_epci(), bailleurs)
            return read(data, contract, info, ctx, self.pseudonymize, self.mappings), None
        except FileRejected as e:
            return None, e

    def load(self, name: str, data: bytes, digest: str, contract: Contract, received: dt.datetime,
             archived: str = "", transaction: bool = True, write_report: bool = True,
             outcome: tuple[ReadResult | None, FileRejected | None] | None = None) -> FileReport:
        """`outcome`: the file's `read`, when already done."""
        start = dt.datetime.now()
        info = contract.file_info(name)
        report = FileReport(name, contract.feed, digest, LOADED)
        result, rejection = outcome or self.read(name, data, contract)
        con = self.con
        if transaction:
            con.begin()
        try:
            if name not in self._seen:
                pass  # a new name: nothing of it to replace
            elif rejection is not None:
                # Nothing of a rejected file is loaded, so the version already loaded stands, with its
                # quarantine; only the rows of earlier rejections of this name go.
                con.execute("delete from raw.quarantaine where fichier = ? and sha256 not in ("
                            "select sha256 from raw.journal_ingestion where fichier = ? and statut = ?)",
                            [name, name, LOADED])
            else:
                con.execute("delete from raw.quarantaine where fichier = ?", [name])
                # A name that carries a period replaces its earlier version; the referential's name carries
                # none: each version is upserted by key and a landlord it omits is kept.
                if info.date is not None:
                    con.execute(f"delete from {contract.table} where _fichier = ?", [name])
            if rejection is not None:
                report.statut, report.message = REJECTED, rejection.reason
                quarantine = pl.DataFrame([{
                    "ligne": rejection.line, "colonne": rejection.column, "regle": rejection.rule,
                    "raison": rejection.reason, "reason_en": rejection.reason_en, "valeurs": None}],
                    schema={"ligne": pl.Int64, "colonne": pl.String, "regle": pl.String, "raison": pl.String,
                            "reason_en": pl.String, "valeurs": pl.String})
            else:
                assert result is not None
                rows = result.rows.with_columns(
                    _fichier=pl.lit(name), _sha256=pl.lit(digest), _date_fichier=pl.lit(info.date, pl.Date),
                    _charge_le=pl.lit(received),
                )
                for extra, _ in EXTRA_COLUMNS.get(contract.feed, []):
                    rows = rows.with_columns(pl.lit(False).alias(extra))
                merged = merge_file(con, contract, info, rows)
                loaded, ignored, conflicts = merged.loaded, merged.ignored, merged.conflicts
                quarantine = pl.concat([result.quarantine, conflicts], how="diagonal_relaxed") \
                    if conflicts.height else result.quarantine
                report.encodage = result.encoding
                report.lignes_lues, report.lignes_chargees, report.lignes_ignorees = result.rows_read, loaded, ignored
                report.doublons_identiques = result.identical_duplicates
                report.avertissements = result.warnings
                if result.mapping:
                    report.message = f"(correspondance « {result.mapping} » : {result.recoded} codes locaux recodés)"
            report.lignes_quarantaine = quarantine.select("ligne").unique().height if rejection is None else 0
            if quarantine.height:
                q = quarantine.with_columns(fichier=pl.lit(name), sha256=pl.lit(digest), flux=pl.lit(contract.feed),
                                            recu_le=pl.lit(received))
                con.register("q", q)
                con.execute("insert into raw.quarantaine by name select * from q")
                con.unregister("q")
            con.execute(
                "insert into raw.journal_ingestion values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [name, contract.feed, digest, len(data), report.encodage, report.statut, report.lignes_lues,
                 report.lignes_chargees, report.lignes_ignorees, report.lignes_quarantaine,
                 report.doublons_identiques, json.dumps(report.avertissements, ensure_ascii=False),
                 report.message, archived, start, (dt.datetime.now() - start).total_seconds()])
            if transaction:
                con.commit()
        except BaseException:
            if transaction:
                con.rollback()
                self._refresh()
            raise
        self._seen.add(name)
        if report.statut == LOADED:
            self._loaded.add((name, digest))
            if contract.feed == "bailleurs":
                self._bailleurs = frozenset(r[0] for r in con.execute("select siren from raw.bailleurs").fetchall())
        report.quarantaine = quarantine
        if write_report:
            report.rapport = write_quarantine_report(self.settings.reports, name, quarantine)
        return report


def write_quarantine_report(folder: Path, name: str, quarantine: pl.DataFrame) -> Path | None:
    """The analyst's French report for one file (none when nothing was quarantined)."""
    path = folder / "quarantaine" / f"{Path(name).stem}.quarantaine.csv"
    if quarantine.height == 0:
        path.unlink(missing_ok=True)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    out = quarantine.sort("ligne", nulls_last=False).select(
        pl.col("ligne").alias("ligne"), pl.col("colonne"), pl.col("regle").alias("règle"),
        pl.col("raison"), pl.col("valeurs").alias("valeurs (hors données personnelles)"))
    path.write_bytes(b"\xef\xbb\xbf" + out.write_csv(separator=";").encode("utf-8"))
    return path


def pending(inbox: Path) -> tuple[list[tuple[Path, Contract]], list[Path]]:
    """Inbox files in processing order (landlord referential first), and files matching no feed."""
    if not inbox.exists():
        return [], []
    known, unknown = [], []
    for p in sorted(inbox.iterdir()):
        if not p.is_file() or p.name.startswith(".") or p.suffix in (".tmp", ".part"):
            continue
        c = feed_for(p.name)
        (known.append((p, c)) if c else unknown.append(p))
    known.sort(key=lambda pc: (pc[1].order, pc[0].name))
    return known, unknown

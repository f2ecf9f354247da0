"""Load received files into the warehouse's `raw` tables.

For each file: hash, archive unchanged, read against its contract (reader.py), then apply it: its
earlier version goes, its rows merge by the feed's policy (merge.py), its bad rows are quarantined and
its ingestion logged. The caller of `Ingestor.apply` holds the transaction (one per group of inbox
files up to COMMIT_BYTES, or one for a whole replay) and writes the quarantine reports once it commits.
A file identical to the current version of its name changes nothing (an earlier version restores it); a
re-send that would remove far more rows than it brings is held until the analyst accepts it; a failed
group leaves the warehouse as it was before it, and the group's files in the inbox. Every file taken
from the inbox has its journal row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from expectations.contract import Contract, FileInfo, all_contracts, communes_epci, feed_for
from expectations.contract import contract as feed_contract
from expectations.mapping import all_mappings

from ..private import private_dir, private_file
from ..settings import Settings
from ..warehouse import connect, scalar, transaction
from . import archive
from .dialect import FileRejected
from .merge import Merged, Part, joins_batch, merge_batch, merge_file
from .parse import Context
from .pseudonym import Key, KeyProblem, Pseudonymizer, load_key
from .reader import QUARANTINE_SCHEMA, ReadResult, read_batch
from .schema import EXTRA_COLUMNS, prepare_warehouse

LOADED, REJECTED, ALREADY, HELD = "chargé", "rejeté", "déjà chargé", "retenu"
# Files read ahead while the previous ones are merged: reading is pure and mostly in Polars, which
# releases the GIL, so on 2 cores it overlaps the DuckDB work (bounded, to bound memory).
READ_AHEAD = 4
# Rows of new files of one feed merged in one pass (merge.py): the many small CAL and movement files
# share one join with their table instead of one each; a big extract (a snapshot of every active demand,
# 2.6 M rows at scale 250) goes alone, so the rows held at once stay bounded. Each insert leaves its last
# row group part-filled, which the checkpoint of a later commit rewrites (DuckDB's vacuum): scale 1's 36
# SNE extracts, committed as 31 then 5, cost 0.8 s of CPU more at the connection's close with inserts of
# 200 k rows than with 400 k (one per commit), 0.07 s.
BATCH_ROWS = 400_000
# Bytes of files read ahead at once: a file takes ~15 times its size while read (a 20 MB extract of
# 106 k demands at scale 10: 320 MB), so the extracts of scale 100 and over are read one at a time.
READ_AHEAD_BYTES = 64 * 2**20
# Bytes of new files of one feed read together in one pass (reader.read_batch): read alone, each of the
# ~1,100 CAL and movement files of scale 1 (2 KB, 19 lines) cost ~14 ms of CPU, nearly all of it fixed.
READ_TOGETHER_BYTES = 4 * 2**20
# Bytes of files committed in one transaction: a transaction's memory grows with what it writes (at scale
# 50, 0.4 GB more RSS for each 100 MB extract merged in it), so an extract of scale 50 and over commits
# alone, and a feed's small files still commit together.
COMMIT_BYTES = 64 * 2**20

Outcome = tuple[ReadResult | None, FileRejected | None]  # a file's read, or why it is rejected
_Inbox = tuple[Path, Contract, bytes, str, "_Reading | None"]  # an inbox file, its bytes, digest and read


def open_key(con: duckdb.DuckDBPyConnection, home: Path, warn: Callable[[str], None]) -> Key:
    """The pseudonymization key, checked against the fingerprint the warehouse stores."""
    stored = scalar(con, "select empreinte from raw.cle_pseudonymisation")
    empty = stored is None and scalar(con, "select count(*) from raw.journal_ingestion") == 0
    key, created = load_key(home, create=empty)
    if created:
        warn(
            f"Clé de pseudonymisation créée : {key.origin} (à sauvegarder ; sans elle l'historique ne se raccorde plus)"
        )
    if stored is None:
        con.execute("insert into raw.cle_pseudonymisation values (?, current_timestamp)", [key.fingerprint])
    else:
        _same_key(key, stored)
    return key


def check_key(con: duckdb.DuckDBPyConnection, home: Path) -> None:
    """Refuses a key that is not the warehouse's before a run starts Dagster and dbt (20 to 90 s before the
    ingestion would refuse it); a new warehouse accepts any key. Changes nothing."""
    table = "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?"
    if scalar(con, table, ["cle_pseudonymisation"]):
        stored = scalar(con, "select empreinte from raw.cle_pseudonymisation")
        if stored is not None:
            _same_key(load_key(home, create=False)[0], stored)


def _same_key(key: Key, stored: str) -> None:
    if stored != key.fingerprint:
        raise KeyProblem(
            f"la clé de pseudonymisation ({key.origin}) n'est pas celle de l'entrepôt (empreinte "
            f"{key.fingerprint} au lieu de {stored}) : l'historique ne se raccorderait plus. Restaurez la "
            "bonne clé, ou changez de clé en rejouant l'archive (observatoire rejouer)"
        )


@dataclass
class FileReport:
    """One file's ingestion; the French fields are the columns of its `raw.journal_ingestion` row."""

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
    report_path: Path | None = None  # the French quarantine report, once written
    quarantine: pl.DataFrame | None = field(default=None, repr=False)  # None: the file was not applied


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Ingestor:
    """Loads files into one open warehouse connection (the caller holds the writer lock)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        settings: Settings,
        say: Callable[[str], None] = print,
        warn: Callable[[str], None] | None = None,
    ):
        self.con, self.settings, self.say = con, settings, say
        con.execute(f"set memory_limit = '{settings.memoire_duckdb_ingestion}'")
        con.execute("set allocator_background_threads = true")
        prepare_warehouse(con)
        self.pseudonymize = Pseudonymizer(open_key(con, settings.home, warn or say))
        # Loaded before any file moves: a wrong mapping file stops the run with its French error.
        self.mappings = all_mappings()
        self._purge_archive()
        self._refresh()

    def _purge_archive(self) -> None:
        """Archived files of personal feeds past the retention period go (their manifest rows stay)."""
        personal = {c.feed for c in all_contracts() if c.personal}
        months = self.settings.retention_archive_mois
        for e in archive.purge(self.settings.archive, personal, months, _utcnow()):
            self.say(f"archive : {e.fichier} purgé (conservation {months} mois)")

    def _refresh(self) -> None:
        """What the warehouse already holds, read once (and again after a rollback)."""
        journal = self.con.execute(
            "select fichier, sha256, statut from raw.journal_ingestion order by debut"
        ).fetchall()
        self._versions = {(f, h) for f, h, st in journal if st == LOADED}
        self._current = {f: h for f, h, st in journal if st == LOADED}  # the last loaded version of each name
        self._seen = {f for f, _, _ in journal}
        sirens = self.con.execute("select siren from raw.bailleurs").fetchall()
        self._bailleurs = frozenset(r[0] for r in sirens) or None

    def already_loaded(self, name: str, digest: str) -> bool:
        """Identical to the current version of that name (an earlier version is loaded again)."""
        return self._current.get(name) == digest

    def ingest_inbox_file(self, path: Path, contract: Contract) -> FileReport:
        """Archive, load, and take one file out of the inbox."""
        return self.ingest_inbox([(path, contract)])[0]

    def ingest_inbox(self, files: list[tuple[Path, Contract]], accepted: Collection[str] = ()) -> list[FileReport]:
        """Archive and load files, in one transaction for each group of them up to COMMIT_BYTES (a bigger
        file alone); a group's files leave the inbox once it commits, so a failure leaves the warehouse as
        the groups before left it, and that group's files and the later ones in the inbox. `accepted`:
        names whose re-send the analyst confirmed (applied even when far shorter than the version they
        replace)."""
        # Loading the referential changes what later files are checked against: read those in turn.
        ahead = 0 if any(c.feed == "bailleurs" for _, c in files) else READ_AHEAD
        pool = ThreadPoolExecutor(max_workers=2)  # threads start only when a read is submitted
        reports: list[FileReport] = []
        try:
            read = self._read_ahead(files, pool, ahead)
            for group in _groups(files, COMMIT_BYTES):
                with transaction(self.con, on_rollback=self._refresh):
                    batch = _Batch(self)
                    self._take_all(itertools.islice(read, len(group)), accepted, batch)
                    done = batch.flush()
                    archive.sync(self.settings.archive, batch.archived)  # before the commit lets the files go
                write_quarantine_reports(self.settings.reports, done)
                for path, _ in group:
                    path.unlink()
                reports += done
        finally:
            pool.shutdown(cancel_futures=True)
        return reports

    def _take_all(self, files: Iterable[_Inbox], accepted: Collection[str], batch: _Batch) -> None:
        """`_take` each file; in a function of its own, so that no variable keeps a file's bytes (520 MB for a
        national SNE extract) while the next group's are read."""
        for f in files:
            self._take(*f, accepted=f[0].name in accepted, batch=batch)

    def _read_ahead(self, files: list[tuple[Path, Contract]], pool: ThreadPoolExecutor, ahead: int) -> Iterator[_Inbox]:
        """Each file with its bytes, its digest and, when `ahead` and the file is new, its read started
        in the pool: consecutive new files of one feed are read together, within READ_TOGETHER_BYTES;
        while a file merges, up to `ahead` + 1 later files (or one group) are being read, within
        READ_AHEAD_BYTES; a bigger file is read in turn, once the files before it are done."""
        queue: deque[_Inbox] = deque()
        group: list[tuple[Path, Contract, bytes, str]] = []  # new files to read together
        held = together = 0  # bytes of the files in `queue` and `group`, and in `group`

        def submit() -> None:
            nonlocal together
            if group:
                job = pool.submit(self.read_many, [(p.name, d) for p, _, d, _ in group], group[0][1])
                queue.extend((*f, _Reading(job, k)) for k, f in enumerate(group))
                group.clear()
                together = 0

        for path, contract in files:
            size = path.stat().st_size
            if size + held > READ_AHEAD_BYTES:
                submit()
                yield from queue
                queue.clear()
                held = 0
            data = path.read_bytes()
            digest = archive.sha256(data)
            fresh = ahead and len(data) <= READ_AHEAD_BYTES and not self.already_loaded(path.name, digest)
            if group and (not fresh or contract is not group[0][1] or together + size > READ_TOGETHER_BYTES):
                submit()
            if fresh:
                group.append((path, contract, data, digest))
                together += len(data)
            else:
                queue.append((path, contract, data, digest, None))
            held += len(data)
            del data  # only the queue holds the bytes: they go once the queue lets them
            while len(queue) > ahead + 1:
                held -= len(queue[0][2])
                yield queue.popleft()
        submit()
        yield from queue

    def _take(
        self,
        path: Path,
        contract: Contract,
        data: bytes,
        digest: str,
        reading: _Reading | None,
        *,
        accepted: bool,
        batch: _Batch,
    ) -> None:
        """Archive one inbox file and apply it, unless this very version is the current one; a name not
        seen before joins the batch (its report comes once the batch merges)."""
        now, name = _utcnow(), path.name
        already = self.already_loaded(name, digest)
        restored = not already and (name, digest) in self._versions  # the replay must apply it again
        archived = archive.store(
            self.settings.archive, contract.feed, name, data, digest, now, restored, accepted, synced=False
        )
        batch.archived.append(archived)
        if already:
            report = FileReport(
                name, contract.feed, digest, ALREADY, message="identique à la version chargée : rien ne change"
            )
            _record(self.con, report, len(data), now, archived, dt.datetime.now())
            batch.done(report)
            return
        outcome = reading.result() if reading else None
        if name not in self._seen and contract.feed != "bailleurs":
            # New: nothing of it to replace and no re-send to hold; the referential changes what later
            # files are checked against, so it is applied at once.
            batch.add(name, len(data), digest, contract, now, archived, outcome or self.read(name, data, contract))
            return
        batch.flush_pending()  # the files before it merge first
        batch.done(self.apply(name, data, digest, contract, now, archived, outcome, accepted))

    def accept_archived(self, name: str) -> FileReport | None:
        """Apply the held re-send of `name` from the archive (the caller holds the transaction); None when
        the last version received under that name was not held."""
        last = self.con.execute(
            "select flux, sha256, archive, statut from raw.journal_ingestion where fichier = ? and statut in (?, ?) "
            "order by debut desc limit 1",
            [name, LOADED, HELD],
        ).fetchall()
        if not last or last[0][3] != HELD:
            return None
        feed, digest, rel, _ = last[0]
        data = (self.settings.archive / rel).read_bytes()
        if archive.sha256(data) != digest:
            raise RuntimeError(f"archive altérée : {rel} ne correspond plus à son SHA-256")
        now = _utcnow()
        archive.store(self.settings.archive, feed, name, data, digest, now, accepted=True)
        return self.apply(name, data, digest, feed_contract(feed), now, rel, accepted=True)

    def read(self, name: str, data: bytes, contract: Contract) -> Outcome:
        """The file read against its contract and the referential, or why it is rejected."""
        return self.read_many([(name, data)], contract)[0]

    def read_many(self, files: list[tuple[str, bytes]], contract: Contract) -> list[Outcome]:
        """Files of one feed read together, each against its contract and the referential, or why it is
        rejected (no warehouse access: files of a batch are read ahead, in other threads)."""
        bailleurs = self._bailleurs
        outcomes: list[Outcome | None] = []
        readable: list[tuple[int, bytes, FileInfo]] = []
        for i, (name, data) in enumerate(files):
            info = contract.file_info(name)
            if info.siren is not None and info.siren not in (bailleurs or ()):
                outcomes.append((None, _unknown_landlord(info.siren)))
            else:
                outcomes.append(None)
                readable.append((i, data, info))
        ctx = Context(None, communes_epci(), bailleurs)
        read = read_batch([(d, info) for _, d, info in readable], contract, ctx, self.pseudonymize, self.mappings)
        for (i, _, _), r in zip(readable, read, strict=True):
            outcomes[i] = (None, r) if isinstance(r, FileRejected) else (r, None)
        return outcomes  # type: ignore[return-value]  # every file has its outcome

    def apply(
        self,
        name: str,
        data: bytes,
        digest: str,
        contract: Contract,
        received: dt.datetime,
        archived: str = "",
        outcome: Outcome | None = None,
        accepted: bool = False,
    ) -> FileReport:
        """Load one file within the caller's transaction: its earlier version goes, its rows merge, its
        quarantine and journal row are written; a re-send far shorter than the version it replaces is held
        instead, unless `accepted`. `outcome`: the file's `read`, when already done. The caller writes the
        quarantine report (`write_quarantine_reports`) once the transaction commits."""
        start = dt.datetime.now()
        result, rejection = outcome or self.read(name, data, contract)
        held = None if accepted or result is None else self._shrinks(name, contract, result.rows.height)
        if held:
            report = FileReport(name, contract.feed, digest, HELD, result.encoding, result.rows_read, message=held)
            _record(self.con, report, len(data), received, archived, start)
            return report
        if name in self._seen:
            _forget_earlier_version(self.con, name, contract, rejected=rejection is not None)
        if rejection is not None:
            report = _rejected(name, contract, digest, rejection)
        else:
            assert result is not None
            info = contract.file_info(name)
            merged = merge_file(self.con, contract, info, _with_meta(result, contract, name, digest, received))
            report = _merged(name, digest, contract, result, merged)
        _record(self.con, report, len(data), received, archived, start)
        self._remember(report, contract)
        return report

    def _shrinks(self, name: str, contract: Contract, rows: int) -> str | None:
        """Why a re-send is held: it would replace the current version's rows (a name carrying a period
        replaces its earlier version) with none, or far fewer (the `baisse_max_renvoi` setting)."""
        date = contract.file_info(name).date
        if date is None or name not in self._current:
            return None
        before = scalar(self.con, f"select count(*) from {contract.table} where _fichier = ?", [name])
        if not before or rows >= before * (1 - self.settings.baisse_max_renvoi):
            return None
        return (
            f"renvoi non appliqué : il remplacerait les {before} lignes de {contract.feed} du {date:%d/%m/%Y} "
            f"chargées par la version actuelle par {_lines(rows)} (soit {_lines(before - rows)} en moins) ; "
            f"fichier archivé. S'il est juste : observatoire run --accepter {name}"
        )

    def _remember(self, report: FileReport, contract: Contract) -> None:
        """Keep what the warehouse holds, as seen in this transaction, for the next files."""
        self._seen.add(report.fichier)
        if report.statut == LOADED:
            self._versions.add((report.fichier, report.sha256))
            self._current[report.fichier] = report.sha256
            if contract.feed == "bailleurs":
                self._bailleurs = frozenset(
                    r[0] for r in self.con.execute("select siren from raw.bailleurs").fetchall()
                )


@dataclass(frozen=True)
class _Reading:
    """One file's share of a read of several files started in the pool."""

    job: Future[list[Outcome]]
    rank: int

    def result(self) -> Outcome:
        return self.job.result()[self.rank]


def _unknown_landlord(siren: str) -> FileRejected:
    return FileRejected(
        "bailleur_inconnu",
        f"bailleur {siren} (nom du fichier) absent du référentiel bailleurs.csv : fichier non chargé",
        f"landlord {siren} not in the referential",
        column="nom du fichier",
    )


@dataclass
class _Queued:
    """A new file read and waiting for its batch's merge."""

    name: str
    size: int
    digest: str
    result: ReadResult
    received: dt.datetime
    archived: str
    start: dt.datetime
    at: int  # its place among the batch's reports


class _Batch:
    """The reports of an inbox batch, in order, and its new files of one feed waiting to merge in one
    pass (`merge_batch`); each file is still archived, journaled, quarantined and reported on its own."""

    def __init__(self, ingestor: Ingestor):
        self.ingestor = ingestor
        self.reports: list[FileReport | None] = []
        self.archived: list[str] = []  # the files' copies in the archive, to flush to disk before the commit
        self.contract: Contract | None = None
        self.queued: list[tuple[_Queued, Part]] = []
        self.rows = 0

    def done(self, report: FileReport) -> None:
        self.reports.append(report)

    def add(
        self,
        name: str,
        size: int,
        digest: str,
        contract: Contract,
        received: dt.datetime,
        archived: str,
        outcome: Outcome,
    ) -> None:
        """A file whose name was never seen: rejected at once (nothing of it loads), else queued."""
        start = dt.datetime.now()
        ing = self.ingestor
        result, rejection = outcome
        if rejection is not None:
            report = _rejected(name, contract, digest, rejection)
            _record(ing.con, report, size, received, archived, start)
            ing._remember(report, contract)
            self.done(report)
            return
        assert result is not None
        info = contract.file_info(name)
        if contract is not self.contract or not joins_batch(contract, info, [p.info for _, p in self.queued]):
            self.flush_pending()
        self.contract = contract
        ing._seen.add(name)  # a second file of that name waits for this one (its earlier version)
        part = Part(info, _with_meta(result, contract, name, digest, received))
        self.queued.append((_Queued(name, size, digest, result, received, archived, start, len(self.reports)), part))
        self.reports.append(None)
        self.rows += part.rows.height
        if self.rows >= BATCH_ROWS:
            self.flush_pending()

    def flush_pending(self) -> None:
        """Merge the queued files in one pass, then journal each."""
        if not self.queued:
            return
        ing, contract = self.ingestor, self.contract
        assert contract is not None
        merged = merge_batch(ing.con, contract, [p for _, p in self.queued])
        queued = [q for q, _ in self.queued]
        reports = [_merged(q.name, q.digest, contract, q.result, m) for q, m in zip(queued, merged, strict=True)]
        _record_many(
            ing.con, [(r, q.size, q.received, q.archived, q.start) for r, q in zip(reports, queued, strict=True)]
        )
        for report, q in zip(reports, queued, strict=True):
            ing._remember(report, contract)
            self.reports[q.at] = report
        self.queued, self.rows = [], 0

    def flush(self) -> list[FileReport]:
        """Every file's report, once the last queued files merge."""
        self.flush_pending()
        return [r for r in self.reports if r is not None]


def _groups(files: list[tuple[Path, Contract]], limit: int) -> Iterator[list[tuple[Path, Contract]]]:
    """The files in order, by groups of consecutive files up to `limit` bytes (a bigger file alone)."""
    group: list[tuple[Path, Contract]] = []
    size = 0
    for f in files:
        n = f[0].stat().st_size
        if group and size + n > limit:
            yield group
            group, size = [], 0
        group.append(f)
        size += n
    if group:
        yield group


def _lines(n: int) -> str:
    return f"{n} ligne{'s' if n > 1 else ''}"


def _forget_earlier_version(con: duckdb.DuckDBPyConnection, name: str, contract: Contract, rejected: bool) -> None:
    """A name seen before: what its new version replaces."""
    if rejected:
        # Nothing of a rejected file is loaded, so the version already loaded stands, with its
        # quarantine; only the rows of earlier rejections of this name go.
        con.execute(
            "delete from raw.quarantaine where fichier = ? and sha256 not in ("
            "select sha256 from raw.journal_ingestion where fichier = ? and statut = ?)",
            [name, name, LOADED],
        )
        return
    con.execute("delete from raw.quarantaine where fichier = ?", [name])
    # A name that carries a period replaces its earlier version; the referential's name carries
    # none: each version is upserted by key and a landlord it omits is kept.
    if contract.file_info(name).date is not None:
        con.execute(f"delete from {contract.table} where _fichier = ?", [name])


def _rejected(name: str, contract: Contract, digest: str, rejection: FileRejected) -> FileReport:
    """Nothing of the file loads; one quarantine row says why (not counted as a quarantined row)."""
    quarantine = pl.DataFrame(
        [
            {
                "ligne": rejection.line,
                "colonne": rejection.column,
                "regle": rejection.rule,
                "raison": rejection.reason,
                "reason_en": rejection.reason_en,
                "valeurs": None,
            }
        ],
        schema=QUARANTINE_SCHEMA,
    )
    return FileReport(name, contract.feed, digest, REJECTED, message=rejection.reason, quarantine=quarantine)


def _with_meta(result: ReadResult, contract: Contract, name: str, digest: str, received: dt.datetime) -> pl.DataFrame:
    """The file's valid rows with their meta columns, ready to merge."""
    rows = result.rows.with_columns(
        _fichier=pl.lit(name),
        _sha256=pl.lit(digest),
        _date_fichier=pl.lit(contract.file_info(name).date, pl.Date),
        _charge_le=pl.lit(received),
    )
    return rows.with_columns(pl.lit(False).alias(extra) for extra, _ in EXTRA_COLUMNS.get(contract.feed, []))


def _merged(name: str, digest: str, contract: Contract, result: ReadResult, merged: Merged) -> FileReport:
    """The report of a file merged by its feed's policy."""
    quarantine = (
        pl.concat([result.quarantine, merged.conflicts], how="diagonal_relaxed")
        if merged.conflicts.height
        else result.quarantine
    )
    return FileReport(
        name,
        contract.feed,
        digest,
        LOADED,
        encodage=result.encoding,
        lignes_lues=result.rows_read,
        lignes_chargees=merged.loaded,
        lignes_ignorees=merged.ignored,
        lignes_quarantaine=quarantine.select("ligne").unique().height,
        doublons_identiques=result.identical_duplicates,
        avertissements=result.warnings,
        message=f"(correspondance « {result.mapping} » : {result.recoded} codes locaux recodés)"
        if result.mapping
        else "",
        quarantine=quarantine,
    )


def _record(
    con: duckdb.DuckDBPyConnection,
    report: FileReport,
    size: int,
    received: dt.datetime,
    archived: str,
    start: dt.datetime,
) -> None:
    """The file's quarantine rows and its journal row."""
    _record_many(con, [(report, size, received, archived, start)])


# raw.journal_ingestion's columns (schema.py), in the order of the rows `_record_many` builds.
JOURNAL_SCHEMA = {
    "fichier": pl.String,
    "flux": pl.String,
    "sha256": pl.String,
    "taille_octets": pl.Int64,
    "encodage": pl.String,
    "statut": pl.String,
    "lignes_lues": pl.Int64,
    "lignes_chargees": pl.Int64,
    "lignes_ignorees": pl.Int64,
    "lignes_quarantaine": pl.Int64,
    "doublons_identiques": pl.Int64,
    "avertissements": pl.String,
    "message": pl.String,
    "archive": pl.String,
    "debut": pl.Datetime("us"),
    "duree_s": pl.Float64,
    "date_fichier": pl.Date,
    "bailleur_siren": pl.String,
}


def _record_many(
    con: duckdb.DuckDBPyConnection, files: Sequence[tuple[FileReport, int, dt.datetime, str, dt.datetime]]
) -> None:
    """Files' quarantine rows and journal rows (with the date and landlord each name carries: the feeds'
    coverage starts at their first file), in one insert each: one insert per file cost ~0.8 ms, 1 s for
    the 1,295 files of scale 1 over 36 months. `files`: (report, size, received, archived, start)."""
    quarantines = [
        r.quarantine.with_columns(
            fichier=pl.lit(r.fichier), sha256=pl.lit(r.sha256), flux=pl.lit(r.flux), recu_le=pl.lit(received)
        )
        for r, _, received, _, _ in files
        if r.quarantine is not None and r.quarantine.height
    ]
    if quarantines:
        con.register("q", pl.concat(quarantines, how="diagonal_relaxed"))
        con.execute("insert into raw.quarantaine by name select * from q")
        con.unregister("q")
    rows = []
    for r, size, _, archived, start in files:
        info = feed_contract(r.flux).file_info(r.fichier)
        warnings = json.dumps(r.avertissements, ensure_ascii=False)
        counts = (r.lignes_lues, r.lignes_chargees, r.lignes_ignorees, r.lignes_quarantaine, r.doublons_identiques)
        elapsed = (dt.datetime.now() - start).total_seconds()
        rows.append(
            (r.fichier, r.flux, r.sha256, size, r.encodage, r.statut, *counts, warnings, r.message, archived)
            + (start, elapsed, info.date, info.siren)
        )
    con.register("j", pl.DataFrame(rows, schema=JOURNAL_SCHEMA, orient="row"))
    con.execute("insert into raw.journal_ingestion by name select * from j")
    con.unregister("j")


def write_quarantine_reports(folder: Path, reports: Iterable[FileReport]) -> None:
    """Once the transaction commits: the report of each applied file (a file found already loaded
    keeps the report of its version)."""
    for r in reports:
        if r.quarantine is not None:
            r.report_path = write_quarantine_report(folder, r.fichier, r.quarantine)


def write_quarantine_report(folder: Path, name: str, quarantine: pl.DataFrame) -> Path | None:
    """The analyst's French report for one file (none when nothing was quarantined)."""
    path = folder / "quarantaine" / f"{Path(name).stem}.quarantaine.csv"
    if quarantine.height == 0:
        path.unlink(missing_ok=True)
        return None
    private_dir(folder, path.parent)
    out = quarantine.sort("ligne", nulls_last=False).select(
        pl.col("ligne").alias("ligne"),
        pl.col("colonne"),
        pl.col("regle").alias("règle"),
        pl.col("raison"),
        pl.col("valeurs").alias("valeurs (hors données personnelles)"),
    )
    path.write_bytes(b"\xef\xbb\xbf" + out.write_csv(separator=";").encode("utf-8"))
    private_file(path)
    return path


def settled(
    files: list[tuple[Path, Contract]], seconds: float, say: Callable[[str], None]
) -> list[tuple[Path, Contract]]:
    """The files no longer being written: unchanged (size, modification time) for `seconds`. Only a run
    with files modified that recently waits, until the newest is `seconds` old; a file that changed
    meanwhile is said and left in the inbox for the next run."""

    def signature(path: Path) -> tuple[int, int] | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return st.st_size, st.st_mtime_ns

    seen = {p: signature(p) for p, _ in files}
    newest = max((s[1] / 1e9 for s in seen.values() if s), default=0.0)
    wait = newest + seconds - time.time()
    if wait <= 0:
        return files
    time.sleep(wait)
    still = [(p, c) for p, c in files if seen[p] is not None and signature(p) == seen[p]]
    for p in sorted({p for p, _ in files} - {p for p, _ in still}):
        say(
            f"{p.name} : en cours d'écriture (taille ou date de modification changée en {seconds:g} s) : laissé "
            "dans la boîte de dépôt pour le prochain traitement"
        )
    return still


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


def accept(settings: Settings, names: list[str], say: Callable[[str], None] = print) -> list[FileReport]:
    """The analyst confirms held re-sends: each named file is applied, from the inbox when dropped again,
    else its held version from the archive."""
    with connect(settings.home, say=say) as con:
        ingestor = Ingestor(con, settings, say=say)
        inbox = {p.name: (p, c) for p, c in pending(settings.inbox)[0] if p.name in names}
        reports = ingestor.ingest_inbox(list(inbox.values()), accepted=names)
        archived = []
        with transaction(con, on_rollback=ingestor._refresh):
            for name in (n for n in names if n not in inbox):
                report = ingestor.accept_archived(name)
                if report is None:
                    say(f"{name} : aucun renvoi retenu à accepter (ni dans la boîte de dépôt, ni en attente)")
                else:
                    archived.append(report)
        write_quarantine_reports(settings.reports, archived)
    return reports + archived

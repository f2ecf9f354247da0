"""Rebuild the raw tables from the archive (after a contract change or a key rotation).

The schema migration strategy is replay, not in-place migration: every archived file is loaded again
in the order it was received, in one transaction, so a failed replay leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from expectations.contract import all_contracts, contract

from ..settings import Settings
from ..warehouse import connect, transaction
from . import archive
from .loader import FileReport, Ingestor, write_quarantine_reports


def replay(settings: Settings, say: Callable[[str], None] = print) -> tuple[list[FileReport], list[archive.Entry]]:
    """Returns the reports of the files loaded again and the manifest entries that were purged."""
    entries = archive.entries(settings.archive)
    reports, purged = [], []
    with connect(settings.home, say=say) as con, transaction(con):
        _drop_raw_tables(con)
        ingestor = Ingestor(con, settings, say=say)
        for e in entries:
            if e.purge_le:
                purged.append(e)
                continue
            reports.append(
                ingestor.apply(
                    e.fichier,
                    _archived_bytes(settings, e),
                    e.sha256,
                    contract(e.flux),
                    dt.datetime.fromisoformat(e.recu_le),
                    archived=e.chemin,
                    accepted=bool(e.accepte_le),
                )
            )
    write_quarantine_reports(settings.reports, reports)
    return reports, purged


def _drop_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The feeds' tables and the ledgers, key fingerprint included (a replay may change the key)."""
    for c in all_contracts():
        con.execute(f"drop table if exists {c.table}")
    for t in ("journal_ingestion", "quarantaine", "cle_pseudonymisation"):
        con.execute(f"drop table if exists raw.{t}")


def _archived_bytes(settings: Settings, entry: archive.Entry) -> bytes:
    """An archived file, checked against the hash it was received with."""
    data = (settings.archive / entry.chemin).read_bytes()
    if archive.sha256(data) != entry.sha256:
        raise RuntimeError(f"archive altérée : {entry.chemin} ne correspond plus à son SHA-256")
    return data

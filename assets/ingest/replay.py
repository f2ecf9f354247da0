"""Rebuild the raw tables from the archive (after a contract change or a key rotation).

The schema migration strategy is replay, not in-place migration: every archived file is loaded again
in the order it was received, in one transaction, so a failed replay leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from expectations.contract import all_contracts, contract

from ..settings import Settings
from ..warehouse import connect
from . import archive
from .loader import FileReport, Ingestor


def replay(settings: Settings, say: Callable[[str], None] = print) -> tuple[list[FileReport], list[archive.Entry]]:
    """Returns the reports of the files loaded again and the manifest entries that were purged."""
    entries = archive.entries(settings.archive)
    reports, purged = [], []
    with connect(settings.home, say=say) as con:
        con.begin()
        try:
            for c in all_contracts():
                con.execute(f"drop table if exists {c.table}")
            for t in ("journal_ingestion", "quarantaine", "cle_pseudonymisation"):
                con.execute(f"drop table if exists raw.{t}")
            ingestor = Ingestor(con, settings, say=say)
            for e in entries:
                if e.purge_le:
                    purged.append(e)
                    continue
                data = (settings.archive / e.chemin).read_bytes()
                if archive.sha256(data) != e.sha256:
                    raise RuntimeError(f"archive altérée : {e.chemin} ne correspond plus à son SHA-256")
                reports.append(ingestor.load(e.fichier, data, e.sha256, contract(e.flux),
                                             dt.datetime.fromisoformat(e.recu_le), archived=e.chemin,
                                             transaction=False))
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return reports, purged

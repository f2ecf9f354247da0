"""The archive of received files: kept unchanged, with their SHA-256, in reception order.

`<home>/archive/<feed>/<sha256[:16]>_<name>` (folders 0700, files 0600) and `manifeste.csv`, one line
per distinct (name, hash) in the order received, which `observatoire rejouer` replays; a version received
again after another (restored) or confirmed by the analyst (`accepte_le`) gets one more line, so that the
replay ends where the warehouse is. Personal files
are purged N months after reception when the retention setting says so (the line stays, marked).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..private import private_dir, private_file

MANIFEST = "manifeste.csv"
SYNC_THREADS = 8  # archived files flushed to disk at once (`sync`)


@dataclass
class Entry:
    recu_le: str  # ISO timestamp, UTC
    flux: str
    fichier: str
    sha256: str
    chemin: str  # relative to the archive root
    purge_le: str = ""
    accepte_le: str = ""  # a held re-send the analyst confirmed (observatoire run --accepter)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entries(root: Path) -> list[Entry]:
    path = root / MANIFEST
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return [Entry(**row) for row in csv.DictReader(f, delimiter=";")]


def _write(root: Path, items: list[Entry]) -> None:
    tmp = root / (MANIFEST + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[x.name for x in fields(Entry)], delimiter=";")
        w.writeheader()
        w.writerows(asdict(e) for e in items)
    private_file(tmp)
    os.replace(tmp, root / MANIFEST)


def store(
    root: Path,
    feed: str,
    name: str,
    data: bytes,
    digest: str,
    now: dt.datetime,
    again: bool = False,
    accepted: bool = False,
    synced: bool = True,
) -> str:
    """Archive the bytes unless this (name, hash) is already there; returns the path in the archive. A
    manifest line is added for new bytes, and for archived ones received `again` or `accepted`. Not
    `synced`: the caller calls `sync` on the path before the inbox file goes (a torn copy left by a
    crash before then fails its hash and is written again by the next run)."""
    private_dir(root)
    rel = f"{feed}/{digest[:16]}_{name}"
    dest = root / rel
    entry = Entry(now.isoformat(timespec="microseconds"), feed, name, digest, rel)
    if accepted:
        entry.accepte_le = entry.recu_le
    if dest.exists() and sha256(dest.read_bytes()) == digest:
        # A run killed between the copy and its manifest line left the copy unlisted: listed now.
        if again or accepted or not _listed(root, name, digest):
            _append(root, entry)
        return rel
    private_dir(root / feed)
    tmp = dest.with_name(dest.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        if synced:
            os.fsync(f.fileno())
    os.replace(tmp, dest)
    _append(root, entry)
    return rel


def _listed(root: Path, name: str, digest: str) -> bool:
    """Whether the manifest has a line for these bytes under this name (read only when the bytes are already
    archived: an identical re-send, or the copy of a killed run)."""
    return any(e.fichier == name and e.sha256 == digest for e in entries(root))


def sync(root: Path, paths: list[str]) -> None:
    """Flush archived files to disk, together: one fsync per file as each was written cost ~12 ms (384
    files of a year at scale 1: 4.7 s); after the batch's writes, from SYNC_THREADS threads, whose fsyncs
    the file system commits together: the 567 movement files of scale 1 took 1.6 s one after the other,
    0.06 s so (ext4, measured on 567 files of 2 KB)."""
    if len(paths) <= 1:
        for rel in paths:
            _fsync(root / rel)
        return
    with ThreadPoolExecutor(max_workers=SYNC_THREADS) as pool:
        list(pool.map(_fsync, (root / rel for rel in paths)))  # list(): an fsync's error is raised here


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _append(root: Path, entry: Entry) -> None:
    path = root / MANIFEST
    new = not path.exists()
    if not new and _header(path) != [x.name for x in fields(Entry)]:  # a manifest from before a new column
        _write(root, [*entries(root), entry])
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[x.name for x in fields(Entry)], delimiter=";")
        if new:
            w.writeheader()
        w.writerow(asdict(entry))


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return next(csv.reader(f, delimiter=";"), [])


def purge(root: Path, personal_feeds: set[str], months: int | None, now: dt.datetime) -> list[Entry]:
    """Delete archived personal files received more than `months` months ago; returns what was purged."""
    if months is None or not (root / MANIFEST).exists():
        return []
    limit = now - dt.timedelta(days=30.4375 * months)
    items, purged = entries(root), []
    for e in items:
        if e.purge_le or e.flux not in personal_feeds or dt.datetime.fromisoformat(e.recu_le) >= limit:
            continue
        (root / e.chemin).unlink(missing_ok=True)
        e.purge_le = now.isoformat(timespec="seconds")
        purged.append(e)
    if purged:
        _write(root, items)
    return purged

"""Where pseudonymized event-grain data lies (archive, warehouse, reports, Parquet copies): readable by
its owner only, folders 0700 and files 0600, whatever the umask (CONTRACTS.md, "Personal data")."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(*folders: Path) -> None:
    """Create each folder (in the order given: a parent before its child) and restrict it to its owner."""
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)


def private_file(*paths: Path) -> None:
    """Restrict existing files to their owner (a path not there is skipped)."""
    for path in paths:
        if path.exists():
            os.chmod(path, 0o600)

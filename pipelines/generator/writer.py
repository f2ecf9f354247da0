"""Writing a frame as a contract CSV: column order from the contract, the file's dialect, optional faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from expectations.contract import contract

from . import faults
from .codelists import columns

CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Dialect:
    """How a source writes its files (all within CONTRACTS.md's common dialect)."""

    encoding: str = "utf-8"  # "utf-8" or "cp1252"
    bom: bool = False
    date_format: str = "%Y-%m-%d"  # or "%d/%m/%Y"
    crlf: bool = False
    decimal_point: bool = False  # "1234.50" instead of "1234,50" (accepted when there is no comma)


DIALECTS = {
    "iso": Dialect(),
    "iso_point": Dialect(decimal_point=True),
    "fr_cp1252": Dialect(encoding="cp1252", date_format="%d/%m/%Y", crlf=True),
    "fr_bom": Dialect(bom=True, date_format="%d/%m/%Y"),
}


@dataclass
class Writer:
    out: Path
    defauts: bool = False
    fault_rng: np.random.Generator | None = None
    files: list[Path] = field(default_factory=list)
    total_bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    fault_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    expected_quarantine: dict[str, int] = field(default_factory=dict)

    def write(
        self, name: str, feed: str, frame: pl.DataFrame, dialect: Dialect, omit: frozenset[str] = frozenset()
    ) -> Path:
        cols = [c for c in columns(feed) if c not in omit]
        got = set(frame.columns)
        if got != set(cols):
            raise ValueError(f"{name}: colonnes {sorted(got ^ set(cols))} hors contrat ou manquantes")
        frame = frame.select(cols).with_columns(pl.col(pl.Date).dt.strftime(dialect.date_format))
        frame = frame.with_columns(pl.all().cast(pl.String))
        if dialect.decimal_point:
            dec = [c.name for c in contract(feed).columns if c.type == "decimal" and c.name in cols]
            frame = frame.with_columns(pl.col(dec).str.replace(",", ".", literal=True))
        line_ops: dict[int, faults.LineOp] = {}
        if self.defauts and feed in faults.FAULTY_FEEDS and frame.height:
            frame, line_ops, counts = faults.inject(frame, feed, dialect, self.fault_rng)
            if counts:
                self.fault_counts[name] = counts
                self.expected_quarantine[name] = faults.expected_quarantine(counts)
        eol = "\r\n" if dialect.crlf else "\n"
        path = self.out / name
        size = 0
        with open(path, "wb") as f:
            if dialect.bom:
                size += f.write(b"\xef\xbb\xbf")
            # In slices, so that a scale-250 snapshot never sits in memory as one string.
            for start in range(0, max(frame.height, 1), CHUNK_ROWS):
                part = frame.slice(start, CHUNK_ROWS)
                text = part.write_csv(
                    include_header=start == 0,
                    separator=";",
                    line_terminator=eol,
                    null_value="",
                    quote_style="necessary",
                )
                first_line = start - (1 if start == 0 else 0)  # text line i holds row first_line + i
                ops = {r - first_line: op for r, op in line_ops.items() if start <= r < start + part.height}
                if ops:
                    text = faults.apply_line_ops(text, ops, eol)
                size += f.write(text.encode(dialect.encoding))
        self.files.append(path)
        self.total_bytes += size
        self.rows[name] = frame.height
        return path

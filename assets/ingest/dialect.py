"""The common CSV dialect of CONTRACTS.md: encoding detection, records with physical line numbers.

Vectorized with Polars: a file becomes a frame of records (line where the record starts, its fields).
Only records that hold a double quote go through Python's csv module, one by one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import polars as pl

DELIMITER = ";"
BOM = b"\xef\xbb\xbf"

# A well-formed UTF-8 multibyte sequence: its presence in a file that does not decode as UTF-8
# means a damaged UTF-8 file, not a Windows-1252 one.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)


# Where quoted fields leave a line, under Python's csv rules: a quote opens a field only at the start
# of that field; inside an unquoted field it is a literal character and opens nothing. Possessive
# quantifiers: one pass per line, no backtracking.
_QUOTED_BODY = re.compile(r'(?:[^"]|"")*+')
_FIELDS = re.compile(r'(?:(?:"(?:[^"]|"")*+"|[^";][^;]*+)?+;)*+')  # complete fields, each with its `;`
_OPEN_TAIL = re.compile(r'"(?:[^"]|"")*+')


class FileRejected(Exception):
    """The whole file is refused (encoding, header, landlord): one quarantine row, nothing loaded."""

    def __init__(self, rule: str, reason: str, reason_en: str, line: int | None = None, column: str | None = None):
        super().__init__(reason_en)
        self.rule, self.reason, self.reason_en, self.line, self.column = rule, reason, reason_en, line, column


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> tuple[str, str]:
    """Decode a file per the dialect; returns (text, encoding name)."""
    body, enc = (data[len(BOM) :], "utf-8-sig") if data.startswith(BOM) else (data, "utf-8")
    try:
        return body.decode("utf-8"), enc
    except UnicodeDecodeError as e:
        utf8_error = e
    damaged = enc == "utf-8-sig" or _UTF8_MULTIBYTE.search(body)
    if damaged:
        line = _line_of(body, utf8_error.start)
        raise FileRejected(
            "encodage",
            f"fichier UTF-8 endommagé : octet invalide ligne {line} ; ré-exportez le fichier en UTF-8",
            f"damaged UTF-8 file: invalid byte at line {line}",
            line=line,
        )
    try:
        return body.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as e:
        line = _line_of(body, e.start)
        raise FileRejected(
            "encodage",
            f"encodage non reconnu (ni UTF-8 ni Windows-1252) : octet 0x{body[e.start]:02X} ligne {line}",
            f"unknown encoding: byte 0x{body[e.start]:02X} at line {line}",
            line=line,
        ) from None


@dataclass
class Records:
    header: list[str]
    # one row per record after the header: ligne (physical line where it starts, the quarantine's
    # `ligne`), fields (list[str]) or error (why the record could not be split into fields)
    frame: pl.DataFrame


def _split_quoted(raw: str) -> tuple[list[str] | None, str | None]:
    try:
        rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=DELIMITER, quotechar='"', strict=True))
    except csv.Error:
        return None, "guillemets mal formés"
    if len(rows) != 1:
        return None, "guillemets mal formés"
    return rows[0], None


def _ends_open(line: str, inside: bool) -> bool:
    """Whether a quoted field is open at the end of `line`, given whether one was open at its start."""
    if inside:
        end = _QUOTED_BODY.match(line).end()
        if end == len(line):
            return True
        # The field closes at `end`: a delimiter must follow (or nothing), else the line is badly
        # formed and closes its record, which then fails to parse.
        if not line.startswith(";", end + 1):
            return False
        line = line[end + 2 :]
    return _OPEN_TAIL.fullmatch(line, _FIELDS.match(line).end()) is not None


def _simple(raw: pl.Expr) -> pl.Expr:
    """Lines whose every field is either free of quotes or wrapped whole in one pair of them (the
    shape of most quoted exports): they hold no `;`, line break or doubled quote inside a field, so
    they close every field they open and split like plain lines."""
    return (
        raw.str.split(DELIMITER)
        .list.eval(~pl.element().str.contains('"', literal=True) | pl.element().str.contains(r'^"[^"]*"$'))
        .list.all()
    )


def _open_after(frame: pl.DataFrame) -> pl.Series:
    """Whether a quoted field is still open at the end of each line.

    Only lines holding a quote can change that state, and simple lines always close it, so only the
    other quoted lines go through Python; a stray quote cannot swallow the records after it.
    """
    complex_ = frame.with_row_index("i").filter(pl.col("has_quote") & ~pl.col("simple"))
    # Was a simple line met since the previous complex line? Then that complex line starts closed.
    simple_seen = frame.select((pl.col("has_quote") & pl.col("simple")).cum_sum()).to_series()
    states, inside, last = [], False, None
    for i, line in complex_.select("i", "raw").iter_rows():
        if last is not None and simple_seen[i] != simple_seen[last]:
            inside = False
        inside = _ends_open(line, inside)
        states.append(inside)
        last = i
    state = pl.repeat(None, frame.height, dtype=pl.Boolean, eager=True)
    state = state.scatter(frame["has_quote"].arg_true(), False)
    if states:
        state = state.scatter(complex_["i"], states)
    return state.forward_fill().fill_null(False)


def split_records(text: str) -> Records:
    """Split decoded text into records; a quoted field may hold `;` and line breaks."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    df = pl.DataFrame({"raw": pl.Series(lines, dtype=pl.String)}).with_row_index("ligne", offset=1)
    df = df.with_columns(pl.col("raw").str.strip_suffix("\r"), pl.col("ligne").cast(pl.Int64))
    quotes = '"' in text
    if quotes:
        df = df.with_columns(has_quote=pl.col("raw").str.contains('"', literal=True))
        df = df.with_columns(simple=pl.when(pl.col("has_quote")).then(_simple(pl.col("raw"))).otherwise(True))
        # A line continues the previous record while a quoted field is open before it.
        open_after = _open_after(df)
        if open_after.any():
            df = (
                df.with_columns(start=(~open_after.shift(1, fill_value=False)).cum_sum())
                .group_by("start", maintain_order=True)
                .agg(
                    pl.col("ligne").first(),
                    pl.col("raw").str.join("\n"),
                    pl.len().alias("n"),
                    pl.col("has_quote").first(),
                    pl.col("simple").first(),
                )
                .with_columns(simple=pl.col("simple") & (pl.col("n") == 1))
                .drop("start", "n")
            )
    # Blank lines (outside quotes) hold nothing: skipped.
    df = df.filter(pl.col("raw").str.strip_chars() != "")
    if df.height == 0:
        raise FileRejected("entete", "fichier vide (pas d'en-tête)", "empty file (no header)", line=1)
    split = pl.col("raw").str.split(DELIMITER)
    if quotes:
        unwrap = split.list.eval(pl.element().str.strip_prefix('"').str.strip_suffix('"'))
        plain = df.filter(pl.col("simple")).select(
            "ligne",
            fields=pl.when(pl.col("has_quote")).then(unwrap).otherwise(split),
            error=pl.lit(None, dtype=pl.String),
        )
        quoted = df.filter(~pl.col("simple"))
    else:
        plain = df.select("ligne", fields=split, error=pl.lit(None, dtype=pl.String))
        quoted = df.clear()
    if quoted.height:
        parsed = [_split_quoted(r) for r in quoted["raw"].to_list()]
        quoted = pl.DataFrame(
            {
                "ligne": quoted["ligne"],
                "fields": pl.Series([p[0] for p in parsed], dtype=pl.List(pl.String)),
                "error": pl.Series([p[1] for p in parsed], dtype=pl.String),
            }
        )
        frame = pl.concat([plain, quoted]).sort("ligne")
    else:
        frame = plain
    first = frame.row(0, named=True)
    if first["ligne"] != 1 or first["fields"] is None:
        raise FileRejected("entete", "en-tête illisible en ligne 1", "unreadable header at line 1", line=1)
    return Records(header=list(first["fields"]), frame=frame.slice(1))

"""The common CSV dialect of CONTRACTS.md: encoding detection, records with physical line numbers.

Vectorized with Polars: a file becomes a frame of records (line where the record starts, its fields).
Only records that hold a double quote go through Python's csv module, one by one. Lines end with LF,
CRLF or CR alone; a quoted field may span lines only into a record of the header's width, so that a
stray quote sets aside its own line and no other.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import polars as pl

DELIMITER = ";"
BOM = b"\xef\xbb\xbf"
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip) and .xls signatures
# Bytes Latin-9 (ISO-8859-15) gives letters (€ Š š Ž ž Œ œ Ÿ) where Windows-1252 has rare signs (¤ ¦ ¨ ´ ¸ ¼
# ½ ¾), and the range Windows-1252 fills (0x80-0x9F, where it puts €, œ, ’) that Latin-9 leaves to controls.
LATIN9 = "iso-8859-15"
_LATIN9_LETTERS = re.compile(rb"[\xA4\xA6\xA8\xB4\xB8\xBC\xBD\xBE]")
_CP1252_RANGE = bytes(range(0x80, 0xA0))
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"  # the bytes Python's cp1252 codec refuses
# Control characters (tab and line ends aside): a text export holds none, a binary or zero-padded file many;
# in a value, the mark of damage (a NUL byte, an escape code: parse.py's check, which `holds_control` gates).
CONTROL_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"
_CONTROL = re.compile(CONTROL_RE.encode("ascii"))
_CONTROL_BYTES = bytes(b for b in range(0x20) if _CONTROL.match(bytes([b])))
BINARY_SAMPLE, BINARY_SHARE = 65_536, 0.01  # judged on the file's first and last 64 KiB
MALFORMED = "guillemets mal formés"
UNCLOSED = "guillemet ouvert jamais refermé"

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
    """The line of a byte offset, CR alone ending a line as LF and CRLF do."""
    return data.count(b"\n", 0, offset) + data.count(b"\r", 0, offset) - data.count(b"\r\n", 0, offset) + 1


def _is_utf16(data: bytes) -> bool:
    """A UTF-16 BOM, or text whose every other byte is mostly zero (ASCII in UTF-16 without BOM)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:4096]
    zeros = sorted((sample[0::2].count(0), sample[1::2].count(0)))
    # Zeros on one side only: zero padding (a file cut short by a crash) has them on both.
    return len(sample) >= 4 and zeros[1] > len(sample) // 4 and zeros[0] * 4 < zeros[1]


def _binary(data: bytes) -> int | None:
    """Offset of the first control byte when the file's start or end is not text, else None."""
    for sample in (data[:BINARY_SAMPLE], data[-BINARY_SAMPLE:]):
        if len(_CONTROL.findall(sample)) > BINARY_SHARE * len(sample):
            return _CONTROL.search(data).start()
    return None


def _utf8_multibyte(body: bytes) -> bool:
    """Whether the bytes hold a well-formed UTF-8 multibyte sequence. Python's decoder drops exactly the
    ill-formed ones, so any non-ASCII character left is one: 14 ms on a 20 MB Windows-1252 extract, where
    replacing them (and looking for U+FFFD) took 113 ms and the regular expression 0.48 s."""
    return not body.decode("utf-8", errors="ignore").isascii()


def _holds_any(body: bytes, byte_set: bytes) -> bool:
    """Whether one of the bytes occurs in `body`: one memchr each, 2 to 9 ms on a 20 MB extract where a
    regular expression's character class scans it in ~55 ms."""
    return any(body.find(byte_set[i : i + 1]) >= 0 for i in range(len(byte_set)))


def holds_control(data: bytes) -> bool:
    """Whether the file holds a control byte (tab and line ends aside): one in every encoding read, and
    never part of another character. 13 ms on a 20 MB extract, where a regular expression on each line's
    text takes 1.4 ns a byte (37 ms)."""
    return _holds_any(data, _CONTROL_BYTES)


def _refuse_non_text(data: bytes) -> None:
    """Refuses a workbook, a UTF-16 file and a binary one."""
    if data.startswith(_WORKBOOKS):
        raise FileRejected(
            "encodage",
            "classeur Excel et non fichier CSV : enregistrez-le au format CSV UTF-8 (séparateur point-virgule)",
            "spreadsheet workbook, not a CSV file",
        )
    if _is_utf16(data):
        raise FileRejected(
            "encodage",
            "fichier encodé en UTF-16 (« Texte Unicode ») : ré-enregistrez-le en UTF-8 (CSV UTF-8, séparateur "
            "point-virgule)",
            "UTF-16 file",
        )
    binary = _binary(data)
    if binary is not None:
        line = _line_of(data, binary)
        raise FileRejected(
            "binaire",
            f"fichier binaire ou endommagé et non texte CSV (octets nuls ou de contrôle dès la ligne {line}) : "
            "déposez à nouveau l'export CSV d'origine",
            f"binary or damaged file: control bytes from line {line}",
            line=line,
        )


def decode(data: bytes) -> tuple[str, str]:
    """Decode a file per the dialect; returns (text, encoding name)."""
    _refuse_non_text(data)
    body, enc = (data[len(BOM) :], "utf-8-sig") if data.startswith(BOM) else (data, "utf-8")
    try:
        return body.decode("utf-8"), enc
    except UnicodeDecodeError:
        enc = _not_utf8(body, enc)
    return body.decode(enc), enc


def _not_utf8(body: bytes, enc: str) -> str:
    """The encoding of a body that is not valid UTF-8 (`enc`: what its BOM said), judged without decoding it
    whole (a national extract's text takes twice its bytes); FileRejected when it is damaged UTF-8 or holds
    a byte that Windows-1252 leaves undefined."""
    if enc == "utf-8-sig" or _utf8_multibyte(body):
        line = _line_of(body, _decode_error(body, "utf-8").start)
        raise FileRejected(
            "encodage",
            f"fichier UTF-8 endommagé : octet invalide ligne {line} ; ré-exportez le fichier en UTF-8",
            f"damaged UTF-8 file: invalid byte at line {line}",
            line=line,
        )
    if not _holds_any(body, _CP1252_RANGE) and _LATIN9_LETTERS.search(body):
        return LATIN9
    if _holds_any(body, _CP1252_UNDEFINED):
        at = _decode_error(body, "cp1252").start
        line = _line_of(body, at)
        raise FileRejected(
            "encodage",
            f"encodage non reconnu (ni UTF-8 ni Windows-1252) : octet 0x{body[at]:02X} ligne {line}",
            f"unknown encoding: byte 0x{body[at]:02X} at line {line}",
            line=line,
        )
    return "windows-1252"


def _decode_error(body: bytes, codec: str) -> UnicodeDecodeError:
    """The error of decoding bytes known not to decode."""
    try:
        body.decode(codec)
    except UnicodeDecodeError as e:
        return e
    raise AssertionError(codec)  # pragma: no cover - called on bytes that fail


def encoding_of(data: bytes, size: int) -> str:
    """`decode`'s verdict (the encoding name, or FileRejected) without the whole text at once: a UTF-8 file
    is checked by pieces of `size` bytes (a national extract's text takes twice its 520 MB, as UCS-2);
    another is judged on its bytes (`_not_utf8`)."""
    _refuse_non_text(data)
    bom = data.startswith(BOM)
    view, decoder = memoryview(data)[len(BOM) if bom else 0 :], codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(view), size):
            decoder.decode(view[start : start + size])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _not_utf8(data[len(BOM) :] if bom else data, "utf-8-sig" if bom else "utf-8")
    return "utf-8-sig" if bom else "utf-8"


def text_pieces(data: bytes, encoding: str, size: int) -> Iterator[str]:
    """The file's text as `decode` gives it (`encoding`: its verdict), by pieces of whole lines of about
    `size` bytes: a byte LF ends a line in every encoding read, and is never part of a character."""
    codec, start = ("utf-8", len(BOM)) if encoding == "utf-8-sig" else (encoding, 0)
    view = memoryview(data)
    while True:
        end = data.find(b"\n", start + size) + 1 or len(data)
        yield str(view[start:end], codec)
        if end >= len(data):
            return
        start = end


def latin9_warning(data: bytes) -> str:
    """What the analyst is told of a file read as Latin-9: a guess from its bytes, so where it was made."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    at = _LATIN9_LETTERS.search(body).start()
    return (
        f"fichier lu en ISO-8859-15 (Latin-9) d'après ses caractères (« {body[at : at + 1].decode(LATIN9)} » "
        f"ligne {_line_of(body, at)}) : vérifiez ses accents, ou ré-enregistrez-le en UTF-8"
    )


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
        return None, MALFORMED
    if len(rows) != 1:
        return None, MALFORMED
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


def _lines(text: str) -> pl.DataFrame:
    """Physical lines (ligne, raw): universal newlines, so CRLF, LF and CR alone (old Mac files, some
    spreadsheet exports) all end a line; a line break inside a quoted field becomes LF."""
    # Split by Polars: 0.10 s for a 20 MB extract, against 0.17 s through a list of Python strings.
    lines = pl.Series("raw", [text], dtype=pl.String).str.split("\n").explode()
    if "\r" in text:
        lines = lines.str.strip_suffix("\r")  # CRLF: as `_universal`, without counting the text's CRs
        if lines.str.contains("\r", literal=True).any():
            lines = pl.Series("raw", [_universal(text)], dtype=pl.String).str.split("\n").explode()
    if lines[-1] == "":
        lines = lines.head(-1)
    return lines.to_frame().with_row_index("ligne", offset=1).cast({"ligne": pl.Int64})


def _header(first: str) -> list[str]:
    """The header's names; a header is one line, separated by `;`."""
    for sep, name in ((",", "virgules"), ("\t", "tabulations")):
        if first.count(sep) > first.count(DELIMITER):
            raise FileRejected(
                "separateur",
                f"fichier séparé par des {name} et non par des points-virgules : ré-enregistrez-le en CSV "
                "avec le séparateur point-virgule (;)",
                f"file separated by {name!r} instead of semicolons",
                line=1,
            )
    fields, error = _split_quoted(first) if '"' in first else (first.split(DELIMITER), None)
    if error or not first.strip():
        raise FileRejected("entete", "en-tête illisible en ligne 1", "unreadable header at line 1", line=1)
    return fields


def _multiline(raw: pl.Series, complex_: list[int], closers: list[int], width: int) -> tuple[list, list]:
    """Records that span lines: (first, last) line index of each, and the lines whose quote opens a
    field that never closes into a record of `width` fields.

    A quoted field may hold line breaks (CONTRACTS.md), but a stray quote must not swallow the lines
    after it: a record opened on a line is kept only if it closes and has the header's field count;
    otherwise its first line is set aside and reading resumes, closed, on the next line. Only lines
    holding a quote change the state: `complex_` (their fields are not all wrapped whole in quotes) go
    through Python, and `closers` (the other quoted lines) close any open field.
    """
    text = dict(zip(complex_, raw.gather(complex_).to_list(), strict=True))  # Series indexing is slow
    spans, unclosed, j = [], [], 0
    while j < len(complex_):
        start = complex_[j]
        if not _ends_open(text[start], False):
            j += 1
            continue
        end = _closing_line(text, complex_, closers, j)
        # Still open at the end of the file: no record to try (and no join of the whole rest).
        lines = raw.slice(start, end - start + 1).to_list() if end is not None else None
        fields, error = _split_quoted("\n".join(lines)) if lines else (None, UNCLOSED)
        if error is None and len(fields) == width:
            spans.append((start, end))
            j = bisect.bisect(complex_, end)
        else:
            unclosed.append(start)
            j += 1
    return spans, unclosed


def _closing_line(text: dict[int, str], complex_: list[int], closers: list[int], j: int) -> int | None:
    """The line that closes the field left open by line `complex_[j]` (None: none does): the first
    later complex line that closes it, or else the next closer."""
    start = complex_[j]
    closer = closers[bisect.bisect(closers, start)] if closers and closers[-1] > start else None
    for k in range(j + 1, len(complex_)):
        if closer is not None and complex_[k] > closer:
            break
        if not _ends_open(text[complex_[k]], True):
            return complex_[k]
    return closer


def _join_spans(body: pl.DataFrame, spans: list[tuple[int, int]]) -> pl.DataFrame:
    """The lines of each multi-line record joined into one row, at the line where it starts."""
    inner = [i for start, end in spans for i in range(start + 1, end + 1)]
    follows = pl.repeat(False, body.height, eager=True).scatter(inner, True)
    return (
        body.with_columns(record=(~follows).cum_sum())
        .group_by("record", maintain_order=True)
        .agg(
            pl.col("ligne", "quoted").first(),
            pl.col("raw").str.join("\n"),
            simple=pl.col("simple").all() & (pl.len() == 1),
        )
        .drop("record")
    )


def _records(body: pl.DataFrame, width: int) -> pl.DataFrame:
    """The records after the header: (ligne, fields, error); blank lines outside quotes are skipped."""
    split = pl.col("raw").str.split(DELIMITER)
    filled = pl.col("raw").str.strip_chars() != ""
    no_error = pl.lit(None, pl.String)
    if not body["raw"].str.contains('"', literal=True).any():
        return body.filter(filled).select("ligne", fields=split, error=no_error)
    quoted = pl.col("raw").str.contains('"', literal=True)
    body = body.with_columns(quoted=quoted, simple=~quoted | _simple(pl.col("raw")))
    complex_ = body.select(pl.col("quoted") & ~pl.col("simple")).to_series().arg_true().to_list()
    closers = body.select(pl.col("quoted") & pl.col("simple")).to_series().arg_true().to_list()
    spans, unclosed = _multiline(body["raw"], complex_, closers, width)
    unclosed = set(body["ligne"].gather(unclosed).to_list())
    if spans:
        body = _join_spans(body, spans)
    body = body.filter(filled)
    unwrap = split.list.eval(pl.element().str.strip_prefix('"').str.strip_suffix('"'))
    plain = body.filter("simple").select(
        "ligne", fields=pl.when("quoted").then(unwrap).otherwise(split), error=no_error
    )
    rest = body.filter(~pl.col("simple")).select("ligne", "raw")
    parsed = [(None, UNCLOSED) if n in unclosed else _split_quoted(r) for n, r in rest.iter_rows()]
    rest = pl.DataFrame(
        {
            "ligne": rest["ligne"],
            "fields": pl.Series([p[0] for p in parsed], dtype=pl.List(pl.String)),
            "error": pl.Series([p[1] for p in parsed], dtype=pl.String),
        }
    )
    return pl.concat([plain, rest]).sort("ligne")


def split_records(text: str) -> Records:
    """Split decoded text into records; a quoted field may hold `;` and line breaks (not the header)."""
    header, chunks = record_chunks([text])
    return Records(header=header, frame=pl.concat(list(chunks)))


def split_header(text: str) -> tuple[list[str], str, int]:
    """The header's names, the text with its line ends made LF or CRLF (`_universal`), and where the body
    starts in it."""
    if not text or text.isspace():
        raise FileRejected("entete", "fichier vide (pas d'en-tête)", "empty file (no header)", line=1)
    text = _universal(text)
    end = text.find("\n") + 1 or len(text)
    return _header(text[:end].rstrip("\n").removesuffix("\r")), text, end


def _universal(text: str) -> str:
    """The text as is when each of its CRs starts a CRLF (the line splitters drop the CR ending a line),
    else with every line end made LF, a CR alone ending a line: replacing the CRLFs of a 16 MB piece of
    a Windows extract took 0.1 s of CPU, 1 µs a line, where Polars drops the CRs in 0.02 s."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def record_chunks(pieces: Iterable[str]) -> tuple[list[str], Iterator[pl.DataFrame]]:
    """The header, and the records (as `Records.frame`) of a text given by pieces of whole lines (the first
    holding the header), a frame per piece: a whole 100 MB extract split at once took 1.2 GB (scale 50). A
    quoted field may span lines only within a piece (a file whose body holds a quote comes whole)."""
    pieces = iter(pieces)
    header, text, end = split_header(next(pieces, ""))
    return header, _chunks(itertools.chain([text[end:]], pieces), len(header))


def plain_records(bodies: Sequence[str], rank: str) -> pl.DataFrame:
    """The records of several files' bodies (LF or CRLF line ends, no quote: `record_chunks` reads the others) split
    in one pass, each tagged with its file's rank in `bodies` (column `rank`): the hundreds of small CAL and
    movement files of a batch cost one Polars pass instead of one each (~2.5 ms a file)."""
    split = pl.col("raw").str.split(DELIMITER)
    return (
        pl.DataFrame({rank: pl.Series(range(len(bodies)), dtype=pl.Int32), "raw": bodies})
        .with_columns(pl.col("raw").str.split("\n"))
        .explode("raw")
        .with_columns(pl.col("raw").str.strip_suffix("\r"))
        .with_columns(ligne=(pl.int_range(pl.len()).over(rank) + 2).cast(pl.Int64))  # the body's first line: 2
        .filter(pl.col("raw").str.strip_chars() != "")
        .select(rank, "ligne", fields=split, error=pl.lit(None, pl.String))
    )


def _chunks(pieces: Iterable[str], width: int) -> Iterator[pl.DataFrame]:
    line = 2  # the body's first line
    for piece in pieces:  # once at least: a header alone gives an empty frame
        lines = _lines(piece)
        yield _records(lines.with_columns(pl.col("ligne") + (line - 1)), width)
        line += lines.height

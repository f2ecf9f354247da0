"""A small contract checker, independent of the generator and of the ingestion: it reads the files
with the standard library's csv module and checks each value against the contract's type, code
list, bounds, required / required_if predicates and row rules (the predicates run on DuckDB)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from expectations.contract import Contract, codes, communes_epci, feed_for

UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
DATE_RE = r"^(\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2})$"
PATTERNS = {
    "siren": r"^\d{9}$",
    "insee": r"^(\d{5}|2[AB]\d{3})$",
    "ident_rep": r"^[0-9A-Z]{10}$",
    "numero_unique": r"^[0-9A-Z]{18}$",
    "month": r"^(0[1-9]|1[0-2])/\d{4}$",
    "year": r"^\d{4}$",
    "int": r"^-?\d+$",
    "decimal": r"^-?\d+([.,]\d+)?$",
    "date": DATE_RE,
    "date_or_year": r"^(\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}|\d{4})$",
}


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding) per CONTRACTS.md: UTF-8 when strict, else Windows-1252 without UTF-8 sequences."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        if UTF8_MULTIBYTE.search(raw):
            raise ValueError("fichier UTF-8 endommagé") from None
        return raw.decode("cp1252"), "cp1252"


@dataclass
class ParsedFile:
    path: Path
    contract: Contract
    encoding: str
    header: list[str]
    frame: pl.DataFrame  # well-formed rows, strings (empty = null), with ``_line``
    bad_field_count: list[int] = field(default_factory=list)  # lines of rows with too few / many fields
    crlf: bool = False


def _fields(line: str) -> int:
    if '"' not in line:
        return line.count(";") + 1
    return len(next(csv.reader([line], delimiter=";")))


def parse(path: Path) -> ParsedFile:
    """Read a file the way the contract says (no field of these files holds a line break)."""
    raw = path.read_bytes()
    text, enc = decode(raw)
    c = feed_for(path.name)
    if c is None:
        raise ValueError(f"{path.name}: aucun flux ne correspond")
    crlf = "\r\n" in text
    lines = text.split("\r\n" if crlf else "\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = next(csv.reader([lines[0]], delimiter=";"))
    n = len(header)
    body = pl.Series(lines[1:], dtype=pl.String)
    counts = (body.str.count_matches(";", literal=True) + 1).to_numpy().copy()
    quoted = body.str.contains('"', literal=True).to_numpy()
    for i in quoted.nonzero()[0]:
        counts[i] = _fields(lines[i + 1])
    ok = counts == n
    numbers = pl.int_range(2, len(lines) + 1, eager=True).to_numpy()
    good, bad = numbers[ok].tolist(), numbers[~ok].tolist()
    keep = [lines[0]] + body.filter(pl.Series(ok)).to_list()
    if good:
        df = pl.read_csv(io.StringIO("\n".join(keep) + "\n"), separator=";", infer_schema=False)
        df.columns = header
    else:
        df = pl.DataFrame({h: [] for h in header}, schema={h: pl.String for h in header})
    df = df.with_columns(_line=pl.Series(good, dtype=pl.Int64))
    return ParsedFile(path, c, enc, header, df, bad, crlf)


def _date(col: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        col.str.strptime(pl.Date, "%d/%m/%Y", strict=False), col.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    )


def typed(df: pl.DataFrame, c: Contract) -> pl.DataFrame:
    """Typed copy of a frame of strings (unparseable values become null)."""
    exprs = []
    for col in c.columns:
        if col.name not in df.columns:
            exprs.append(pl.lit(None).alias(col.name))
            continue
        x = pl.col(col.name)
        if col.type == "date":
            exprs.append(_date(x).alias(col.name))
        elif col.type == "date_or_year":
            exprs.append(pl.coalesce(_date(x), x.str.strptime(pl.Date, "%Y", strict=False)).alias(col.name))
        elif col.type in ("int", "year"):
            exprs.append(x.cast(pl.Int64, strict=False).alias(col.name))
        elif col.type == "decimal":
            exprs.append(x.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False).alias(col.name))
        elif col.type == "bool":
            exprs.append(pl.when(x == "OUI").then(True).when(x == "NON").then(False).alias(col.name))
        else:
            exprs.append(x)
    return df.select(exprs + [pl.col("_line")])


def check(files: list[ParsedFile]) -> list[tuple[str, int, str, str]]:
    """Every problem found in files of one feed: (file, line, column, reason); field-count
    problems have column ''."""
    if not files:
        return []
    c = files[0].contract
    problems: list[tuple[str, int, str, str]] = []
    parts = []
    for pf in files:
        assert pf.contract.feed == c.feed
        problems += [(pf.path.name, ln, "", "nombre de champs") for ln in pf.bad_field_count]
        info = c.file_info(pf.path.name)
        parts.append(
            pf.frame.with_columns(
                _file=pl.lit(pf.path.name),
                _siren_fichier=pl.lit(info.siren, dtype=pl.String),
                _date_fichier=pl.lit(info.date, dtype=pl.Date),
            )
        )
    df = pl.concat(parts, how="diagonal")
    epci = communes_epci()
    for col in c.columns:
        if col.name not in df.columns:
            continue
        x = pl.col(col.name)
        bad = pl.lit(False)
        if col.type in PATTERNS:
            ok = x.str.contains(PATTERNS[col.type])
            if col.wildcard:
                ok = ok | (x == col.wildcard)
            bad = bad | ~ok
        if col.type == "date":
            bad = bad | _date(x).is_null()
        if col.type == "bool":
            bad = bad | ~x.is_in(["OUI", "NON"])
        if col.type == "code" and not col.open_codes:
            allowed = list(codes()[col.codes]) + ([col.wildcard] if col.wildcard else [])
            bad = bad | ~x.is_in(allowed)
        if col.type == "list":
            items = x.str.split("|")
            if col.item == "code":
                bad = bad | ~items.list.eval(pl.element().is_in(list(codes()[col.codes]))).list.all()
            elif col.item == "insee":
                bad = bad | ~items.list.eval(pl.element().str.contains(PATTERNS["insee"])).list.all()
        if col.type in ("int", "decimal") and (col.min is not None or col.max is not None):
            v = x.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
            if col.min is not None:
                bad = bad | (v < col.min)
            if col.max is not None:
                bad = bad | (v > col.max)
        if col.ref == "communes_epci":
            bad = bad | ~x.is_in(sorted(epci))
        for f, ln in df.filter(x.is_not_null() & bad.fill_null(True)).select("_file", "_line").iter_rows():
            problems.append((f, ln, col.name, "valeur"))
        if col.required:
            for f, ln in df.filter(x.is_null()).select("_file", "_line").iter_rows():
                problems.append((f, ln, col.name, "obligatoire"))
        if col.type == "month" and col.not_after_file_date:
            m = df.filter(x.str.contains(PATTERNS["month"]) & pl.col("_date_fichier").is_not_null())
            ym = m[col.name].str.slice(3, 4).cast(pl.Int64) * 12 + m[col.name].str.slice(0, 2).cast(pl.Int64)
            limit = m["_date_fichier"].dt.year().cast(pl.Int64) * 12 + m["_date_fichier"].dt.month().cast(pl.Int64)
            problems += [
                (f, ln, col.name, "futur") for f, ln in m.filter(ym > limit).select("_file", "_line").iter_rows()
            ]
    t = typed(df, c).hstack(df.select("_file", "_siren_fichier", "_date_fichier"))
    con = duckdb.connect()
    try:
        con.register("t", t.to_arrow())
        queries = []
        for col in c.columns:
            if col.required_if:
                queries.append((col.name, "obligatoire si", f'({col.required_if}) and "{col.name}" is null'))
            if col.not_after_file_date and col.type != "month":
                cond = f'"{col.name}" > year(_date_fichier)' if col.type == "year" else f'"{col.name}" > _date_fichier'
                queries.append((col.name, "futur", cond))
        for rule in c.rules:
            queries.append((rule.column, rule.name, f"not coalesce(({rule.sql}), true)"))
        for name, reason, cond in queries:
            for f, ln in con.sql(f"select _file, _line from t where {cond}").fetchall():
                problems.append((f, ln, name, reason))
    finally:
        con.close()
    return problems


def duplicates(pf: ParsedFile) -> tuple[int, list[int]]:
    """(identical duplicate rows beyond the first, lines of rows sharing a key with different values)."""
    c = pf.contract
    df = pf.frame
    keys = [k for k in c.keys if k in df.columns]
    values = list(pf.header)
    ident = df.height - df.unique(values).height
    distinct = df.unique(values, keep="first", maintain_order=True)
    n_per_key = distinct.group_by(keys).len().filter(pl.col("len") > 1)
    conflict = df.join(n_per_key.select(keys), on=keys, how="semi", nulls_equal=True)["_line"].to_list()
    return ident, conflict


def parse_folder(folder: Path) -> dict[str, list[ParsedFile]]:
    """Every file of a drop, parsed, by feed (files in name order)."""
    out: dict[str, list[ParsedFile]] = {}
    for p in sorted(folder.iterdir()):
        pf = parse(p)
        out.setdefault(pf.contract.feed, []).append(pf)
    return out


def rows_by_feed(parsed: dict[str, list[ParsedFile]]) -> dict[str, pl.DataFrame]:
    """Every well-formed row, by feed, with ``_file`` and ``_line`` (strings, null = empty)."""
    return {
        k: pl.concat([pf.frame.with_columns(_file=pl.lit(pf.path.name)) for pf in v], how="diagonal")
        for k, v in parsed.items()
    }


def day_of(col: str) -> pl.Expr:
    return _date(pl.col(col))


def parse_date(s: str) -> dt.date:
    return dt.datetime.strptime(s, "%d/%m/%Y").date() if "/" in s else dt.date.fromisoformat(s)

"""Read received files against their contract: each file's typed valid rows and quarantined rows.

Pure function of the bytes, the contract and the references (no warehouse access): the loader
decides what the rows do to the warehouse. Files of one feed sharing a header are read in one pass
(`read_batch`), each keeping its own lines, checks and counts. Personal fields are handled here, so nothing personal
leaves the reader: numéros become `id_demande`, names are dropped, the birth date becomes an age.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import duckdb
import polars as pl

from expectations.contract import Column, Contract, FileInfo
from expectations.mapping import AmbiguousMapping, Mapping, all_mappings, normalize_header, select

from .dialect import (
    LATIN9,
    FileRejected,
    decode,
    encoding_of,
    holds_control,
    latin9_warning,
    plain_records,
    record_chunks,
    split_header,
    text_pieces,
)
from .parse import (
    DAMAGE_RULES,
    MAX_FIELD_CHARS,
    NUMERO_UNIQUE_RE,
    Check,
    Context,
    Share,
    damage_suspected,
    decode_column,
)
from .scratch import scratch

QUARANTINE_SCHEMA = {
    "ligne": pl.Int64,
    "colonne": pl.String,
    "regle": pl.String,
    "raison": pl.String,
    "reason_en": pl.String,
    "valeurs": pl.String,
}
LANDLORD = "bailleur_siren"
# Columns of the rows of a batch read (`read_batch`): the file's rank in the batch, and what its name says.
FILE, FILE_DATE, FILE_SIREN = "_file", "_date_fichier", "_siren_fichier"
ROW = [FILE, "ligne"]  # a line of a batch
SUSPECT = "__damage_suspected"  # a line's column: whether it may break a check of DAMAGE_RULES
NO_COUNT = pl.DataFrame(schema={FILE: pl.Int32, "len": pl.Int64})  # a count per file (of recoded values...)
EXCERPT_NAMES, EXCERPT_CHARS = 8, 32  # header names quoted in a message
# Read by chunks: of about 16 MB of the file (~90 k lines of an SNE extract), decoded and split into records
# (a file whose body holds a quote comes whole), then of 100 k records typed and checked at once.
CHUNK_BYTES, CHUNK_LINES = 16 * 2**20, 100_000


@dataclass
class ReadResult:
    encoding: str
    rows: pl.DataFrame  # valid rows, warehouse column names, plus `_ligne`
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    rows_read: int
    identical_duplicates: int = 0
    warnings: list[str] = field(default_factory=list)
    mapping: str | None = None  # name of the column mapping the file was read with
    recoded: int = 0  # values found in the mapping's local codes and recoded


_META = "(select $d::date as _date_fichier, $s::varchar as _siren_fichier)"


@cache
def _reads_only_file_facts(predicate: str) -> bool:
    with scratch() as con:
        try:
            con.sql(f"select ({predicate}) from {_META}", params={"d": None, "s": None}).fetchall()
            return True
        except duckdb.Error:
            return False


def _meta_only_required(col: Column, info: FileInfo) -> bool | None:
    """Whether a conditional column must be in the header, when its predicate reads only file facts
    (None when it reads row values: then the column belongs in the header)."""
    if not _reads_only_file_facts(col.required_if):
        return None
    with scratch() as con:
        return bool(
            con.sql(f"select ({col.required_if}) from {_META}", params={"d": info.date, "s": info.siren}).fetchall()[0][
                0
            ]
        )


def read(
    data: bytes,
    contract: Contract,
    info: FileInfo,
    ctx: Context,
    pseudonymize: Callable[[pl.Series], pl.Series],
    mappings: Sequence[Mapping] | None = None,
) -> ReadResult:
    """The file's valid rows and quarantined rows; raises FileRejected when the whole file is refused.
    `mappings`: the column mappings to choose from (default: those of expectations/mappings/)."""
    (result,) = read_batch([(data, info)], contract, ctx, pseudonymize, mappings)
    if isinstance(result, FileRejected):
        raise result
    return result


@dataclass
class _Head:
    """A file decoded, its header checked: what decides how its records are read."""

    info: FileInfo
    encoding: str
    data: bytes
    text: str | None  # LF or CRLF line ends (`split_header`); None for a big file, decoded by chunks (`_pieces`)
    body: int  # where the records start in `text`
    header: list[str]
    mapping: Mapping | None
    positions: dict[str, int]
    warnings: list[str]
    controls: bool  # whether its bytes hold a control character (`holds_control`)


def _head(data: bytes, contract: Contract, info: FileInfo, mappings: Sequence[Mapping]) -> _Head:
    if len(data) <= CHUNK_BYTES:
        text, encoding = decode(data)
        header, text, body = split_header(text)
    else:  # whole, a national SNE extract's text took 1 GB (UCS-2, for its accents), its LF copy as much again
        encoding, text, body = encoding_of(data, CHUNK_BYTES), None, 0
        header = split_header(next(text_pieces(data, encoding, 0)))[0]
    mapping, positions, warnings = _choose_header(contract, info, header, mappings)
    if encoding == LATIN9:
        warnings.insert(0, latin9_warning(data))
    return _Head(info, encoding, data, text, body, header, mapping, positions, warnings, holds_control(data))


def read_batch(
    files: Sequence[tuple[bytes, FileInfo]],
    contract: Contract,
    ctx: Context,
    pseudonymize: Callable[[pl.Series], pl.Series],
    mappings: Sequence[Mapping] | None = None,
) -> list[ReadResult | FileRejected]:
    """Each file's `read` (or why it is rejected whole), the files sharing a header read in one pass:
    their records tagged with their rank (FILE), the date and landlord of their name as columns. Every
    file keeps its own line numbers, checks, duplicates and counts; a file rejected whole leaves the
    others. At scale 1, one pass over 522 CAL files of ~19 lines saves ~12 ms a file. `ctx.file_date`
    is ignored: each row has its file's."""
    mappings = all_mappings() if mappings is None else mappings
    out: list[ReadResult | FileRejected] = []
    groups: dict[tuple, list[int]] = {}
    for i, (data, info) in enumerate(files):
        try:
            h = _head(data, contract, info, mappings)
        except FileRejected as e:
            out.append(e)
            continue
        out.append(h)  # type: ignore[arg-type]  # replaced by its result below
        groups.setdefault((tuple(h.header), h.mapping.name if h.mapping else None), []).append(i)
    ctx = replace(ctx, file_date=pl.col(FILE_DATE))
    for ranks in groups.values():
        heads: list[_Head] = [out[i] for i in ranks]  # type: ignore[misc]
        for i, result in zip(ranks, _read_group(heads, contract, ctx, pseudonymize), strict=True):
            out[i] = result
    return out


def _group_records(heads: Sequence[_Head]) -> Iterator[pl.DataFrame]:
    """The records of files sharing a header, tagged with their rank (FILE): the small files' in one frame
    (those without quotes split in one pass), a big file's by chunks (`record_chunks`)."""
    small = [k for k, h in enumerate(heads) if h.text is not None]
    plain = [k for k in small if heads[k].text.find('"', heads[k].body) < 0]
    frames = []
    if plain:
        frame = plain_records([heads[k].text[heads[k].body :] for k in plain], FILE)
        frames.append(frame.with_columns(pl.col(FILE).replace_strict(range(len(plain)), plain, return_dtype=pl.Int32)))
    frames += [_tagged(k, f) for k in small if k not in plain for f in record_chunks([heads[k].text])[1]]
    if frames:
        yield pl.concat(frames)
    for k in sorted(set(range(len(heads))) - set(small)):
        yield from (_tagged(k, f) for f in record_chunks(_pieces(heads[k]))[1])


def _pieces(head: _Head) -> Iterator[str]:
    """A big file's text by chunks of whole lines, whole when its body holds a quote (a quoted field may
    span lines)."""
    data = head.data
    whole = data.find(b'"', data.find(b"\n") + 1) >= 0
    return text_pieces(data, head.encoding, len(data) if whole else CHUNK_BYTES)


def _tagged(rank: int, records: pl.DataFrame) -> pl.DataFrame:
    return records.select(pl.lit(rank, pl.Int32).alias(FILE), pl.all())


def _read_group(
    heads: Sequence[_Head], contract: Contract, ctx: Context, pseudonymize: Callable[[pl.Series], pl.Series]
) -> list[ReadResult]:
    first = heads[0]
    width = len(first.header)
    controls = [k for k, h in enumerate(heads) if h.controls]
    decoding = _decoding(contract, ctx, first.mapping, first.header, pl.col(FILE).is_in(controls) if controls else None)
    checks = decoding.checks
    sql_checks = _sql_checks(contract)
    facts = [
        pl.col(FILE)
        .replace_strict(range(len(heads)), [h.info.date for h in heads], return_dtype=pl.Date)
        .alias(FILE_DATE),
        pl.col(FILE)
        .replace_strict(range(len(heads)), [h.info.siren for h in heads], return_dtype=pl.String)
        .alias(FILE_SIREN),
    ]

    def text_of(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        txt, recoded = _text_columns(contract, rows, first.positions, first.mapping)
        return _pseudonymize(contract, txt.with_columns(facts), pseudonymize), recoded

    # By chunks of lines: split, typed and checked, a line costs ~2.5 KB, the valid row it becomes ~0.2 KB.
    # Whole, a 531 k-line extract (scale 50) took 3.1 GB at once, so a national one (2.6 M lines) would not
    # fit in 8 GiB; by chunks, 1.2 GB, most of it the file's bytes, its text and its valid rows.
    counts, oks, quarantined, recoded = [], [], [], [NO_COUNT]
    for frame in _group_records(heads):
        counts.append(frame.group_by(FILE).len())
        good, miscounted = _by_field_count(frame, width)
        quarantined.append(miscounted)
        for chunk in good.iter_slices(CHUNK_LINES):
            txt, n = text_of(chunk)
            typed, flags = _typed(contract, txt, decoding)
            failed = _failures(contract, txt, typed, flags, checks, sql_checks)
            oks.append(_finish(contract, typed.join(failed.select(ROW).unique(), on=ROW, how="anti")))
            quarantined.append(failed)
            recoded.append(n)
    ok = pl.concat(oks) if oks else _finish(contract, _typed(contract, text_of(good)[0], decoding)[0])

    def values_of(lines: pl.DataFrame) -> pl.DataFrame:
        """The `valeurs` of a few lines (FILE, ligne), split again from the text."""
        rows = pl.concat(_by_field_count(f.join(lines, on=ROW, how="semi"), width)[0] for f in _group_records(heads))
        return _values(contract, text_of(rows)[0], lines)

    ok, conflicts, identical = _within_file_duplicates(contract, values_of, _sorted(ok, [FILE, "_ligne"]))
    quarantine = pl.concat(
        [x.select(FILE, *QUARANTINE_SCHEMA).cast(QUARANTINE_SCHEMA) for x in (*quarantined, *conflicts)]
    )
    per_file = {
        name: _by_file(frame, len(heads))
        for name, frame in (
            ("rows", ok),
            ("quarantine", quarantine),
            ("read", pl.concat(counts)),
            ("recoded", pl.concat(recoded)),
            ("identical", identical),
        )
    }
    return [
        ReadResult(
            h.encoding,
            _sorted(per_file["rows"][k], ["_ligne"]),
            per_file["quarantine"][k].sort("ligne"),
            int(per_file["read"][k]["len"].sum()),
            int(per_file["identical"][k]["len"].sum()),
            h.warnings,
            h.mapping.name if h.mapping else None,
            int(per_file["recoded"][k]["len"].sum()),
        )
        for k, h in enumerate(heads)
    ]


def _sorted(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """The frame sorted by a unique key, as is when already in its order (the valid rows of most reads):
    sorting a group's typed rows, then each file's, cost 0.4 µs of CPU an sne_demandes line."""
    ascending = pl.col(key[-1]).diff() > 0
    for name in reversed(key[:-1]):
        step = pl.col(name).diff()
        ascending = (step > 0) | ((step == 0) & ascending)
    return frame if frame.select(ascending.fill_null(True).all()).item() else frame.sort(key)


def _by_file(frame: pl.DataFrame, files: int) -> list[pl.DataFrame]:
    """A group's frame split by file rank (FILE dropped), one per file, empty where it has no row."""
    parts = frame.partition_by(FILE, as_dict=True, include_key=False)
    empty = frame.clear().drop(FILE)
    return [parts.get((k,), empty) for k in range(files)]


def _choose_header(
    contract: Contract, info: FileInfo, header: list[str], mappings: Sequence[Mapping]
) -> tuple[Mapping | None, dict[str, int], list[str]]:
    """The column mapping that applies to the file (if any), where each contract column is in the
    (renamed) header, and the header's warnings."""
    mapping = _mapping(contract, info, header, mappings)
    try:
        positions, warnings = _header(contract, mapping.rename(header) if mapping else header, info)
    except FileRejected as e:
        if mapping:
            e.reason += f" (correspondance « {mapping.name} » appliquée)"
        raise
    return mapping, positions, warnings


def _header(contract: Contract, header: list[str], info: FileInfo) -> tuple[dict[str, int], list[str]]:
    """Position of each contract column present; rejects a header with missing or duplicated columns.

    Missing columns are checked first and named from the contract: a file without header (its first
    line is data, maybe personal) is rejected before any of its cells could be quoted. The header's
    own names are quoted only once it holds every required column, and then shortened (`_excerpt`).
    """
    names = [h.strip().lower() for h in header]
    position = {n: i for i, n in enumerate(names)}
    missing, absent_optional = _absent_columns(contract, position, info)
    if missing:
        raise FileRejected(
            "entete",
            f"colonnes obligatoires absentes de l'en-tête : {', '.join(missing)}",
            f"required columns missing from the header: {', '.join(missing)}",
            line=1,
        )
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        raise FileRejected(
            "entete",
            f"colonnes en double dans l'en-tête : {_excerpt(dupes)}",
            f"duplicate header columns: {len(dupes)}",
            line=1,
        )
    warnings = []
    if absent_optional:
        warnings.append(f"colonnes facultatives absentes, lues vides : {', '.join(absent_optional)}")
    # An unnamed column (a trailing `;` on every line) is named by its position, so the warning says something.
    known = {c.name.lower() for c in contract.columns}
    unknown = [h.strip() or f"(sans nom, n° {i + 1})" for i, h in enumerate(header) if h.strip().lower() not in known]
    if unknown:
        warnings.append(f"colonnes inconnues ignorées : {_excerpt(unknown)}")
    return {c.name: position[c.name.lower()] for c in contract.columns if c.name.lower() in position}, warnings


def _excerpt(names: list[str]) -> str:
    """Header names as quoted in a message: the first few, each cut short (a message is no copy of the file)."""
    shown = [n if len(n) <= EXCERPT_CHARS else n[: EXCERPT_CHARS - 1] + "…" for n in names[:EXCERPT_NAMES]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" et {more} autres" if more else "")


def _absent_columns(contract: Contract, position: dict[str, int], info: FileInfo) -> tuple[list[str], list[str]]:
    """Contract columns absent from the header: (required ones, optional ones worth a warning)."""
    missing, absent_optional = [], []
    for c in contract.columns:
        if c.name.lower() in position:
            continue
        needed = c.required or c.in_header
        if c.required_if is not None:
            needed = _meta_only_required(c, info) is not False
        if needed:
            missing.append(c.name)
        elif c.personal != "drop":  # names are not requested: their absence is the norm
            absent_optional.append(c.name)
    return missing, absent_optional


def _by_field_count(frame: pl.DataFrame, width: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records with as many fields as the header, and quarantine rows for the others (or for records
    that could not be split)."""
    recs = frame.with_columns(n=pl.col("fields").list.len())
    fits = pl.col("error").is_null() & (pl.col("n") == width)
    quotes = pl.col("error").is_not_null()
    miscounted = recs.filter(~fits).select(
        *ROW,
        colonne=pl.lit(None, pl.String),
        regle=pl.when(quotes).then(pl.lit("guillemets")).otherwise(pl.lit("nombre_de_champs")),
        raison=pl.coalesce(
            pl.col("error"),
            pl.format("nombre de champs : {} au lieu de {}", pl.col("n"), pl.lit(width)),
        ),
        reason_en=pl.when(quotes)
        .then(pl.lit("badly formed quotes"))
        .otherwise(pl.lit("field count differs from the header")),
        valeurs=pl.lit(None, pl.String),
    )
    return recs.filter(fits), miscounted


def _text_columns(
    contract: Contract, good: pl.DataFrame, positions: dict[str, int], mapping: Mapping | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Trimmed text of every contract column (null when empty or absent from the header), local codes
    recoded; returns it with the number of recoded values of each file (FILE, len)."""
    present = [c.name for c in contract.columns if c.name in positions]
    trimmed = [pl.col("fields").list.get(positions[name]).str.strip_chars().alias(name) for name in present]
    absent = [pl.lit(None, pl.String).alias(c.name) for c in contract.columns if c.name not in positions]
    # Trimmed, then emptied: in one expression the trimmed text was computed twice (1.2 → 0.6 µs of CPU an
    # sne_demandes line).
    emptied = [pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in present]
    txt = (
        good.lazy()
        .select(*ROW, *trimmed, *absent)
        .with_columns(emptied)
        .select(*ROW, *(c.name for c in contract.columns))
        .collect()
    )
    if mapping and mapping.codes:
        return _recode(contract, mapping, txt)
    return txt, NO_COUNT


def _pseudonymize(
    contract: Contract, txt: pl.DataFrame, pseudonymize: Callable[[pl.Series], pl.Series]
) -> pl.DataFrame:
    """Adds `id_demande`, the pseudonym of a well-formed numéro (null otherwise). Done before the
    checks, so that quarantined rows can show it instead of the numéro."""
    pseudonymized = [c for c in contract.columns if c.personal == "pseudonym"]
    assert len(pseudonymized) <= 1, "one numéro unique per feed"
    for c in pseudonymized:
        numero = pl.col(c.name).str.to_uppercase()
        masked = txt.select(pl.when(numero.str.contains(NUMERO_UNIQUE_RE)).then(numero)).to_series()
        txt = txt.with_columns(pseudonymize(masked).alias("id_demande"))
    return txt


@dataclass(frozen=True)
class _Decoding:
    """How a group's text columns become typed values and checks (`_typed`)."""

    values: list[pl.Expr]
    checks: list[Check]
    # The subexpressions that values and checks share (parse.Share), computed first as columns, by stages:
    # a column's n-th shared subexpression may use its earlier ones, so all columns' n-th come at stage n.
    shared: list[list[pl.Expr]]
    suspected: pl.Expr  # whether a line may break a check of DAMAGE_RULES (`damage_suspected`)


def _decoding(
    contract: Contract, ctx: Context, mapping: Mapping | None, header: list[str], controls: pl.Expr | None
) -> _Decoding:
    """Each column's typed value and the checks on it (their reasons naming the mapping's source
    column), plus the landlord: from the file name, which a landlord column must then agree with.
    `controls`: the lines where a control character may be (None: in none)."""
    suspected = damage_suspected([pl.col(c.name) for c in contract.columns], controls).alias(SUSPECT)
    typed_exprs, checks, shared = [], [], []
    for c in contract.columns:
        value, col_checks = decode_column(c, pl.col(c.name), ctx, _sharer(c.name, shared))
        typed_exprs.append(value.alias(c.name))
        checks += col_checks
    if mapping:
        checks = _name_source(checks, mapping, header)
    if not contract.landlord_from_file:
        return _Decoding(typed_exprs, checks, shared, suspected)
    file_siren = pl.col(FILE_SIREN)
    if not contract.landlord_column:
        return _Decoding(typed_exprs + [file_siren.alias(LANDLORD)], checks, shared, suspected)
    col = pl.col(contract.landlord_column)
    typed_exprs.append(pl.coalesce(file_siren, col).alias(LANDLORD))
    checks.append(
        Check(
            "bailleur_fichier",
            contract.landlord_column,
            (col.is_not_null() & file_siren.is_not_null() & (col != file_siren)).fill_null(False),
            pl.format("SIREN différent de celui du nom du fichier ({})", file_siren),
            "SIREN differs from the file name's",
        )
    )
    return _Decoding(typed_exprs, checks, shared, suspected)


def _sharer(column: str, stages: list[list[pl.Expr]]) -> Share:
    """A column's `Share`: each subexpression becomes a column of the next stage of that column's."""
    count = 0

    def share(expr: pl.Expr, what: str) -> pl.Expr:
        nonlocal count
        name = f"__{what}__{column}"
        if count == len(stages):
            stages.append([])
        stages[count].append(expr.alias(name))
        count += 1
        return pl.col(name)

    return share


def _typed(contract: Contract, txt: pl.DataFrame, decoding: _Decoding) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The typed rows, without direct identifiers (the age is derived in _finish), with an emptiness
    flag per conditionally required column; and whether each line fails each check (a column per check)."""
    checks = decoding.checks
    # A conditional requirement is judged on the text: a value present but unreadable is already
    # quarantined by its type check (and a personal value is dropped before the SQL step).
    empty = [pl.col(c.name).is_null().alias(f"__empty__{c.name}") for c in contract.columns if c.required_if]
    pseudonym = [pl.col("id_demande")] if "id_demande" in txt.columns else []
    flags = [f"__failed{i}" for i in range(len(checks))]
    # Values and checks in one lazy pass, so that their common subexpressions (a date parsed for its
    # value, its range and its future checks) are computed once: typing and checking an sne_demandes line
    # took 7.8 µs of CPU in two eager passes, 4.9 in one (scale 1, a 10.5 k-line extract), 2.4 with the
    # shared subexpressions computed first (`_Decoding.shared`).
    lazy = txt.lazy()
    for stage in decoding.shared:
        lazy = lazy.with_columns(stage)
    common = [chk.failed.alias(f) for chk, f in zip(checks, flags, strict=True) if chk.rule not in DAMAGE_RULES]
    both = lazy.select(
        *ROW, FILE_DATE, FILE_SIREN, *decoding.values, *empty, *pseudonym, *common, decoding.suspected
    ).collect()
    typed = both.drop(*(e.meta.output_name() for e in common), SUSPECT)
    personal = [c.name for c in contract.columns if c.personal in ("pseudonym", "drop")]
    return typed.drop(personal), _with_damage(txt, both, checks, flags)


def _with_damage(txt: pl.DataFrame, both: pl.DataFrame, checks: Sequence[Check], flags: list[str]) -> pl.DataFrame:
    """Every check's flags, those of DAMAGE_RULES computed on the suspected lines only (the others break
    none): 48 checks of sne_demandes on every line cost 0.7 µs of CPU a line, a third of its typing."""
    suspected = both[SUSPECT]
    at = suspected.arg_true()
    damage = [(chk, f) for chk, f in zip(checks, flags, strict=True) if chk.rule in DAMAGE_RULES]
    found = txt.filter(suspected).select(chk.failed.alias(f) for chk, f in damage) if at.len() else None
    cleared = pl.repeat(False, both.height, eager=True)
    damaged = [(cleared.scatter(at, found[f]) if found is not None else cleared).alias(f) for _, f in damage]
    return both.with_columns(damaged).select(flags)


@dataclass(frozen=True)
class SqlCheck:
    """A conditional requirement or a row rule: a SQL predicate over the typed row, true when it fails."""

    column: str | None
    rule: str
    failed: str
    reason: str
    reason_en: str


def _sql_checks(contract: Contract) -> list[SqlCheck]:
    checks = [
        SqlCheck(
            c.name,
            "obligatoire",
            f"({c.required_if}) and __empty__{c.name}",
            f"valeur obligatoire quand {c.required_if_fr}",
            "conditionally required value missing",
        )
        for c in contract.columns
        if c.required_if is not None
    ]
    return checks + [
        SqlCheck(r.column, r.name, f"not coalesce(({r.sql}), true)", r.reason, r.reason_en) for r in contract.rules
    ]


def _failures(
    contract: Contract,
    txt: pl.DataFrame,
    typed: pl.DataFrame,
    flags: pl.DataFrame,
    checks: list[Check],
    sql_checks: list[SqlCheck],
) -> pl.DataFrame:
    """One quarantine row per failed check and line, with the line's values; a row already
    quarantined for its type is not reported again by a rule on the same column. `flags`: whether
    each line fails each check (`_typed`)."""
    # Most files break few checks: count them in one pass, then build the reasons (strings quoting the
    # value) of the checks that failed somewhere, on their failing lines only. Building the 95 reason
    # columns of sne_demandes for every line took 0.9 s of CPU and ~0.5 GB per 106 k-line extract.
    counts = flags.sum().row(0) if checks else ()
    failures = [
        txt.filter(flags.to_series(i)).select(
            *ROW,
            colonne=pl.lit(chk.column),
            regle=pl.lit(chk.rule),
            raison=chk.reason,
            reason_en=pl.lit(chk.reason_en),
        )
        for i, (chk, n) in enumerate(zip(checks, counts, strict=True))
        if n
    ]
    failures += _sql_failures(typed, sql_checks)
    if failures:
        failed = pl.concat(failures).unique(subset=[*ROW, "colonne"], keep="first", maintain_order=True)
    else:
        schema = {k: v for k, v in QUARANTINE_SCHEMA.items() if k != "valeurs"}
        failed = pl.DataFrame(schema={FILE: pl.Int32, **schema})
    if not failed.height:  # most files: no values to show (~4 ms a file saved)
        return failed.with_columns(valeurs=pl.lit(None, pl.String))
    return failed.join(_values(contract, txt, failed.select(ROW).unique()), on=ROW, how="left")


def _sql_failures(typed: pl.DataFrame, sql_checks: list[SqlCheck]) -> list[pl.DataFrame]:
    """The lines failing each SQL check, evaluated in an in-memory DuckDB (only failing lines come back)."""
    if not sql_checks:
        return []
    with scratch() as con:
        con.register("t", typed)
        flags = [f"coalesce({chk.failed}, false)" for chk in sql_checks]
        selects = ", ".join(f"{f} as __s{i}" for i, f in enumerate(flags))
        # fetchall, not .pl(): the answer is mostly empty, and a frame costs ~5 ms per file (478 CAL files)
        found = con.sql(
            f"select {FILE}, ligne, {selects} from t where {' or '.join(flags)} order by {FILE}, ligne"
        ).fetchall()
    if not found:
        return []
    names = [*ROW, *(f"__s{i}" for i in range(len(sql_checks)))]
    failing = pl.DataFrame(found, schema=names, orient="row", schema_overrides={k: typed.schema[k] for k in ROW})
    return [
        failing.filter(pl.col(f"__s{i}")).select(
            *ROW,
            colonne=pl.lit(chk.column, pl.String),
            regle=pl.lit(chk.rule),
            raison=pl.lit(chk.reason),
            reason_en=pl.lit(chk.reason_en),
        )
        for i, chk in enumerate(sql_checks)
        if failing[f"__s{i}"].any()
    ]


def _values(contract: Contract, txt: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """The given lines' (FILE, ligne) values as JSON (`valeurs`), minus personal fields (the pseudonym
    stands in for the numéro)."""
    cols = [_shown(c.name) for c in contract.columns if not c.personal and c.name in txt.columns]
    if "id_demande" in txt.columns:
        cols.append(pl.col("id_demande"))
    return txt.join(lines, on=ROW, how="semi").select(*ROW, valeurs=pl.struct(cols).struct.json_encode())


def _shown(name: str) -> pl.Expr:
    """A value as the quarantine keeps it: cut short when too long to load (a report is no copy of it)."""
    v = pl.col(name)
    return pl.when(v.str.len_chars() > MAX_FIELD_CHARS).then(v.str.slice(0, EXCERPT_CHARS) + pl.lit("…")).otherwise(v)


def _within_file_duplicates(
    contract: Contract, values_of: Callable[[pl.DataFrame], pl.DataFrame], ok: pl.DataFrame
) -> tuple[pl.DataFrame, list[pl.DataFrame], pl.DataFrame]:
    """Duplicate keys within each file: identical rows keep one copy, conflicting ones are all
    quarantined (`values_of`: their `valeurs`). Returns (rows kept, quarantine rows, identical copies
    dropped per file: FILE, len)."""
    keys = [FILE, *contract.warehouse_keys]
    data_cols = [c for c in ok.columns if c != "_ligne"]  # FILE among them: a row of each file stands
    dup = ok.filter(pl.len().over(keys) > 1)
    if not dup.height:
        return ok, [], NO_COUNT
    variants = (
        dup.select(*keys, pl.struct(data_cols).alias("__row"))
        .group_by(keys)
        .agg(pl.col("__row").n_unique().alias("__variants"))
    )
    conflict = dup.join(variants.filter(pl.col("__variants") > 1), on=keys, how="semi")
    lines = conflict.group_by(keys).agg(pl.col("_ligne").sort().cast(pl.String).str.join(", ").alias("__lines"))
    conflict = conflict.join(lines, on=keys)
    quarantine = conflict.select(
        FILE,
        ligne=pl.col("_ligne"),
        colonne=pl.lit(", ".join(contract.keys)),
        regle=pl.lit("doublon_conflictuel"),
        raison=pl.format("clé en double dans le fichier avec des valeurs différentes (lignes {})", pl.col("__lines")),
        reason_en=pl.lit("conflicting duplicate key within the file"),
    ).join(values_of(conflict.select(FILE, ligne="_ligne")), on=ROW, how="left")
    ok = ok.join(conflict.select(FILE, "_ligne"), on=[FILE, "_ligne"], how="anti")
    kept = ok.unique(subset=data_cols, keep="first", maintain_order=True)
    dropped = ok.group_by(FILE).len().join(kept.group_by(FILE).len(), on=FILE, how="left", suffix="_kept")
    return kept, [quarantine], dropped.select(FILE, len=pl.col("len") - pl.col("len_kept").fill_null(0))


def _mapping(contract: Contract, info: FileInfo, header: list[str], mappings: Sequence[Mapping]) -> Mapping | None:
    try:
        return select(mappings, contract.feed, info.siren, header)
    except AmbiguousMapping as e:
        raise FileRejected(
            "correspondance_ambigue", str(e), "several column mappings apply to this file", line=1
        ) from None


def _recode(contract: Contract, mapping: Mapping, txt: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Local codes -> canonical codes, before code validation; an unmapped value is left as received,
    so it is quarantined as an unknown code. Matching is on the trimmed, upper-cased value."""
    exprs, counts = [], []
    for name, table in mapping.codes.items():
        if contract.column(name).type == "list":
            items = pl.col(name).str.split("|").list.eval(pl.element().str.strip_chars())
            up = pl.element().str.to_uppercase()
            exprs.append(
                items.list.eval(up.replace_strict(table, default=pl.element(), return_dtype=pl.String))
                .list.join("|")
                .alias(name)
            )
            counts.append(items.list.eval(up.is_in(list(table))).list.sum().sum().alias(name))
        else:
            up = pl.col(name).str.to_uppercase()
            exprs.append(up.replace_strict(table, default=pl.col(name), return_dtype=pl.String).alias(name))
            counts.append(up.is_in(list(table)).sum().alias(name))
    recoded = txt.group_by(FILE).agg(counts).select(FILE, len=pl.sum_horizontal(pl.exclude(FILE)).cast(pl.Int64))
    return txt.with_columns(exprs), recoded


def _name_source(checks: list[Check], mapping: Mapping, header: list[str]) -> list[Check]:
    """Reasons on a renamed or recoded column say which file column and which mapping they come from."""
    source = {mapping.columns[normalize_header(h)]: h.strip() for h in header if normalize_header(h) in mapping.columns}
    out = []
    for chk in checks:
        notes = []
        if chk.column in source and source[chk.column].lower() != chk.column.lower():
            notes.append(f"colonne « {source[chk.column]} » du fichier")
        if chk.rule == "code_inconnu" and chk.column in mapping.codes:
            notes.append(f"code absent de la correspondance « {mapping.name} »")
        out.append(replace(chk, reason=chk.reason + pl.lit(f" ({', '.join(notes)})")) if notes else chk)
    return out


def _finish(contract: Contract, typed: pl.DataFrame) -> pl.DataFrame:
    """Rename to warehouse columns and apply the personal-data rules (FILE kept)."""
    exprs = [pl.col(FILE), pl.col("ligne").alias("_ligne")]
    for c in contract.columns:
        target = c.warehouse_name
        if target is None or target == (contract.landlord_column or "").lower():
            continue
        if c.personal == "age":
            d, born = pl.col(FILE_DATE), pl.col(c.name)
            month, day = born.dt.month(), born.dt.day()
            before_birthday = (month > d.dt.month()) | ((month == d.dt.month()) & (day > d.dt.day()))
            exprs.append((d.dt.year() - born.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int32).alias(target))
        elif c.personal == "pseudonym":
            exprs.append(pl.col("id_demande"))
        else:
            exprs.append(pl.col(c.name).alias(target))
    if contract.landlord_from_file:
        exprs.append(pl.col(LANDLORD))
    return typed.select(exprs)

"""Typed decoding of one contract column, as Polars expressions.

`decode_column` turns the trimmed text of a column (null when empty) into its typed value and the
list of checks that can fail on it. A check is a boolean expression (True = the row breaks it) with
the rule's name and a French reason (an expression, so it can quote the offending value unless the
column is personal) plus an English one for logs. Everything stays vectorized.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from expectations.contract import Column, codes

from .dialect import CONTROL_RE  # line ends inside a quoted field are content, not control characters

SIREN_RE = r"^[0-9]{9}$"
INSEE_RE = r"^([0-9]{5}|2[AB][0-9]{3})$"
IDENT_REP_RE = r"^[0-9A-Za-z]{10}$"
NUMERO_UNIQUE_RE = r"^[0-9A-Z]{18}$"
DATE_FR_RE = r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$"
DATE_ISO_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONTH_RE = r"^[0-9]{2}/[0-9]{4}$"
YEAR_RE = r"^[0-9]{4}$"
INT_RE = r"^[+-]?[0-9]+$"
# Decimals: comma = decimal separator; with a comma, points before groups of three digits are
# thousands separators; without a comma a point is the decimal separator. Spaces are removed first,
# where they group thousands (`12 34` is refused).
DEC_COMMA_RE = r"^[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+),[0-9]*$"
DEC_POINT_RE = r"^[+-]?[0-9]+(\.[0-9]+)?$"
SPACES_RE = "[ \u00a0\u202f]"
SPACED_RE = r"^[+-]?[0-9]{1,3}([ \u00a0\u202f][0-9]{3})+([,.][0-9]*)?$"
MIN_YEAR, MAX_YEAR = 1900, 2100
# A field of the feeds holds a code, a number, a date or a short label (the longest, a landlord's name or
# refusal motive, well under 200 characters): a longer one is a damaged or pasted value (README, dialect).
MAX_FIELD_CHARS = 1000
# The checks of a damaged value: a line whose text, all columns together, holds no control character and
# is not that long breaks none of them (`damage_suspected`).
DAMAGE_RULES = frozenset({"caractere_controle", "longueur"})


@dataclass(frozen=True)
class Check:
    rule: str
    column: str
    failed: pl.Expr
    reason: pl.Expr
    reason_en: str


@dataclass(frozen=True)
class Context:
    file_date: dt.date | pl.Expr | None  # an expression when files are read together: each row's file date
    communes_epci: frozenset[str]
    bailleurs: frozenset[str] | None  # None: the referential is empty, the check is skipped


def _quote(col: Column, raw: pl.Expr) -> pl.Expr:
    """The offending value as shown to the analyst: never for a personal column."""
    if col.personal:
        return pl.lit("")
    return pl.lit(" « ") + raw.str.slice(0, 40) + pl.lit(" »")


# A subexpression the value and the checks share, given with a name for it: `decode_column` by default
# leaves it inline; the reader computes it once, as a column (`reader._typed`), where Polars' common
# subexpression elimination misses those under when/then (a decimal read for its value and two checks cost
# twice its value's time).
Share = Callable[[pl.Expr, str], pl.Expr]


def _inline(expr: pl.Expr, what: str) -> pl.Expr:
    return expr


def damage_suspected(texts: list[pl.Expr], controls: pl.Expr | None) -> pl.Expr:
    """Whether a line may break a check of DAMAGE_RULES: one of its texts is longer in bytes (never fewer
    than characters) than a value may be, or holds a control character, looked for only where `controls`
    (None: in no line, its file holds no control byte)."""
    long = (pl.max_horizontal(t.str.len_bytes() for t in texts) > MAX_FIELD_CHARS).fill_null(False)
    if controls is None:
        return long
    return long | (controls & pl.any_horizontal(t.str.contains(CONTROL_RE) for t in texts).fill_null(False))


def _parse_date(raw: pl.Expr, fr: pl.Expr, iso: pl.Expr) -> pl.Expr:
    """`fr`, `iso`: whether `raw` has the shape of a French or an ISO date."""
    return pl.coalesce(
        pl.when(fr).then(raw.str.to_date("%d/%m/%Y", strict=False)),
        pl.when(iso).then(raw.str.to_date("%Y-%m-%d", strict=False)),
    )


def _decimal(raw: pl.Expr, share: Share) -> pl.Expr:
    grouped = ~raw.str.contains(SPACES_RE) | raw.str.contains(SPACED_RE)
    s = share(pl.when(grouped).then(raw.str.replace_all(SPACES_RE, "")), "ungrouped")
    comma = s.str.contains(DEC_COMMA_RE)
    point = s.str.contains(DEC_POINT_RE)
    return (
        pl.when(comma)
        .then(s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(point)
        .then(s)
        .cast(pl.Float64, strict=False)
    )


def _in_year_range(value: pl.Expr) -> pl.Expr:
    return value.dt.year().is_between(MIN_YEAR, MAX_YEAR)


def decode_column(col: Column, raw: pl.Expr, ctx: Context, share: Share = _inline) -> tuple[pl.Expr, list[Check]]:
    """(typed value, checks) for one column; `raw` is trimmed text, null when empty. `share`: how the
    subexpressions that the value and the checks share are computed (`Share`)."""
    name = col.name
    present = raw.is_not_null()
    checks: list[Check] = []
    q = _quote(col, raw)

    def bad(rule: str, failed: pl.Expr, reason: str | pl.Expr, reason_en: str, quote: bool = True):
        r = pl.lit(reason) if isinstance(reason, str) else reason
        if quote and isinstance(reason, str):
            r = r + q
        checks.append(Check(rule, name, present & failed.fill_null(False), r, reason_en))

    # First, so that a damaged value is reported as such rather than as an unknown code.
    bad(
        "caractere_controle",
        raw.str.contains(CONTROL_RE),
        "caractère nul ou de contrôle dans la valeur (octet 0x00 à 0x1F) : valeur endommagée",
        "control character in the value",
        quote=False,
    )
    bad(
        "longueur",
        raw.str.len_chars() > MAX_FIELD_CHARS,
        f"valeur trop longue (plus de {MAX_FIELD_CHARS:,} caractères), collée ou endommagée".replace(",", "\u202f"),
        "value too long",
    )
    t = col.type
    value: pl.Expr
    wildcard = pl.lit(False) if col.wildcard is None else raw == pl.lit(col.wildcard)
    if t == "text":
        value = raw
    elif t in ("siren", "insee", "ident_rep", "numero_unique"):
        pattern, label = {
            "siren": (SIREN_RE, "SIREN invalide (9 chiffres attendus)"),
            "insee": (INSEE_RE, "code commune INSEE invalide (5 caractères attendus)"),
            "ident_rep": (IDENT_REP_RE, "identifiant RPLS invalide (10 caractères attendus)"),
            "numero_unique": (NUMERO_UNIQUE_RE, "numéro unique invalide (18 caractères [0-9A-Z] attendus)"),
        }[t]
        value = share(raw.str.to_uppercase(), "value") if t == "numero_unique" else raw
        well_formed = share(value.str.contains(pattern), "well_formed")
        bad("format", ~(well_formed | wildcard), label, f"invalid {t}")
        if col.ref == "communes_epci":
            bad(
                "commune_hors_epci",
                well_formed & ~value.is_in(sorted(ctx.communes_epci)),
                "commune hors de la CASA",
                "commune outside the EPCI",
            )
        if col.ref == "bailleurs" and ctx.bailleurs is not None:
            bad(
                "bailleur_inconnu",
                well_formed & ~value.is_in(sorted(ctx.bailleurs)) & ~wildcard,
                "bailleur absent du référentiel bailleurs.csv",
                "landlord not in the referential",
            )
    elif t in ("date", "date_or_year"):
        fr, iso = share(raw.str.contains(DATE_FR_RE), "fr"), share(raw.str.contains(DATE_ISO_RE), "iso")
        parsed = _parse_date(raw, fr, iso)
        if t == "date_or_year":
            year = share(raw.str.contains(YEAR_RE), "year")
            parsed = pl.coalesce(parsed, pl.date(pl.when(year).then(raw.cast(pl.Int32, strict=False)), 1, 1))
            fmt_ok = fr | iso | year
            label = "date attendue au format JJ/MM/AAAA, AAAA-MM-JJ ou AAAA"
        else:
            fmt_ok = fr | iso
            label = "date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ"
        parsed = share(parsed, "parsed")
        value = share(pl.when(_in_year_range(parsed)).then(parsed), "value")
        bad("format_date", ~fmt_ok, label, "bad date format")
        bad("date_impossible", fmt_ok & parsed.is_null(), "date impossible", "impossible date")
        bad(
            "date_hors_plage",
            parsed.is_not_null() & ~_in_year_range(parsed),
            f"date hors de la plage {MIN_YEAR}-{MAX_YEAR}",
            "date out of range",
        )
    elif t == "month":
        month = share(raw.str.slice(0, 2).cast(pl.Int32, strict=False), "month")
        ok = share(raw.str.contains(MONTH_RE) & month.is_between(1, 12), "ok")
        # The guards inside pl.date, not only around it: computed once for the value and the checks
        # (reader._typed), a date is built for every line, an impossible one stopping the read.
        value = share(pl.date(pl.when(ok).then(raw.str.slice(3, 4).cast(pl.Int32, strict=False)), month, 1), "date")
        value = share(pl.when(_in_year_range(value)).then(value), "value")
        bad("format_mois", ~ok | value.is_null(), "mois attendu au format MM/AAAA", "bad month format")
    elif t == "year":
        value = pl.when(raw.str.contains(YEAR_RE)).then(raw.cast(pl.Int32, strict=False))
        value = share(pl.when(value.is_between(MIN_YEAR, MAX_YEAR)).then(value), "value")
        bad("format_annee", value.is_null(), "année attendue (AAAA)", "bad year")
    elif t == "int":
        value = share(pl.when(raw.str.contains(INT_RE)).then(raw.cast(pl.Int64, strict=False)), "value")
        bad("nombre_entier", value.is_null(), "nombre entier attendu", "integer expected")
    elif t == "decimal":
        value = share(_decimal(raw, share), "value")
        bad("nombre_decimal", value.is_null(), "nombre décimal attendu (virgule décimale)", "decimal expected")
    elif t == "bool":
        up = raw.str.to_uppercase()
        value = share(pl.when(up == "OUI").then(True).when(up == "NON").then(False), "value")
        bad("oui_non", value.is_null(), "OUI ou NON attendu", "OUI or NON expected")
    elif t == "code":
        allowed = sorted(codes()[col.codes])
        up = share(raw.str.to_uppercase(), "upper")
        known = share(up.is_in(allowed) | wildcard, "known")
        value = pl.when(known | pl.lit(col.open_codes)).then(up)
        if not col.open_codes:
            bad("code_inconnu", ~known, f"code inconnu de la liste {col.codes}", f"unknown code ({col.codes})")
    elif t == "list":
        items = share(
            raw.str.split("|")
            .list.eval(pl.element().str.strip_chars())
            .list.eval(pl.element().filter(pl.element() != "")),
            "items",
        )
        if col.item == "insee":
            value = items
            bad(
                "format",
                ~items.list.eval(pl.element().str.contains(INSEE_RE)).list.all(),
                "liste de codes commune INSEE invalide (séparateur |)",
                "invalid INSEE list",
            )
        else:
            allowed = sorted(codes()[col.codes])
            value = share(items.list.eval(pl.element().str.to_uppercase()), "upper")
            bad(
                "code_inconnu",
                ~value.list.eval(pl.element().is_in(allowed)).list.all(),
                f"code inconnu de la liste {col.codes} (séparateur |)",
                f"unknown code in list ({col.codes})",
            )
        value = share(pl.when(value.list.len() > 0).then(value), "value")
    else:  # pragma: no cover - the contract loader refuses unknown types
        raise ValueError(t)

    if col.min is not None:
        bad("minimum", value < col.min, f"valeur inférieure au minimum {col.min:g}", "below minimum")
    if col.max is not None:
        bad("maximum", value > col.max, f"valeur supérieure au maximum {col.max:g}", "above maximum")
    if col.not_after_file_date and ctx.file_date is not None:
        d = ctx.file_date if isinstance(ctx.file_date, pl.Expr) else pl.lit(ctx.file_date, pl.Date)
        bad(
            "date_future",
            value > (d.dt.year() if t == "year" else d),
            pl.format("date postérieure à la date du fichier ({})", d) + q,
            "date after the file's date",
        )
    if col.required:
        # A list of separators only (`|`) holds no item: as missing as an empty field.
        missing = raw.is_null() | (value.is_null() if t == "list" else pl.lit(False))
        checks.append(
            Check("obligatoire", name, missing, pl.lit("valeur obligatoire manquante"), "required value missing")
        )
    return value, checks

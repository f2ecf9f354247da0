"""The feed contracts, declared as data in ``contracts/*.yml``, loaded into plain objects.

Everything that knows a column or a code (the reader, the generator, the sensor's file patterns,
the GX suites, the contract doc) reads it here. No Dagster, no DuckDB.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONTRACTS_DIR = Path(__file__).parent / "contracts"
SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


@cache
def _epci() -> dict:
    """The EPCI's row of the seed (siren, nom): the one place its identity is written."""
    with open(SEEDS_DIR / "epci.csv", encoding="utf-8", newline="") as f:
        (row,) = csv.DictReader(f)
    return row


EPCI_SIREN: str = _epci()["siren"]
EPCI_NOM: str = _epci()["nom"]

TYPES = {
    "text",
    "siren",
    "insee",
    "ident_rep",
    "numero_unique",
    "date",
    "date_or_year",
    "month",
    "year",
    "int",
    "decimal",
    "bool",
    "code",
    "list",
}
FILE_DATES = {"none", "day", "month_end", "year_start", "year_end"}
# How often a feed's files come (CONTRACTS.md, "File naming"): a monthly feed's file that loads no row is
# an empty month, itself a warning (expectations/suites_gen.py).
CADENCES = {"mensuelle", "annuelle", "ponctuelle"}
# Merge policies (CONTRACTS.md, "Dates, periods and re-sent files"):
# replace_period: a file replaces the rows of its period (snapshot date, year), and of its landlord
#   when its name carries one; replace_key: a later row replaces the row with the same key;
# unique_events: a key is unique across files, a later identical row is ignored, a different one conflicts.
MERGES = {"replace_period", "replace_key", "unique_events"}
PERSONAL = {None, "pseudonym", "drop", "age"}
# Names that must never be a warehouse column (CONTRACTS.md, "Personal data").
FORBIDDEN_COLUMNS = {"numero_unique", "nom", "prenom", "date_naissance"}


# The wording of the file facts a conditional requirement may read (CONTRACTS.md: per-landlord files).
_FILE_FACTS_FR = {"_siren_fichier is null": "le nom du fichier ne donne pas le SIREN du bailleur"}
_EQUALS = re.compile(r"^(\w+) = '([^']*)'$")
_IN_LIST = re.compile(r"^(\w+) in \(('[^']*'(?:, *'[^']*')*)\)$")


def condition_fr(predicate: str) -> str:
    """A contract's SQL predicate in French for the analyst (`decision = 'X'` -> `decision vaut X`,
    `c in ('A', 'B')` -> `c vaut A ou B`); a predicate without a plain wording is given as written."""
    if predicate in _FILE_FACTS_FR:
        return _FILE_FACTS_FR[predicate]
    if m := _EQUALS.match(predicate):
        return f"{m[1]} vaut {m[2]}"
    if m := _IN_LIST.match(predicate):
        values = re.findall(r"'([^']*)'", m[2])
        return f"{m[1]} vaut " + (", ".join(values[:-1]) + " ou " + values[-1] if len(values) > 1 else values[0])
    return predicate


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    # SQL predicate over the typed row: the value is required where it holds.
    required_if: str | None = None
    # The header must hold the column even where its value may be empty.
    in_header: bool = False
    codes: str | None = None
    item: str | None = None
    ref: str | None = None
    min: float | None = None
    max: float | None = None
    # Plausibility: a value beyond is absurd but may be true; the row loads and the run warns, naming the
    # file and the line (the feed's distribution suite).
    plausible_min: float | None = None
    plausible_max: float | None = None
    personal: str | None = None
    not_after_file_date: bool = False
    open_codes: bool = False
    wildcard: str | None = None
    # The warehouse name where the file's name is reserved (`nom` is a personal column everywhere).
    warehouse: str | None = None
    doc: str = ""

    @property
    def required_if_fr(self) -> str | None:
        """The condition of a conditional requirement as the analyst reads it in a quarantine reason."""
        return None if self.required_if is None else condition_fr(self.required_if)

    @property
    def header_required(self) -> bool:
        return self.required or self.in_header or self.required_if is not None

    @property
    def warehouse_name(self) -> str | None:
        """The column's name in the warehouse, or None when it never reaches it."""
        if self.personal == "pseudonym":
            return "id_demande"
        if self.personal == "age":
            return "age"
        if self.personal == "drop":
            return None
        return self.warehouse or self.name.lower()


@dataclass(frozen=True)
class Rule:
    name: str
    sql: str
    column: str
    reason: str
    reason_en: str


@dataclass(frozen=True)
class Contract:
    feed: str
    title: str
    file_pattern: str
    file_date: str
    cadence: str
    merge: str
    personal: bool
    order: int
    keys: tuple[str, ...]
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    landlord_from_file: bool = False
    landlord_column: str | None = None

    @property
    def table(self) -> str:
        return f"raw.{self.feed}"

    @property
    def monthly(self) -> bool:
        return self.cadence == "mensuelle"

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def match(self, file_name: str) -> re.Match | None:
        return re.match(self.file_pattern, file_name)

    def file_info(self, file_name: str) -> FileInfo:
        m = self.match(file_name)
        if m is None:
            raise ValueError(f"{file_name} does not match {self.feed}")
        groups = m.groupdict()
        return FileInfo(
            name=file_name,
            feed=self.feed,
            date=_file_date(self.file_date, groups),
            siren=groups.get("siren"),
            year=int(groups["annee"]) if groups.get("annee") else None,
        )

    @property
    def warehouse_keys(self) -> tuple[str, ...]:
        keys = tuple(self.column(k).warehouse_name for k in self.keys)
        return (("bailleur_siren",) + keys) if self.landlord_from_file else keys


@dataclass(frozen=True)
class FileInfo:
    """What a file's name says: its feed, the date it is judged against, its landlord."""

    name: str
    feed: str
    date: dt.date | None
    siren: str | None = None
    year: int | None = None


def _file_date(kind: str, groups: dict) -> dt.date | None:
    if kind == "none":
        return None
    if kind == "day":
        return dt.datetime.strptime(groups["date"], "%Y%m%d").date()
    if kind == "month_end":
        y, m = int(groups["mois"][:4]), int(groups["mois"][4:])
        return dt.date(y, m, calendar.monthrange(y, m)[1])
    if kind == "year_start":
        return dt.date(int(groups["annee"]), 1, 1)
    if kind == "year_end":
        return dt.date(int(groups["annee"]), 12, 31)
    raise ValueError(kind)


def _column(name: str, spec: dict) -> Column:
    spec = dict(spec)
    req = spec.pop("required", False)
    kwargs: dict = {}
    if req is True:
        kwargs["required"] = True
    elif req == "column":
        kwargs["in_header"] = True
    elif isinstance(req, str):
        kwargs["required_if"] = req
    elif req is not False:
        raise ValueError(f"{name}: required must be true, false, 'column' or a SQL predicate")
    col = Column(name=name, **kwargs, **spec)
    if col.type not in TYPES:
        raise ValueError(f"{name}: unknown type {col.type}")
    if col.personal not in PERSONAL:
        raise ValueError(f"{name}: unknown personal handling {col.personal}")
    if col.type == "code" or (col.type == "list" and col.item == "code"):
        if col.codes not in codes():
            raise ValueError(f"{name}: unknown code list {col.codes}")
    return col


def _rule(spec: dict) -> Rule:
    return Rule(**spec)


@cache
def codes() -> dict[str, dict[str, str]]:
    """Code lists: list name -> {code: French label}."""
    raw = yaml.safe_load((CONTRACTS_DIR / "codes.yml").read_text(encoding="utf-8"))
    return {k: {str(c): str(lbl) for c, lbl in v.items()} for k, v in raw.items()}


@cache
def _raw(feed: str) -> dict:
    return yaml.safe_load((CONTRACTS_DIR / f"{feed}.yml").read_text(encoding="utf-8"))


@cache
def contract(feed: str) -> Contract:
    spec = _raw(feed)
    columns: list[Column] = []
    rules: list[Rule] = []
    for parent, what in (spec.get("inherit") or {}).items():
        base = contract(parent)
        columns += [base.column(c) for c in what.get("columns", [])]
        rules += [r for r in base.rules if r.name in what.get("rules", [])]
    columns += [_column(n, s) for n, s in spec["columns"].items()]
    rules += [_rule(r) for r in spec.get("rules") or []]
    c = Contract(
        feed=spec["feed"],
        title=spec["title"],
        file_pattern=spec["file_pattern"],
        file_date=spec["file_date"],
        cadence=spec["cadence"],
        merge=spec["merge"],
        personal=bool(spec["personal"]),
        order=int(spec["order"]),
        keys=tuple(spec["keys"]),
        columns=tuple(columns),
        rules=tuple(rules),
        landlord_from_file=bool(spec.get("landlord_from_file", False)),
        landlord_column=spec.get("landlord_column"),
    )
    if c.feed != feed or c.file_date not in FILE_DATES or c.merge not in MERGES or c.cadence not in CADENCES:
        raise ValueError(f"contract {feed}: bad feed name, file_date, cadence or merge")
    names = [col.name for col in c.columns]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"contract {feed}: duplicate column")
    for k in c.keys:
        c.column(k)
    return c


@cache
def all_contracts() -> tuple[Contract, ...]:
    """Every feed, in the order a drop is processed (the landlord referential first)."""
    feeds = [p.stem for p in CONTRACTS_DIR.glob("*.yml") if p.stem != "codes"]
    return tuple(sorted((contract(f) for f in feeds), key=lambda c: c.order))


def feed_for(file_name: str) -> Contract | None:
    """The contract whose file-name pattern matches, or None."""
    for c in all_contracts():
        if c.match(file_name):
            return c
    return None


@cache
def communes() -> tuple[dict, ...]:
    """The EPCI's communes (the seed is the one place they are listed)."""
    with open(SEEDS_DIR / "communes.csv", encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def communes_epci() -> frozenset[str]:
    return frozenset(r["code_insee"] for r in communes())

"""The warehouse's `raw` schema: one table per feed (from its contract), the ingestion ledgers and the
code labels.

`prepare_warehouse` is all a caller needs to find the tables in place (the ledgers asset, a test's empty
warehouse); loading files also needs the key and the archive, which the loader's `Ingestor` opens.
"""

from __future__ import annotations

import duckdb
import polars as pl

from expectations.contract import FORBIDDEN_COLUMNS, Contract, all_contracts, codes

from .reader import LANDLORD

DUCK_TYPES = {
    "text": "VARCHAR",
    "siren": "VARCHAR",
    "insee": "VARCHAR",
    "ident_rep": "VARCHAR",
    "code": "VARCHAR",
    "numero_unique": "VARCHAR",
    "date": "DATE",
    "date_or_year": "DATE",
    "month": "DATE",
    "year": "INTEGER",
    "int": "BIGINT",
    "decimal": "DOUBLE",
    "bool": "BOOLEAN",
    "list": "VARCHAR[]",
}
META_COLUMNS = [
    ("_fichier", "VARCHAR"),
    ("_sha256", "VARCHAR"),
    ("_ligne", "BIGINT"),
    ("_date_fichier", "DATE"),
    ("_charge_le", "TIMESTAMP"),
]
# Derived state kept by a feed's merge: a radiation cancelled by a later empty-motif row (déradiation).
EXTRA_COLUMNS = {"sne_radiations": [("_annulee", "BOOLEAN")]}

SYSTEM_DDL = [
    "create schema if not exists raw",
    """create table if not exists raw.journal_ingestion (
        fichier varchar, flux varchar, sha256 varchar, taille_octets bigint, encodage varchar,
        statut varchar, lignes_lues bigint, lignes_chargees bigint, lignes_ignorees bigint,
        lignes_quarantaine bigint, doublons_identiques bigint, avertissements varchar, message varchar,
        archive varchar, debut timestamp, duree_s double, date_fichier date, bailleur_siren varchar)""",
    """create table if not exists raw.quarantaine (
        fichier varchar, sha256 varchar, flux varchar, ligne bigint, colonne varchar, regle varchar,
        raison varchar, reason_en varchar, valeurs varchar, recu_le timestamp)""",
    "create table if not exists raw.cle_pseudonymisation (empreinte varchar, enregistree_le timestamp)",
]


def columns_of(contract: Contract) -> list[tuple[str, str]]:
    """The raw table's columns: the contract's warehouse columns, landlord, meta."""
    cols = []
    for c in contract.columns:
        name = c.warehouse_name
        if name is None or name == (contract.landlord_column or "").lower():
            continue
        kind = "INTEGER" if c.personal == "age" else DUCK_TYPES[c.type]
        cols.append((name, kind))
    if contract.landlord_from_file:
        cols.append((LANDLORD, "VARCHAR"))
    assert not {n for n, _ in cols} & FORBIDDEN_COLUMNS, contract.feed
    return cols + META_COLUMNS + EXTRA_COLUMNS.get(contract.feed, [])


def prepare_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing of the `raw` schema and refresh the code labels."""
    for ddl in SYSTEM_DDL:
        con.execute(ddl)
    # The catalog read once: each feed asset prepares the warehouse, and a query of it costs 10 to 40 ms
    # (12 of them per asset, 2.4 s of the 10 feeds' ingestion at scale 1).
    catalog = _raw_columns(con)
    _date_journal(con, catalog["journal_ingestion"])
    for c in all_contracts():
        _ensure_feed_table(con, c, catalog.get(c.feed))
    _write_code_labels(con, catalog.get("codes"))


def _raw_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Each table of the `raw` schema with its columns in order."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'raw' "
        "order by table_name, ordinal_position"
    ).fetchall()
    catalog: dict[str, list[str]] = {}
    for table, column in rows:
        catalog.setdefault(table, []).append(column)
    return catalog


def _date_journal(con: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """The journal of a warehouse made before it recorded each file's date and landlord (the feeds'
    coverage starts at their first file: INDICATORS.md) gets them once, from the names as the contracts read
    them; a journal that has them is left alone (this runs at every start of an ingestion)."""
    if "date_fichier" in columns:
        return
    for column, kind in (("date_fichier", "date"), ("bailleur_siren", "varchar")):
        con.execute(f"alter table raw.journal_ingestion add column {column} {kind}")
    contracts = {c.feed: c for c in all_contracts()}
    for name, feed in con.execute("select distinct fichier, flux from raw.journal_ingestion").fetchall():
        contract = contracts.get(feed)
        if contract is None or contract.match(name) is None:
            continue
        info = contract.file_info(name)
        con.execute(
            "update raw.journal_ingestion set date_fichier = ?, bailleur_siren = ? where fichier = ? and flux = ?",
            [info.date, info.siren, name, feed],
        )


def _ensure_feed_table(con: duckdb.DuckDBPyConnection, contract: Contract, have: list[str] | None) -> None:
    """Create the feed's table, or check that the existing one (`have`: its columns) still has the
    contract's columns (a contract change is applied by replaying the archive, never by altering the
    table in place)."""
    cols = columns_of(contract)
    if have is None:
        con.execute(f"create table {contract.table} ({', '.join(f'{n} {t}' for n, t in cols)})")
        return
    if have != [n for n, _ in cols]:
        raise RuntimeError(
            f"la table {contract.table} ne correspond plus au contrat du flux {contract.feed} : "
            "lancez « observatoire rejouer » pour reconstruire les tables brutes depuis l'archive"
        )


def _write_code_labels(con: duckdb.DuckDBPyConnection, have: list[str] | None) -> None:
    """Code labels reach dbt from the contract (no copy in seeds), with each code's rank in its list (`ordre`:
    the typologies' order C < T1 < ... < T6P is the list's)."""
    labels = pl.DataFrame(
        [
            (liste, code, lib, rank)
            for liste, items in codes().items()
            for rank, (code, lib) in enumerate(items.items(), start=1)
        ],
        schema=["liste", "code", "libelle", "ordre"],
        orient="row",
    )
    con.register("labels", labels)
    # Rewritten only when the lists changed: each feed asset comes here (~60 ms a rewrite).
    same = (
        have == labels.columns
        and not con.execute(
            "select 1 from (select * from labels except all select * from raw.codes "
            "union all (select * from raw.codes except all select * from labels)) limit 1"
        ).fetchall()
    )
    if not same:
        con.execute("create or replace table raw.codes as select * from labels")
    con.unregister("labels")

"""The marts as Parquet under `<home>/published/donnees/<table>.parquet`, rewritten after each run.

Any tool (Excel through Power Query, DBeaver, an older DuckDB that cannot open a DuckDB 2.0 file) reads
them while the warehouse is locked. Every table of schema `marts` is written, plus two intermediate
tables the analyst works with: the dwelling state timeline (`int_logements_etats`) and the feed
completeness matrix (`int_flux_completude`). None of them holds a
direct identifier (households appear only as `id_demande` pseudonyms, if at all).
"""

import os
from pathlib import Path

import dagster as dg
import duckdb

from ..private import private_dir, private_file
from ..settings import Settings, SettingsResource
from ..transform import dbt_models
from ..warehouse import connect

GROUP = "marts_indicateurs"
KEY = dg.AssetKey(["published", "donnees"])
INTERMEDIATE = ("int_logements_etats", "int_flux_completude")


def donnees_dir(settings: Settings) -> Path:
    return settings.published / "donnees"


def exported_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every mart and of the intermediate tables kept for analysts, as they exist."""
    return [
        tuple(r)
        for r in con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = 'marts' or (table_schema = 'intermediate' and list_contains($i, table_name)) "
            "order by table_schema desc, table_name",
            params={"i": list(INTERMEDIATE)},
        ).fetchall()
    ]


def write_parquet(con: duckdb.DuckDBPyConnection, schema: str, table: str, folder: Path) -> tuple[Path, int]:
    """`<folder>/<table>.parquet`, written to a temporary file then renamed (a reader never sees half a
    file); returns the path and the row count."""
    private_dir(folder)
    target = folder / f"{table}.parquet"
    tmp = folder / f".{table}.parquet.tmp"
    path_sql = str(tmp).replace("'", "''")
    con.execute(f'copy (select * from "{schema}"."{table}") to \'{path_sql}\' (format parquet, compression zstd)')
    private_file(tmp)
    os.replace(tmp, target)
    rows = con.sql(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
    return target, rows


def _deps() -> list[dg.AssetKey]:
    keys = dbt_models.keys
    return sorted(
        (k for k in keys if k.path[0] == "marts" or (k.path[0] == "intermediate" and k.path[-1] in INTERMEDIATE)),
        key=lambda k: k.path,
    )


@dg.asset(key=KEY, group_name=GROUP, kinds={"parquet", "duckdb"}, deps=_deps())
def donnees_parquet(context: dg.AssetExecutionContext, parametres: SettingsResource) -> dg.MaterializeResult:
    """Les marts (et les tables intermédiaires utiles à l'analyste : états des logements, complétude des
    flux) en Parquet sous published/donnees/, lisibles par Excel (Power Query), DBeaver ou un DuckDB
    plus ancien pendant que l'entrepôt est verrouillé."""
    settings = parametres.get()
    folder = donnees_dir(settings)
    written = []
    with connect(settings.home, say=context.log.info) as con:
        for schema, table in exported_tables(con):
            path, rows = write_parquet(con, schema, table, folder)
            written.append((f"{schema}.{table}", path.name, rows))
    return dg.MaterializeResult(
        metadata={
            "dossier": dg.MetadataValue.path(str(folder)),
            "tables": dg.MetadataValue.int(len(written)),
            "fichiers": dg.MetadataValue.md(
                "\n".join(f"- `{name}` ← {table} : {rows} lignes" for table, name, rows in written) or "_aucune table_"
            ),
        }
    )

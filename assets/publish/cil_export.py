"""The CIL pack as a quarterly-partitioned Dagster asset (group `publication`), and the checks that a
quarter may be exported: in the history, complete (or past its deadline), no blocking check failed."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from ..partitions import deadline, is_complete, parse_quarter, quarter_key, quarter_to_publish, trimestres_cil
from ..settings import Settings, SettingsResource
from ..transform import dbt_models
from ..warehouse import connect, writer_lock
from .cil_charts import take
from .cil_pack import Pack, secret_shares, write_pack
from .cil_sources import completude, history, read_pack
from .confidentiality import read_reference
from .public_rows import public_quarter
from .secret_ahead import start_in_step

GROUP = "publication"
KEY = dg.AssetKey(["published", "pack_cil"])
# The intermediate tables the Lisez-moi reads beside the marts.
INTERMEDIATE = ("int_trimestres", "int_couvertures", "int_flux_completude", "int_fenetres_residences")


class ExportRefused(ValueError):
    """A quarter that cannot be exported (French message)."""


def cil_dir(settings: Settings) -> Path:
    return settings.published / "cil"


def check_in_history(con: duckdb.DuckDBPyConnection, annee: int, trimestre: int) -> None:
    """ExportRefused when the quarter is outside the warehouse's history."""
    quarters = history(con)
    if (annee, trimestre) not in quarters:
        span = f"de {quarter_key(*quarters[0])} à {quarter_key(*quarters[-1])}" if quarters else "vide"
        raise ExportRefused(
            f"le trimestre {quarter_key(annee, trimestre)} est hors de l'historique de l'entrepôt ({span})"
        )


def check_quarter(con: duckdb.DuckDBPyConnection, annee: int, trimestre: int, today: dt.date) -> bool:
    """Whether the quarter is complete; ExportRefused when it is outside the history, or incomplete
    before its deadline."""
    check_in_history(con, annee, trimestre)
    key = quarter_key(annee, trimestre)
    complete = is_complete(completude(con), annee, trimestre)
    if not complete and today < deadline(annee, trimestre):
        raise ExportRefused(
            f"le trimestre {key} n'est pas encore complet (des fichiers attendus de son dernier mois manquent) : "
            f"il sera publié dès leur arrivée, au plus tard le {deadline(annee, trimestre):%d/%m/%Y} avec ses lacunes"
        )
    return complete


def last_publishable(con: duckdb.DuckDBPyConnection, today: dt.date) -> tuple[int, int, bool] | None:
    return quarter_to_publish(history(con), completude(con), today)


def audience_shares(con: duckdb.DuckDBPyConnection, settings: Settings, pack: Pack) -> pl.DataFrame:
    """The share of secret cells per audience and sheet of the pack (audience, feuille, lignes, secretes, part):
    the pack's own rows for the CIL, the same quarter through the public's rules beside it."""
    # the site's cache: the public rows of the pack's quarter are the site's too (public_rows.py)
    public = public_quarter(con, settings, pack.annee, pack.trimestre, read_reference(con)).drop("secret")
    return pl.concat(
        secret_shares(rows, pack.catalogue).select(pl.lit(a).alias("audience"), pl.all())
        for a, rows in (("cil", pack.rows), ("public", public))
    )


@dataclass(frozen=True)
class Exported:
    csv: Path
    xlsx: Path
    complete: bool
    shares: pl.DataFrame


def export_quarter(settings: Settings, annee: int, trimestre: int, today: dt.date, say: Callable = print) -> Exported:
    """Write the pack of one quarter under <home>/published/cil/ (refused as check_quarter says). Chromium
    starts first, for the charts: its start overlaps the reading and the secret."""
    with take() as browser:
        with writer_lock(settings.home, say=say), connect(settings.home, read_only=True, say=say) as con:
            complete = check_quarter(con, annee, trimestre, today)
            pack = read_pack(con, settings, annee, trimestre)
            shares = audience_shares(con, settings, pack)
        csv, xlsx = write_pack(pack, cil_dir(settings), browser)
    return Exported(csv, xlsx, complete, shares)


def blocking_checks() -> list[dg.AssetCheckKey]:
    """The project's checks that block publication when they fail."""
    from ..checks import CROSS_FEED_CHECKS, GX_CHECKS

    return [s.key for c in (*CROSS_FEED_CHECKS, *GX_CHECKS) for s in c.check_specs if s.blocking]


def failed_blocking_check(instance: dg.DagsterInstance) -> str | None:
    """The name of a blocking check whose latest evaluation failed, if any."""
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    for key in blocking_checks():
        record = instance.get_latest_asset_check_evaluation_record(key)
        if record is not None and record.status == AssetCheckExecutionRecordStatus.FAILED:
            return key.name
    return None


def _deps() -> list[dg.AssetKey]:
    return sorted(
        (
            k
            for k in dbt_models.keys
            if k.path[0] == "marts" or (k.path[0] == "intermediate" and k.path[-1] in INTERMEDIATE)
        ),
        key=lambda k: k.path,
    )


@dg.asset(key=KEY, group_name=GROUP, partitions_def=trimestres_cil, kinds={"xlsx", "csv"}, deps=_deps())
def pack_cil(context: dg.AssetExecutionContext, parametres: SettingsResource) -> dg.MaterializeResult:
    """Pack trimestriel de la CIL (un trimestre AAAAT<q>) : cil_<EPCI>_AAAAT<q>.xlsx et .csv sous
    published/cil/, après secret statistique ; refusé si un contrôle bloquant a échoué, si le trimestre
    est hors de l'historique ou incomplet avant son échéance (le 20 du mois suivant)."""
    failed = failed_blocking_check(context.instance)
    if failed:
        raise ExportRefused(f"publication arrêtée : le contrôle bloquant {failed} a échoué au dernier traitement")
    settings = parametres.get()
    annee, trimestre = parse_quarter(context.partition_key)
    start_in_step(context, settings, annee, trimestre)
    done = export_quarter(settings, annee, trimestre, dt.date.today(), say=context.log.info)
    return dg.MaterializeResult(
        metadata={
            "xlsx": dg.MetadataValue.path(str(done.xlsx)),
            "csv": dg.MetadataValue.path(str(done.csv)),
            "complet": dg.MetadataValue.bool(done.complete),
            "parts_secret": dg.MetadataValue.json(done.shares.to_dicts()),
        }
    )

"""The quarterly CIL pack's schedule: a daily look at the completeness matrix that publishes the last
complete quarter once its last month has arrived, and at the latest on the 20th day of the next quarter
(with its gaps stated in the Lisez-moi). Like every sensor it never opens DuckDB: it reads the Parquet
copies of the marts written after each run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import polars as pl

from assets.partitions import quarter_key, quarter_to_publish, trimestres_cil
from assets.publish.cil_export import failed_blocking_check
from assets.publish.donnees import donnees_dir
from assets.settings import load_settings

from .jobs import publication_job

DAY = 24 * 3600


def decision(folder: Path, today: dt.date) -> tuple[str, bool] | str:
    """(quarter key, complete) to publish, from the Parquet copies in `folder`; else why not (French)."""
    indicateurs, matrice = folder / "fct_indicateurs.parquet", folder / "int_flux_completude.parquet"
    if not (indicateurs.exists() and matrice.exists()):
        return "aucune copie Parquet des indicateurs : aucun traitement n'a encore abouti"
    quarters = pl.scan_parquet(indicateurs).select("annee", "trimestre").unique().collect().rows()
    choice = quarter_to_publish(quarters, pl.read_parquet(matrice), today)
    if choice is None:
        return "aucun trimestre complet ni arrivé à échéance"
    annee, trimestre, complete = choice
    return quarter_key(annee, trimestre), complete


@dg.sensor(
    job=publication_job,
    minimum_interval_seconds=DAY // 4,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Publie le pack CIL et le site public du dernier trimestre complet (au plus tard le 20 du mois "
    "qui suit le trimestre, avec ses lacunes), si aucun contrôle bloquant n'a échoué.",
)
def pack_cil_trimestriel(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    failed = failed_blocking_check(context.instance)
    if failed:
        return dg.SkipReason(f"contrôle bloquant {failed} en échec : pas de publication")
    choice = decision(donnees_dir(load_settings()), dt.date.today())
    if isinstance(choice, str):
        return dg.SkipReason(choice)
    key, complete = choice
    # One run per quarter and state: a quarter published at its deadline with gaps goes out again complete.
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=key, run_key=f"{key}:{'complet' if complete else 'lacunes'}")],
        dynamic_partitions_requests=[trimestres_cil.build_add_request([key])],
    )

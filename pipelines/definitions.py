"""The one Definitions of the observatory (loaded by `dagster dev -w workspace.yaml` and the CLI)."""

import dagster as dg

from assets.checks import CROSS_FEED_CHECKS, GX_CHECKS
from assets.ingest.feeds import FEED_ASSETS, ledgers
from assets.publish.cil_export import pack_cil
from assets.publish.donnees import donnees_parquet
from assets.publish.interne import interne
from assets.publish.site import site
from assets.transform import dbt_models

from .eventlog import write_events_fast
from .jobs import observatoire_job, publication_job
from .resources import RESOURCES
from .schedules import pack_cil_trimestriel
from .sensors import boite_de_depot

write_events_fast()  # here, so that runs launched from the UI (which load this module) benefit too
defs = dg.Definitions(
    assets=[*FEED_ASSETS, ledgers, dbt_models, donnees_parquet, pack_cil, site, interne],
    asset_checks=[*CROSS_FEED_CHECKS, *GX_CHECKS],
    jobs=[observatoire_job, publication_job],
    sensors=[boite_de_depot, pack_cil_trimestriel],
    resources=RESOURCES,
    executor=dg.in_process_executor,
)

"""Jobs: `observatoire` runs everything a new drop needs (ingestion, dbt and checks); `publication_cil`
publishes the CIL pack of one quarter (a partition `AAAAT<q>`)."""

import dagster as dg

from assets.partitions import trimestres_cil
from assets.publish.cil_export import KEY as PACK_CIL

MAIN_JOB = "observatoire"
PUBLICATION_JOB = "publication_cil"

observatoire_job = dg.define_asset_job(
    MAIN_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("publication"),
    description="Ingère les fichiers déposés et reconstruit les indicateurs (hors publication).",
)

publication_job = dg.define_asset_job(
    PUBLICATION_JOB,
    selection=dg.AssetSelection.assets(PACK_CIL),
    partitions_def=trimestres_cil,
    description="Publie le pack trimestriel de la CIL d'un trimestre (AAAAT<q>).",
)

"""Jobs: `observatoire` runs everything a new drop needs (ingestion, dbt and checks); `publication_cil`
publishes one quarter (a partition `AAAAT<q>`): the CIL pack, the public site and the commission's
internal monthly table."""

import dagster as dg

from assets.partitions import trimestres_cil
from assets.publish.cil_export import KEY as PACK_CIL
from assets.publish.interne import KEY as INTERNE
from assets.publish.site import KEY as SITE

MAIN_JOB = "observatoire"
PUBLICATION_JOB = "publication_cil"

observatoire_job = dg.define_asset_job(
    MAIN_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("publication"),
    description="Ingère les fichiers déposés et reconstruit les indicateurs (hors publication).",
)

publication_job = dg.define_asset_job(
    PUBLICATION_JOB,
    selection=dg.AssetSelection.assets(PACK_CIL, SITE, INTERNE),
    partitions_def=trimestres_cil,
    description="Publie un trimestre (AAAAT<q>) : le pack de la CIL, le site public et le tableau de suivi interne "
    "de la commission.",
)

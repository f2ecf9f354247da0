"""Jobs: `observatoire` runs everything a new drop needs (ingestion, and later dbt and checks)."""

import dagster as dg

MAIN_JOB = "observatoire"

observatoire_job = dg.define_asset_job(
    MAIN_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("publication"),
    description="Ingère les fichiers déposés et reconstruit les indicateurs (hors publication).",
)

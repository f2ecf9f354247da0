"""The dbt models as Dagster assets: one `dbt build` per run, dbt tests as asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from .dbt import dbt_project, run_target, vars_args, wait_parse
from .settings import HOME_ENV, MEMORY_ENV, SettingsResource
from .warehouse import duckdb_config, writer_lock

MARTS_PREFIX = "marts_"


class Translator(DagsterDbtTranslator):
    """Sources map to the ingestion assets `raw/<table>`; groups follow the dbt folders."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else None
        if layer == "marts":
            return MARTS_PREFIX + fqn[2]
        if layer in ("staging", "intermediate"):
            return layer
        return "staging"  # seeds: reference data read like a staged source


def dbt_env(settings) -> dict[str, str]:
    """What dbt_project/profiles.yml reads: the home and DuckDB's memory. The home's background parse gets the
    same: dbt reuses a parse only under the same profile, its settings included (with the memory left to
    its default, the first run's build parsed again in full, ~7 s)."""
    return {HOME_ENV: str(settings.home), MEMORY_ENV: duckdb_config(settings)["memory_limit"]}


def dbt_build_args(vars_: dict) -> list[str]:
    """Production runs: models, seeds and data tests; unit tests run in `make test` only."""
    return ["build", *vars_args(vars_), "--exclude", "test_type:unit"]


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=Translator())
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, parametres: SettingsResource):
    """Every dbt model, seed and data test of dbt_project/, in one `dbt build`."""
    settings = parametres.get()
    os.environ.update(dbt_env(settings))
    with writer_lock(settings.home, say=context.log.warning):
        wait_parse(settings.home)  # the CLI's background parse of a home's first run
        # The home's own target folder (not one per run): dbt reuses the parse of the previous run.
        yield from dbt.cli(
            dbt_build_args(settings.dbt_vars()), context=context, target_path=run_target(settings.home)
        ).stream()

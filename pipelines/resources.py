"""Resources shared by every asset: settings (home, thresholds, retention) and the dbt CLI."""

import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging.version import Version

from assets.dbt import DBT, dbt_project
from assets.settings import SettingsResource


class DbtCli(DbtCliResource):
    """dagster-dbt's resource without two costs it pays before each dbt command, for features the project
    does not use: `dbt --version` in a subprocess to learn the version (a whole dbt start, which also asks
    PyPI for the latest release), and a dbt adapter opened in Dagster's process (dbt imported, its macros
    loaded), needed only by `fetch_row_counts` and `fetch_column_metadata`. Together ~4 s of CPU at every
    dbt step, before dbt's own start."""

    @cached_property
    def _cli_version(self) -> Version:
        # the dbt below is that of this environment: its version is the installed package's
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


def _dbt_executable() -> str:
    launcher = Path(sys.executable).parent / "observatoire-dbt"
    return str(launcher) if launcher.exists() else DBT


RESOURCES = {
    "parametres": SettingsResource(),
    # the dbt of this environment (even when its bin folder is not on PATH), through the launcher that hands
    # the build to dbt started ahead (assets/dbt_ahead.py), when the environment has it (installed)
    "dbt": DbtCli(project_dir=dbt_project, dbt_executable=_dbt_executable()),
}

"""Resources shared by every asset: settings (home, thresholds, retention) and the dbt CLI."""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from assets.dbt import dbt_project
from assets.settings import SettingsResource

RESOURCES = {
    "parametres": SettingsResource(),
    # the dbt of this environment, even when its bin folder is not on PATH
    "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")),
}

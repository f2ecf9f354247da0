"""The dbt project, alone: `dagster-dbt project prepare-and-package --file assets/dbt.py` loads this
module by path at build time to write the manifest, so it imports nothing of the project."""

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


def ensure_manifest() -> None:
    """Write the manifest when it is missing or older than a file of the dbt project."""
    manifest = dbt_project.manifest_path
    sources = [p for d in ("models", "seeds", "macros", "tests") for p in (DBT_DIR / d).rglob("*") if p.is_file()]
    sources.append(DBT_DIR / "dbt_project.yml")
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}  # dbt of this venv
    subprocess.run([str(bin_dir / "dagster-dbt"), "project", "prepare-and-package", "--file", __file__],
                   check=True, cwd=DBT_DIR.parent, env=env, stdout=subprocess.DEVNULL)

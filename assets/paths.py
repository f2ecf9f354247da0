"""Where the project's own folders are, without importing what uses them: the confidentiality code reads a dbt
seed in worker processes, and importing `assets.dbt` (dagster-dbt, dbt-core) there took ~3 s of CPU each."""

from __future__ import annotations

from pathlib import Path

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

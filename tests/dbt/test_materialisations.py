"""The project's table and view materializations (dbt_project/macros/materialisations.sql), run by dbt on a small
project of their own against the real DuckDB: a rebuilt relation holds the new rows and leaves no temporary or
backup relation, and a model that fails leaves the previous one as it was (and its hooks' writes undone)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb

from assets.dbt import DBT
from assets.paths import DBT_DIR

PROJECT = """
name: materialisations
version: "1.0.0"
config-version: 2
profile: materialisations
macro-paths: ["macros"]
flags:
  send_anonymous_usage_stats: false
  version_check: false
models:
  materialisations:
    +materialized: table
"""
PROFILE = """
materialisations:
  target: local
  outputs:
    local:
      type: duckdb
      path: "{warehouse}"
      threads: 2
"""
MODELS = {
    # `v` of the table `entree` (written by the test), cast to an integer: 'x' fails at run time; its pre-hook
    # writes `v` to `journal` in the model's transaction
    "t.sql": ("{{ config(pre_hook='insert into journal select v from entree') }}\nselect v::integer as x from entree"),
    "v.sql": "{{ config(materialized='view') }} select x + 1 as y from {{ ref('t') }}",
    "p.py": (
        "import polars as pl\n\n\n"
        "def model(dbt, session):\n"
        "    v = session.sql('select v from entree').fetchall()[0][0]\n"
        "    return pl.DataFrame({'x': [10 * int(v)]}).to_arrow()\n"
    ),
}


def build(project: Path, warehouse: Path, v: str) -> subprocess.CompletedProcess:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create or replace table entree as select ? as v", [v])
        con.execute("create table if not exists journal (v varchar)")
    return subprocess.run(
        [DBT, "build", "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env={**os.environ, "DBT_TARGET_PATH": str(project / "target"), "DBT_LOG_PATH": str(project / "logs")},
        capture_output=True,
        text=True,
        timeout=300,
    )


def relations(warehouse: Path) -> dict[str, list]:
    """Each relation dbt made: its type and rows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sql = "select table_name, table_type from information_schema.tables"
        names = con.execute(sql + " where table_name not in ('entree', 'journal') order by 1").fetchall()
        return {n: [t, *con.execute(f"select * from {n}").fetchall()] for n, t in names}


def test_a_rebuilt_table_view_or_python_model_is_replaced_and_a_failing_one_kept(tmp_path):
    project = tmp_path / "projet"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    shutil.copy(DBT_DIR / "macros" / "materialisations.sql", project / "macros")
    (project / "dbt_project.yml").write_text(PROJECT)
    warehouse = tmp_path / "w.duckdb"
    (project / "profiles.yml").write_text(PROFILE.format(warehouse=warehouse))
    for name, text in MODELS.items():
        (project / "models" / name).write_text(text)

    for v in ("1", "2"):
        out = build(project, warehouse, v)
        assert out.returncode == 0, out.stdout[-3000:]
    after_2 = {"p": ["BASE TABLE", (20,)], "t": ["BASE TABLE", (2,)], "v": ["VIEW", (3,)]}
    assert relations(warehouse) == after_2

    out = build(project, warehouse, "x")  # t (SQL) and p (Python) fail at run time; v is skipped
    assert out.returncode != 0
    assert "Could not convert string 'x'" in out.stdout and "invalid literal for int()" in out.stdout
    assert relations(warehouse) == after_2
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the failed model's hook rolled back with it
        assert con.execute("select v from journal order by v").fetchall() == [("1",), ("2",)]

"""A warehouse for dbt: the raw tables (empty or from the fixture drop) and every model built on them.
dbt writes its target and logs under the test's temporary folder, so workers never share them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from assets.dbt import dbt_command, ensure_manifest
from assets.warehouse import connect


def dbt(home: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """Run dbt on `home`'s warehouse; returns the process and its run results."""
    target = home / "dbt_target"
    env = {**os.environ, "OBSERVATOIRE_HOME": str(home)}
    out = subprocess.run(
        dbt_command(*args, target=target, log=home / "dbt_logs"),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = target / "run_results.json"
    return out, (json.loads(results.read_text())["results"] if results.exists() else [])


@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory) -> Path:
    """Every raw table, empty, and every model and seed built on them."""
    from assets.ingest.schema import prepare_warehouse

    ensure_manifest()
    home = tmp_path_factory.mktemp("dbt_home")
    os.environ.setdefault("OBSERVATOIRE_CLE", "a1" * 32)
    with connect(home) as con:
        prepare_warehouse(con)
    out, _ = dbt(home, "build", "--exclude", "test_type:unit")
    assert out.returncode == 0, out.stdout[-3000:]
    return home

"""Shared fixtures: a home with the fixture drop in its inbox, a fixed pseudonymization key."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
DEPOT = FIXTURES / "depot"
TEST_KEY_HEX = "a1" * 32
# What the fixture drop holds that must never reach the warehouse, a log or an output.
FIXTURE_NUMEROS = [f"06101240000000000{i}" for i in range(1, 10)]
FIXTURE_NAMES = ["Martin", "Jeanne", "Durand", "Paul"]


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
    return bytes.fromhex(TEST_KEY_HEX)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh home whose inbox holds the fixture drop; OBSERVATOIRE_HOME points at it."""
    h = tmp_path / "home"
    shutil.copytree(DEPOT, h / "inbox")
    monkeypatch.setenv("OBSERVATOIRE_HOME", str(h))
    return h


def drop(home: Path, *names: str) -> None:
    for n in names:
        shutil.copy(DEPOT / n, home / "inbox" / n)


def dump(db: Path, exclude_columns: tuple[str, ...] = (), exclude_tables: tuple[str, ...] = ()) -> dict[str, list]:
    """Every raw table's rows, sorted: to compare warehouse states."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
            if r[0] not in exclude_tables
        ]
        for t in tables:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ? "
                    "order by ordinal_position",
                    [t],
                ).fetchall()
                if r[0] not in exclude_columns
            ]
            out[t] = con.execute(f"select {', '.join(cols)} from raw.{t} order by all").fetchall()
        return out
    finally:
        con.close()


PERSONAL_COLUMNS = {"numero_unique", "nom", "prenom", "date_naissance"}


def warehouse_text(db: Path) -> tuple[set[str], str]:
    """Every column name of the warehouse and all its text cells: where personal data would show."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns"
        ).fetchall()
        cells = []
        for schema, table, column, kind in cols:
            if kind in ("VARCHAR", "VARCHAR[]"):
                cells += [str(v[0]) for v in con.execute(f'select "{column}" from {schema}.{table}').fetchall()]
    finally:
        con.close()
    return {c[2].lower() for c in cols}, "\n".join(cells)


SMALL_TERRITORY = dict(seed=5, scale=0.05, debut="2025-10", fin="2026-01")


def run_small_territory(home: Path):
    """The main job on the small territory generated in `home`'s inbox (2025-10 to 2026-01: its history is the
    quarter 2025T4), by the function `observatoire run` calls: on the home's Dagster instance, whose events the
    privacy audit searches, with the run's journal; returns Dagster's result."""
    from assets.ingest.loader import pending
    from assets.settings import load_settings
    from pipelines.cli import run_pipeline
    from pipelines.generator.api import generate

    generate(home / "inbox", **SMALL_TERRITORY)
    with pytest.MonkeyPatch.context() as mp:  # run_pipeline sets DAGSTER_HOME: set here, it is restored after
        mp.setenv("OBSERVATOIRE_HOME", str(home))
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        mp.setenv("DAGSTER_HOME", str(home / "dagster"))
        settings = load_settings(home)
        result = run_pipeline(settings, [p.name for p, _ in pending(settings.inbox)[0]])
    assert result.success
    return result


def run_main_job(home: Path):
    """The main job in process, as `observatoire run` does, on `home`'s inbox; returns Dagster's result."""
    import dagster as dg

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_HOME", str(home))
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        from assets.dbt import ensure_manifest

        ensure_manifest()
        from pipelines.definitions import defs
        from pipelines.jobs import MAIN_JOB

        result = defs.resolve_job_def(MAIN_JOB).execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """(home, Dagster's result) after the main job (ingestion, dbt build, checks, Parquet copies) on the small
    territory: the costliest fixture of the suite (about a minute on 2 idle cores), built once per session
    and worker. Tests read the home and write only under its published/ and docs/ folders (others on a copy)."""
    home = tmp_path_factory.mktemp("warehouse")
    return home, run_small_territory(home)


@pytest.fixture(scope="session")
def warehouse(small_run) -> Path:
    """The home of `small_run`."""
    return small_run[0]


@pytest.fixture(scope="session")
def published_quarter(warehouse):
    """Dagster's result of the publication (CIL pack, site, internal table) of the fixture warehouse's one
    quarter, 2025T4, as `observatoire run` ends: run once per session and worker, read by the pack's and the
    site's tests."""
    from assets.settings import load_settings
    from pipelines.cli import publish_quarter

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_HOME", str(warehouse))
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        mp.setenv("DAGSTER_HOME", str(warehouse / "dagster"))
        result = publish_quarter(load_settings(warehouse), 2025, 4)
    assert result.success
    return result

"""The statistical secret of a publication computed ahead (assets/publish/secret_ahead.py): every release the
publication of a quarter reads is submitted at once when it starts and computed once; a worker's failure fails
the steps that read its release, with its error; releases already cached are not submitted again."""

from __future__ import annotations

import multiprocessing
import shutil
import uuid
from concurrent.futures import ProcessPoolExecutor

import pytest

from assets.publish import public_rows
from assets.publish.public_rows import cache_dir
from assets.publish.secret_ahead import start, wanted
from assets.settings import load_settings
from pipelines.cli import QUIET
from tests.conftest import TEST_KEY_HEX

QUARTER = (2025, 4)  # the fixture warehouse's one quarter


def test_the_publication_wants_the_pack_s_releases_first_then_the_public_s_of_the_earlier_quarters():
    history = [(2025, 3), (2025, 4), (2026, 1), (2026, 2)]
    assert wanted(history, 2026, 1) == [
        ((2026, 1), "cil"),
        ((2026, 1), "public"),
        ((2025, 4), "public"),
        ((2025, 3), "public"),
    ]
    assert wanted(history, 2024, 4) == []  # outside the history: the steps refuse it


def test_a_run_of_some_steps_wants_only_the_releases_they_read():
    history = [(2025, 4), (2026, 1)]
    assert wanted(history, 2026, 1, steps={"pack_cil", "interne"}) == [((2026, 1), "cil"), ((2026, 1), "public")]
    assert wanted(history, 2026, 1, steps={"site"}) == [((2026, 1), "public"), ((2025, 4), "public")]
    assert wanted(history, 2026, 1, steps={"interne"}) == []


@pytest.fixture
def copied(warehouse, tmp_path, monkeypatch):
    """A copy of the fixture warehouse's home without its cache, and the releases its runs submit and store."""
    home = tmp_path / "home"
    shutil.copytree(warehouse, home)
    shutil.rmtree(home / "cache", ignore_errors=True)
    for name, value in (("OBSERVATOIRE_HOME", home), ("OBSERVATOIRE_CLE", TEST_KEY_HEX)):
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    pools, stored = [], []

    class Recording(ProcessPoolExecutor):
        def __init__(self, workers):
            super().__init__(workers, mp_context=multiprocessing.get_context("spawn"))
            pools.append([])

        def submit(self, fn, rows, audience, *args, **kwargs):
            pools[-1].append(((rows["annee"][0], rows["trimestre"][0]), audience))
            return super().submit(fn, rows, audience, *args, **kwargs)

    real_store = public_rows._store
    monkeypatch.setattr(public_rows, "_pool", lambda n: Recording(min(n, 2)))
    monkeypatch.setattr(public_rows, "_store", lambda r, p: (stored.append(p.name.split("-")[0]), real_store(r, p)))
    return load_settings(home), pools, stored


def _publish(settings, run_id=None):
    from pipelines.cli import publish_quarter

    return publish_quarter(settings, *QUARTER, run_id)


def test_the_publication_computes_each_release_once_all_submitted_together_and_cached_ones_are_not_again(copied):
    settings, pools, stored = copied
    assert _publish(settings).success
    assert pools == [[(QUARTER, "cil"), (QUARTER, "public")]]  # one batch, before the steps
    assert sorted(stored) == ["2025T4", "2025T4"]  # the pack and the site read the same public release
    assert {p.parent.name for p in settings.home.joinpath("cache").rglob("*.parquet")} == {"cil", "public"}
    start(settings, *QUARTER, run_id="a later run")
    assert len(pools) == 1  # cached: nothing submitted again


def test_a_worker_s_failure_fails_the_steps_that_read_its_release_with_its_error(copied, monkeypatch):
    settings, pools, _ = copied
    real = public_rows.quarter_rows
    # rows without their counts: `publishable` fails in the worker
    monkeypatch.setattr(public_rows, "quarter_rows", lambda con, a, t: real(con, a, t).drop("valeur"))
    result = _publish(settings)
    assert pools == [[(QUARTER, "cil"), (QUARTER, "public")]]
    failed = {e.step_key: e.step_failure_data.error for e in result.all_events if e.is_step_failure}
    assert set(failed) == {"published__pack_cil", "published__site"}  # the internal table reads no release
    for error in failed.values():
        assert "ColumnNotFoundError" in error.to_string() and "valeur" in error.to_string()
    assert not list(cache_dir(settings).glob("*.parquet"))
    assert not public_rows._ahead  # nothing left waiting once the publication is over


def test_a_run_of_the_publication_job_alone_submits_the_releases_at_its_first_step(copied):
    # as a run launched from the UI does, in a process of its own: no CLI before it
    from pipelines.cli import _instance
    from pipelines.definitions import defs
    from pipelines.jobs import PUBLICATION_JOB

    settings, pools, stored = copied
    instance = _instance(settings)
    instance.add_dynamic_partitions("trimestres_cil", ["2025T4"])
    job = defs.resolve_job_def(PUBLICATION_JOB)
    result = job.execute_in_process(instance=instance, partition_key="2025T4", run_config=QUIET)
    assert result.success
    assert pools == [[(QUARTER, "cil"), (QUARTER, "public")]] and sorted(stored) == ["2025T4", "2025T4"]


def test_a_publication_prepared_ahead_reads_its_releases_and_draws_with_the_browser_started_before_it(
    copied, monkeypatch
):
    # as `observatoire run` does once dbt has built the marts (pipelines/ahead.py prepare_after)
    from assets.publish import cil_charts
    from pipelines.ahead import start_publication

    settings, pools, stored = copied
    run_id = str(uuid.uuid4())
    start_publication(settings, *QUARTER, run_id, say=print)
    assert len(pools) == 1 and len(cil_charts._ahead) == 1  # the releases are fed to the pool one at a time
    monkeypatch.setattr(cil_charts, "Browser", None)  # a browser started by the pack would fail it
    assert _publish(settings, run_id).success
    assert pools == [[(QUARTER, "cil"), (QUARTER, "public")]]  # nothing submitted again
    assert sorted(stored) == ["2025T4", "2025T4"]
    assert not cil_charts._ahead


def test_a_browser_started_ahead_and_not_taken_is_closed():
    from assets.publish import cil_charts

    cil_charts.start_ahead()
    cil_charts.start_ahead()  # once
    browser = cil_charts._ahead[0]
    assert len(cil_charts._ahead) == 1
    cil_charts.close_ahead()
    assert not cil_charts._ahead and browser._done.done()


def test_a_browser_that_never_answers_fails_the_drawing_in_french_and_does_not_hold_its_closing(monkeypatch):
    import asyncio
    import time

    from assets.publish import cil_charts

    async def never(self) -> None:  # a Chromium whose start never finishes
        await asyncio.sleep(3600)

    monkeypatch.setattr(cil_charts.Browser, "_serve", never)
    monkeypatch.setattr(cil_charts, "PATIENCE_SECONDS", 0.3)
    monkeypatch.setattr(cil_charts, "CLOSE_SECONDS", 0.3)
    with pytest.raises(RuntimeError, match="Chromium n'a pas dessiné les graphiques du pack en 0.3 s"):
        cil_charts.Browser().draw([], [])
    started = time.monotonic()
    cil_charts.Browser().__exit__()
    assert time.monotonic() - started < 2

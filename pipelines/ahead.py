"""Work `observatoire run` does ahead of its steps, so that a step finds it done: Great Expectations imported
while dbt builds, the warehouse kept open from dbt's end, and what the publication waits for (its releases of
statistical secret, the pack's Chromium, the site's helper process) started during the checks. Each piece is
optional: its failure is written to the run's detailed log, and the step does the work itself.

The pieces start from Dagster event listeners (`instance.add_event_listener`), called in the run's thread as
each event of the run is stored: between two steps, when no step holds a connection to the warehouse."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

# Above this volume of files, a run leaves the publication's work ahead (prepare_after: releases of secret,
# Chromium) to the publication itself: that work runs beside the checks, whose distribution suites hold the run's
# rows in memory. With the 1.85 GB of files of a first run at scale 250 the checks peaked at 7.9-8.0 GiB with it
# (`bench/run.py`), 7.0 GiB when it started with the publication; the largest other runs of the benchmark
# (0.77 GB at scale 10, 0.55 GB for an update at scale 250) peak at 5.9 GiB or less.
AHEAD_MAX_BYTES = 1_000_000_000


def once_at(step_key: str, happened: Callable, action: Callable[[], None]):
    """An event listener that calls `action` once, at the first event of the run's step `step_key` that
    `happened` (a predicate on the Dagster event) accepts."""
    done = threading.Event()

    def listen(entry) -> None:
        if done.is_set() or not entry.is_dagster_event or entry.step_key != step_key:
            return
        if happened(entry.dagster_event):
            done.set()
            action()

    return listen


def import_at_step(module: str, step_key: str):
    """An event listener that imports `module` in a thread once the run's step `step_key` has started.

    Importing Great Expectations takes ~5 s of one core. The distribution checks run after dbt (their
    priority, assets/checks.py): imported while dbt's subprocess builds, when the run's own thread mostly
    waits for dbt's events, the checks find it imported. Not at the run's start: the planning (~300 events)
    is Python that would wait for the import's turn at the interpreter lock (1.5 s of the import's CPU fell
    there at scale 1); nor during the ingestion, whose steps import lazily what the import imports too
    (both threads importing sqlalchemy.orm at once handed a step a partially initialised module)."""

    def start() -> None:
        # first, in the run's thread (0.06 s of CPU): the run writes its events through SQLAlchemy, whose
        # ORM is imported lazily; the background import must not be the one that starts it
        importlib.import_module("sqlalchemy.orm")
        threading.Thread(target=importlib.import_module, args=(module,), daemon=True).start()

    return once_at(step_key, lambda event: event.is_step_start, start)


def keep_after(home, step_key: str, say: Callable[[str], None]):
    """An event listener that keeps the warehouse of `home` open in this process (warehouse.keep_open) once the
    run's step `step_key` (dbt) has succeeded, until the publication ends (forget)."""
    from assets.warehouse import keep_open

    return once_at(step_key, _succeeded, optional("entrepôt gardé ouvert", lambda: keep_open(home, say)))


def prepare_after(step_key: str, prepare: Callable[[], None]):
    """An event listener that, once the run's step `step_key` (dbt) has succeeded, calls `prepare`: it starts
    what the publication of the last publishable quarter waits for (start_publication), so that the releases of
    statistical secret are computed (one at a time: assets/publish/paced.py) and Chromium starts during the
    checks, not while the pack waits for them; a run above AHEAD_MAX_BYTES of files is given none (cmd_run). The
    pack of an update at scale 1 waited 3.1-3.5 s for its releases, then 5.7 s for Chromium once they were ready
    (loaded machine). The work moves to the checks' time, where the second core is mostly idle on an idle
    machine; on a loaded one it moves rather than shrinks (load 10-13: checks after dbt 7.1-7.7 -> 17.2 s,
    publication 18.2-18.6 -> 8.3-9.0 s). A release whose rows a later step changed would simply not be read (its
    cache key is the rows')."""
    return once_at(step_key, _succeeded, optional("préparation de la publication", prepare))


def _succeeded(event) -> bool:
    return event.is_step_success


def optional(what: str, action: Callable[[], None]) -> Callable[[], None]:
    """`action`, work done ahead whose failure must not fail the run: the steps do what was not done ahead and
    report their own errors. The failure is written to the run's detailed log (its stdout, cli._execute)."""

    def run() -> None:
        try:
            action()
        except Exception as e:  # noqa: BLE001 - any error: the run goes on without it
            print(f"Travail à l'avance abandonné ({what}) : {type(e).__name__}: {e}", flush=True)

    return run


def start_publication(settings, annee: int, trimestre: int, run_id: str, say: Callable[[str], None]) -> None:
    """Starts what the publication `run_id` of a quarter waits for, once: its releases of secret
    (secret_ahead.start), the site's helper process (site.start_ahead) and the pack's Chromium
    (cil_charts.start_ahead). The order does not matter: the Chromium that did not answer twice in CI, each time
    beside another of our processes' start, was kaleido 1.5.0 missing its page's load event while its thread
    lagged (assets/publish/cil_charts.py PATIENCE_SECONDS)."""
    from assets.publish import cil_charts, site
    from assets.publish.secret_ahead import start

    start(settings, annee, trimestre, run_id, say=say)
    site.start_ahead()
    cil_charts.start_ahead()


def forget(settings) -> None:
    """Drops what was started ahead for a publication and not taken by its steps; ends the site's helper; closes
    the warehouse kept open since dbt's end."""
    from assets.publish import cil_charts, site
    from assets.publish.public_rows import forget as forget_releases
    from assets.warehouse import release

    release(settings.home)
    forget_releases(settings)
    cil_charts.close_ahead()
    site.close_ahead()

"""The statistical secret of a quarter's publication, computed ahead. The publication job runs its steps one
after the other in one process (the internal table, the CIL pack, the site); the pack reads the CIL's release
of its quarter and the public's, the site the public's of every quarter up to it. All of them are submitted
together (public_rows.submit) as soon as possible: by `observatoire run` once dbt's step has succeeded
(pipelines/ahead.py prepare_after), by the CLI before the job, or else by the job's first step, so that their LP
checks run in two worker processes while the steps build their files, each step waiting only for the releases
it reads. Before, each reader computed its own, one after the other: 17 s for the
publication of the first run at scale 1, 9 s for a monthly update."""

from __future__ import annotations

from collections.abc import Callable, Collection

import dagster as dg

from ..settings import Settings
from ..warehouse import connect
from .cil_sources import history, site_quarters
from .confidentiality import read_reference
from .public_rows import Quarter, submit

_started: set[str] = set()  # the runs whose releases were submitted


def wanted(
    quarters: list[Quarter], annee: int, trimestre: int, steps: Collection[str] = ("pack_cil", "site")
) -> list[tuple[Quarter, str]]:
    """The releases the publication `steps` of a quarter of the history `quarters` read, the pack's first."""
    q = (annee, trimestre)
    if q not in quarters:
        return []  # refused by the steps themselves
    pack = [(q, "cil"), (q, "public")] if "pack_cil" in steps else []
    site = [(p, "public") for p in reversed(site_quarters(quarters, annee, trimestre))] if "site" in steps else []
    return list(dict.fromkeys(pack + site))


def start(
    settings: Settings,
    annee: int,
    trimestre: int,
    run_id: str,
    steps: Collection[str] = ("pack_cil", "site"),
    say: Callable = print,
) -> None:
    """Submits the releases the run's publication `steps` of the quarter read and the cache lacks (once per run)."""
    if run_id in _started:
        return
    _started.add(run_id)
    with connect(settings.home, read_only=True, say=say) as con:
        releases = wanted(history(con), annee, trimestre, steps)
        if releases:
            submit(con, settings, releases, read_reference(con))


def start_in_step(context: dg.AssetExecutionContext, settings: Settings, annee: int, trimestre: int) -> None:
    """`start` from a step of the publication job, for the steps its run materializes (a run launched from the
    UI may select the pack alone: the site's releases would be computed for nothing)."""
    selected = context.dagster_run.asset_selection  # empty or None for the whole job
    steps = {k.path[-1] for k in selected} if selected else ("pack_cil", "site")
    start(settings, annee, trimestre, context.run_id, steps, say=context.log.info)

"""The statistical secret of a quarter's publication, computed ahead. The publication job runs its steps one
after the other in one process (the internal table, the CIL pack, the site); the pack reads the CIL's release
of its quarter and the public's, the site the public's of every quarter up to it. All of them are submitted
together (public_rows.submit) as soon as the publication starts, by the CLI before the job or else by the job's
first step, so that their LP checks run in two worker processes while the steps build their files, each step
waiting only for the releases it reads. Before, each reader computed its own, one after the other: 17 s for the
publication of the first run at scale 1, 9 s for a monthly update."""

from __future__ import annotations

from collections.abc import Callable

from ..settings import Settings
from ..warehouse import connect
from .cil_sources import history
from .confidentiality import read_reference
from .public_rows import Quarter, submit

_started: set[str] = set()  # the runs whose releases were submitted


def wanted(quarters: list[Quarter], annee: int, trimestre: int) -> list[tuple[Quarter, str]]:
    """The releases the publication of a quarter of the history `quarters` reads, the pack's first."""
    q = (annee, trimestre)
    if q not in quarters:
        return []  # refused by the steps themselves
    return [(q, "cil"), (q, "public"), *((p, "public") for p in reversed(quarters) if p < q)]


def start(settings: Settings, annee: int, trimestre: int, run_id: str, say: Callable = print) -> None:
    """Submits the releases the run's publication of the quarter needs and the cache lacks (once per run)."""
    if run_id in _started:
        return
    _started.add(run_id)
    with connect(settings.home, read_only=True, say=say) as con:
        releases = wanted(history(con), annee, trimestre)
        if releases:
            submit(con, settings, releases, read_reference(con))

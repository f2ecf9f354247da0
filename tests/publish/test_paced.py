"""Work submitted ahead, paced (assets/publish/paced.py): one task at a time until someone waits for a result,
then every task left at once; a task cancelled before its turn is skipped; a task's error reaches its reader."""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError, ThreadPoolExecutor

import pytest

from assets.publish.paced import Paced

STEP = 0.2  # seconds a task takes


def _task(name: str, log: list) -> str:
    log.append(("début", name, time.monotonic()))
    time.sleep(STEP)
    log.append(("fin", name, time.monotonic()))
    return name


def _overlapping(log: list) -> int:
    """The most tasks running at once."""
    running = most = 0
    for kind, _, _ in sorted(log, key=lambda e: e[2]):
        running += 1 if kind == "début" else -1
        most = max(most, running)
    return most


def test_tasks_run_one_at_a_time_in_order_while_nobody_waits():
    log: list = []
    paced = Paced(ThreadPoolExecutor(3), _task, [((n, log), {}) for n in "abc"])
    assert [f.result(timeout=10) for f in paced.futures] == ["a", "b", "c"]
    assert _overlapping(log) == 1
    assert [n for kind, n, _ in log if kind == "début"] == ["a", "b", "c"]


def test_once_hurried_every_task_left_runs_at_once():
    log: list = []
    paced = Paced(ThreadPoolExecutor(3), _task, [((n, log), {}) for n in "abcd"])
    time.sleep(STEP / 2)  # a is running
    paced.hurry()
    started = time.monotonic()
    assert [f.result(timeout=10) for f in paced.futures] == ["a", "b", "c", "d"]
    assert _overlapping(log) == 3  # b, c and d together
    assert time.monotonic() - started < 2.5 * STEP


def test_a_task_cancelled_before_its_turn_is_skipped_and_an_error_reaches_the_task_s_reader():
    log: list = []
    release = threading.Event()

    def first(log: list) -> None:
        release.wait(10)
        raise ValueError("valeur absente")

    tasks = [((log,), {}), (("b", log), {}), (("c", log), {})]
    paced = Paced(ThreadPoolExecutor(2), lambda *a: first(*a) if len(a) == 1 else _task(*a), tasks)
    assert paced.futures[1].cancel()  # still waiting for its turn
    release.set()
    with pytest.raises(ValueError, match="valeur absente"):
        paced.futures[0].result(timeout=10)
    with pytest.raises(CancelledError):
        paced.futures[1].result(timeout=10)
    assert paced.futures[2].result(timeout=10) == "c"
    assert [n for kind, n, _ in log if kind == "début"] == ["c"]

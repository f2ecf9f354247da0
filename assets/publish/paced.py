"""Work submitted ahead to a process pool, paced: one task at a time while the caller goes on with its own
work, then every task at once, one per worker, once someone waits for a result (`hurry`).

The releases of secret of a publication are submitted when dbt has built (pipelines/ahead.py prepare_after),
and `observatoire run` then runs its checks: one Python thread. Two workers at once left that thread two
thirds of a core. One at a time, the run keeps a core, the releases have the other. A reader that waits for a
release has nothing else to do: the releases then take every core. Scale-1 update, 3 alternated trials on an
idle machine: 25.0, 25.2 and 25.0 s before, 23.7, 24.1 and 23.9 s with pacing and dbt's warehouse released at
the end of its step (dbt_ahead.py); pacing alone, Chromium started with the run, 24.8-25.0 -> 24.0-24.3 s.
Under a load of two busy processes: 42.3 s against 42.5 s before (`nice` for the workers gained as much on an
idle machine, but took that update from 45-47 to 63-65 s: starved, they were still computing when the pack
waited for them)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future


class Paced:
    def __init__(self, pool: Executor, fn: Callable, tasks: list[tuple[tuple, dict]]):
        """Submits `fn(*args, **kwargs)` for each task of `tasks` to `pool`, in order (`futures`, one per task);
        `pool` is shut down once every task is submitted. A future cancelled before its task starts skips it."""
        self.futures = [Future() for _ in tasks]
        self._hurried = threading.Event()
        self._changed = threading.Event()  # a task ended, or `hurry`
        threading.Thread(target=self._feed, args=(pool, fn, tasks), daemon=True, name="paced").start()

    def hurry(self) -> None:
        """Submit every task left now."""
        self._hurried.set()
        self._changed.set()

    def _feed(self, pool: Executor, fn: Callable, tasks: list[tuple[tuple, dict]]) -> None:
        running: list[Future] = []
        left = list(zip(self.futures, tasks, strict=True))
        try:
            while left:
                while not self._hurried.is_set() and any(not f.done() for f in running):
                    self._changed.wait()
                    self._changed.clear()
                future, (args, kwargs) = left[0]
                if future.set_running_or_notify_cancel():  # False: cancelled while it waited
                    running.append(pool.submit(fn, *args, **kwargs))
                    running[-1].add_done_callback(lambda done, to=future: self._ended(done, to))
                left.pop(0)
        except BaseException as e:  # noqa: BLE001 - the pool broke: the readers of the tasks left get its error
            for future, _ in left:
                if future.running() or future.set_running_or_notify_cancel():
                    future.set_exception(e)
        finally:
            pool.shutdown(wait=False)  # the workers end once the submitted tasks are done

    def _ended(self, done: Future, to: Future) -> None:
        error = done.exception()
        to.set_exception(error) if error is not None else to.set_result(done.result())
        self._changed.set()

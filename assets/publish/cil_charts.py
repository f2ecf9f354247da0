"""PNG images of the pack's key charts (dashboards/cil_charts.py), written by kaleido through the
system's Chromium (Debian's `chromium`, installed by `make install`; never downloaded at run time)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path

import polars as pl

from dashboards.cil_charts import CHARTS
from dashboards.theme import percent_ticks

from ..private import private_dir, private_file
from .cil_pack import file_name

WIDTH, HEIGHT, SCALE = 1000, 640, 1
# How long the pack waits for Chromium's images (its two charts take ~1 s once it is up, its start up to 6 s on a
# loaded machine), and a run for a browser it did not use to close. A Chromium that never answers then fails the
# pack with a French sentence instead of holding the run forever: kaleido 1.5.0 did, three times (twice in CI), when
# its thread lagged behind the page it had Chromium load and missed the load event (fixed in 1.5.2; test
# `test_a_browser_whose_python_side_lags_behind_its_page_still_draws_the_charts`).
PATIENCE_SECONDS = 120
CLOSE_SECONDS = 30


def chart_names(epci: str, annee: int, trimestre: int) -> list[str]:
    stem = file_name(epci, annee, trimestre, "png").removesuffix(".png")
    return [f"{stem}_{name}.png" for name in CHARTS]


def _browser() -> None:
    """Point kaleido (choreographer) at the system's Chromium unless BROWSER_PATH already says where."""
    if os.environ.get("BROWSER_PATH"):
        return
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError(
            "Chromium introuvable : les graphiques du pack CIL sont dessinés par le paquet Debian chromium "
            "(make install l'installe ; sinon apt-get install chromium)"
        )
    os.environ["BROWSER_PATH"] = found


class Browser:
    """Kaleido's Chromium, started at once in a thread of its own, then drawing one set of images. Plotly's
    `write_images` starts a browser for each call: 5.8 s of its 6 s for the pack's two charts on a loaded
    2-core machine, 0.4 s once the browser is up; the pack starts this one before it reads the warehouse, so
    that the start overlaps the reading. Chromium is given plotly's own options (the same PNG bytes)."""

    def __init__(self):
        _browser()
        self._specs: queue.Queue[list[dict] | None] = queue.Queue()
        self._done: Future = Future()
        threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True, name="kaleido").start()

    async def _serve(self) -> None:
        import kaleido
        import plotly.io as pio

        d = pio.defaults
        options = {k: v for k, v in (("plotlyjs", d.plotlyjs), ("mathjax", d.mathjax), ("headers", d.headers)) if v}
        try:
            async with kaleido.Kaleido(**options) as k:
                specs = await asyncio.to_thread(self._specs.get)
                if specs:
                    await k.write_fig_from_object(specs, cancel_on_error=True)
        except BaseException as e:  # noqa: BLE001 - handed to the thread that waits for the images
            self._done.set_exception(e)
        else:
            self._done.set_result(None)

    def draw(self, figs: list, paths: list[Path]) -> None:
        """Writes each figure as a PNG (WIDTH × HEIGHT at SCALE) to its path, then closes the browser."""
        import plotly.io as pio

        opts = {"format": "png", "width": WIDTH, "height": HEIGHT, "scale": SCALE}
        self._specs.put(
            [
                {"fig": f.to_dict(), "path": p, "opts": opts, "topojson": pio.defaults.topojson}
                for f, p in zip(figs, paths, strict=True)
            ]
        )
        try:
            self._done.result(timeout=PATIENCE_SECONDS)
        except TimeoutError:
            raise RuntimeError(
                f"Chromium n'a pas dessiné les graphiques du pack en {PATIENCE_SECONDS} s (navigateur bloqué au "
                "démarrage ?) : relancez le traitement ; si cela se répète, vérifiez le paquet chromium"
            ) from None

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_) -> None:
        """Closes the browser if it drew nothing (a pack refused or failed before its charts)."""
        self._specs.put(None)  # read only if nothing was drawn
        with contextlib.suppress(TimeoutError):  # a Chromium that never started is left to end with the process
            self._done.exception(timeout=CLOSE_SECONDS)  # waits for Chromium to end; a failed start no longer matters


# the browser started ahead of the pack (start_ahead) that no pack took yet
_ahead: list[Browser] = []


def start_ahead() -> None:
    """Starts Chromium now for the next pack (once): by the CLI when dbt has built the marts, so that it is up
    by the time the pack draws. Started by the pack itself, its start was the pack's wait: 5.7 s of the pack's
    6.1 s in an update at scale 1 whose releases of secret were all ready (loaded machine). kaleido is imported
    here, in the caller's thread, not by the browser's thread during another step's imports."""
    import kaleido  # noqa: F401

    if not _ahead:
        _ahead.append(Browser())


def take() -> Browser:
    """The browser started ahead, else one started now."""
    return _ahead.pop() if _ahead else Browser()


def close_ahead() -> None:
    """Closes the browser started ahead that no pack took (a publication refused or failed before its pack)."""
    while _ahead:
        _ahead.pop().__exit__()


def write_charts(
    rows: pl.DataFrame, epci: str, annee: int, trimestre: int, folder: Path, source: str, browser: Browser | None = None
) -> list[Path]:
    """The charts of one quarter as PNG files under `folder` (one browser for all of them: `browser`, already
    started, or a new one)."""
    if browser is None:
        with Browser() as started:
            return write_charts(rows, epci, annee, trimestre, folder, source, started)
    period = f"{trimestre}e trimestre {annee}"
    figs = [percent_ticks(draw(rows, period, source)) for draw in CHARTS.values()]
    targets = [folder / name for name in chart_names(epci, annee, trimestre)]
    tmp = [t.with_name(f".{t.name}.tmp.png") for t in targets]
    private_dir(folder)
    browser.draw(figs, tmp)
    for written, target in zip(tmp, targets, strict=True):  # renamed once all are drawn
        private_file(written)
        os.replace(written, target)
    return targets

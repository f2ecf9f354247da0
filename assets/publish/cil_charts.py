"""PNG images of the pack's key charts (dashboards/cil_charts.py), written by kaleido through the
system's Chromium (Debian's `chromium`, installed by `make install`; never downloaded at run time)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl

from dashboards.cil_charts import CHARTS
from dashboards.theme import percent_ticks

from ..private import private_dir, private_file
from .cil_pack import file_name

WIDTH, HEIGHT, SCALE = 1000, 640, 1


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


def write_charts(rows: pl.DataFrame, epci: str, annee: int, trimestre: int, folder: Path, source: str) -> list[Path]:
    """The charts of one quarter as PNG files under `folder` (one browser for all of them)."""
    import plotly.io as pio

    _browser()
    period = f"{trimestre}e trimestre {annee}"
    figs = [percent_ticks(draw(rows, period, source)) for draw in CHARTS.values()]
    targets = [folder / name for name in chart_names(epci, annee, trimestre)]
    tmp = [t.with_name(f".{t.name}.tmp.png") for t in targets]
    private_dir(folder)
    pio.write_images(figs, tmp, format="png", width=WIDTH, height=HEIGHT, scale=SCALE)
    for written, target in zip(tmp, targets, strict=True):  # renamed once all are drawn
        private_file(written)
        os.replace(written, target)
    return targets

"""A window that starts in mid-year (the benchmark's 3 months, July to September, issue 13): its files are as
consistent as those of the default window, which starts in January."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.generator.api import generate

from .filecheck import parse_folder, rows_by_feed
from .test_consistency import _radatt, _senders, _stock_ids


@pytest.fixture(scope="module")
def mid_year(tmp_path_factory):
    out = tmp_path_factory.mktemp("juillet")
    generate(out, scale=1, debut="2026-07", fin="2026-09")
    return rows_by_feed(parse_folder(out))


def test_dwellings_named_in_a_mid_year_window_exist_in_the_stock(mid_year):
    """The stock file is at 1 January: dwellings delivered between then and the window's first month must
    reach the files too (their MISE_EN_SERVICE), or they are cited but absent from the stock."""
    stock = _stock_ids(mid_year)
    for feed, ids in (
        ("positionnements", mid_year["positionnements"]["ident_rep"]),
        ("cal", mid_year["cal"]["ident_rep"]),
        ("sne_radiations", _radatt(mid_year)["ident_rep"]),
    ):
        assert ids.len() > 100, feed
        assert set(ids) <= stock, (feed, len(set(ids) - stock))


def test_events_run_from_the_date_of_the_first_stock_file(mid_year):
    """Each landlord's events from 1 January on, so that the stock file replays into the window."""
    months = mid_year["mouvements"].select(
        siren=pl.col("_file").str.slice(11, 9), mois=pl.col("_file").str.slice(21, 6)
    )
    first = months.group_by("siren").agg(pl.col("mois").min())
    assert set(first["siren"]) == _senders(mid_year)
    assert set(first["mois"]) == {"202601"}

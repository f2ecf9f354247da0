"""The pages' lookups in SiteData, on hand-made rows: the rows of an indicator are split once, and a lookup
answers what a filter of every quarter's rows answers (the row asked for, None for a row the release lacks),
whatever a page does to the dict it gets back."""

from __future__ import annotations

import polars as pl

from tests.dashboards.sitedata import EPCI, catalogue, row, site_data

CAT = catalogue(("D1", "compte", "sne_demandes"), ("C2", "part", "cal"))
ROWS = [
    row("D1", 100),
    row("D1", 90, q=(2025, 3)),
    row("C2", 0.5),
    row("D1", 7, niveau="COMMUNE", code="06004"),
    row("D1", 8, niveau="COMMUNE", code="06010"),
    row("D1", 3, modalite="typologie=T2"),
]


def test_of_gives_an_indicator_s_rows_in_their_order_and_none_of_an_unknown_one():
    data = site_data(ROWS, CAT)
    assert data.of("D1")["valeur"].to_list() == [100, 90, 7, 8, 3]
    assert data.of(["C2", "D1"])["valeur"].to_list() == [100, 90, 0.5, 7, 8, 3]
    assert data.of("X9").height == 0 and data.of("X9").columns == data.rows.columns


def test_a_row_lookup_answers_as_a_filter_of_every_quarter_s_rows():
    data = site_data(ROWS, CAT)
    for args in [("D1",), ("D1", "COMMUNE", "06010"), ("C2",), ("D1", "EPCI", None, "typologie=T2")]:
        found = data.row(*args)
        expected = data.rows.filter(
            (pl.col("indicateur") == args[0])
            & (pl.col("niveau_geo") == (args[1] if len(args) > 1 else "EPCI"))
            & (pl.col("code_geo") == (args[2] if len(args) > 2 and args[2] else EPCI))
            & (pl.col("modalite") == (args[3] if len(args) > 3 else "ensemble"))
            & (pl.col("annee") == 2026)
        ).row(0, named=True)
        assert found == expected
    assert data.row("D1", quarter=(2025, 3))["valeur"] == 90
    assert data.row("D1", quarter=(2024, 3)) is None
    assert data.row("D1", "COMMUNE", "06017") is None
    assert data.row("D1", "COMMUNE")["valeur"] == 7  # no place given: the level's first row


def test_a_page_that_changes_the_row_it_got_does_not_change_the_next_lookup():
    data = site_data(ROWS, CAT)
    data.row("D1")["valeur"] = -1
    data.indicator("D1")["nature"] = "part"
    assert data.row("D1")["valeur"] == 100
    assert data.indicator("D1")["nature"] == "compte"

"""The Markdown tables of the Dagster metadata, rendered by Polars."""

import datetime as dt
import re

import polars as pl

from assets.markdown import NO_ROWS, markdown_table


def _cells(markdown: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in markdown.splitlines()]


def test_a_frame_becomes_a_markdown_table_with_every_row_and_column():
    frame = pl.DataFrame({"bailleur_siren": [f"9000000{i:02d}" for i in range(40)], "recus": range(40)})
    markdown = markdown_table(frame)
    rows = _cells(markdown)
    assert rows[0] == ["bailleur_siren", "recus"]
    assert re.fullmatch(r"\|(-+\|){2}", markdown.splitlines()[1])  # the header's rule
    assert len(rows) == 42 and rows[-1] == ["900000039", "39"]


def test_nulls_are_empty_cells_and_values_keep_their_text():
    frame = pl.DataFrame({"mois": [dt.date(2025, 12, 1), None], "taux": [0.5, None], "recu": [True, False]})
    assert _cells(markdown_table(frame))[2:] == [["2025-12-01", "0.5", "true"], ["", "", "false"]]


def test_long_cells_are_cut_and_pipes_do_not_split_a_cell():
    frame = pl.DataFrame({"nom": ["x" * 40], "motif": ["a|b"]})
    header, _, row = markdown_table(frame, cell_chars=10).splitlines()
    assert row.count("|") - row.count(r"\|") == 3
    assert "x" * 10 + "…" in row and "x" * 11 not in row and r"a\|b" in row


def test_an_empty_frame_says_so_in_french():
    assert markdown_table(pl.DataFrame({"a": []})) == NO_ROWS == "_aucune ligne_"


def test_list_cells_read_as_their_items():
    """A feed preview holds list fields (communes_souhaitees): their items are shown, not an error."""
    frame = pl.DataFrame({"communes": [["06004", "06155"], None], "n": [1, 2]})
    assert _cells(markdown_table(frame))[2:] == [["06004, 06155", "1"], ["", "2"]]

"""Polars frames as Markdown tables, for the Markdown metadata the Dagster UI renders.

Polars renders the table (`pl.Config(tbl_formatting="MARKDOWN")`); what is left here is what makes a
metadata table readable: every row and column shown, no dtype or shape lines, empty cells for nulls,
and cells cut short (they are glanced at in the UI, the data stay in the warehouse).
"""

import polars as pl

CELL_CHARS = 24
NO_ROWS = "_aucune ligne_"
_CONFIG = dict(
    tbl_formatting="MARKDOWN",
    tbl_hide_column_data_types=True,
    tbl_hide_dataframe_shape=True,
    tbl_rows=-1,
    tbl_cols=-1,
    tbl_width_chars=-1,
)


def markdown_table(frame: pl.DataFrame, cell_chars: int = CELL_CHARS) -> str:
    """`frame` as a Markdown table (French `_aucune ligne_` when empty), cells cut at `cell_chars`."""
    if frame.height == 0:
        return NO_ROWS
    # Cells as text first: a null reads as an empty cell, and a "|" inside a cell must not split it.
    cells = frame.select(_text(frame, c).fill_null("").str.replace_all("|", r"\|", literal=True) for c in frame.columns)
    with pl.Config(**_CONFIG, fmt_str_lengths=cell_chars):
        return str(cells)


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column as text: a list as its items joined by ", " (a feed's list fields), a struct as JSON."""
    dtype = frame.schema[column]
    if isinstance(dtype, (pl.List, pl.Array)):
        return pl.col(column).cast(pl.List(pl.String)).list.join(", ")
    if isinstance(dtype, pl.Struct):
        return pl.col(column).struct.json_encode()
    return pl.col(column).cast(pl.String)

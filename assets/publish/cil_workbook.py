"""The pack's XLSX for people (xlsxwriter): French headers, formats a French Excel shows as `1 234,5`,
a frozen header row, column widths, a secret cell shown as `s`.

Same cells at every re-export: no clock is read (the creation date is the quarter's end `t`) and every
text goes through `write_string`, after the formula-injection guard of the CSV.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import re
from contextlib import contextmanager

import polars as pl
import xlsxwriter

from .cil_pack import (
    FORMATS,
    FORMULA_START,
    RESIDENCE_COLUMNS,
    SECRET_MARK,
    SHEETS,
    TABLE_COLUMNS,
    Column,
    Pack,
    residence_rows,
    table_rows,
    with_sheets,
)

_FORMULA = re.compile(FORMULA_START)


def safe(text) -> str:
    """A text cell a spreadsheet will not run: `'` before a leading `=`, `+`, `-`, `@`, tab or CR."""
    text = "" if text is None else str(text)
    return "'" + text if _FORMULA.match(text) else text


class Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.section = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E79"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.secret = wb.add_format({"align": "right", "italic": True})
        self.date = wb.add_format({"num_format": "dd/mm/yyyy", "align": "left"})
        self.numbers = {f: wb.add_format({"num_format": f}) for f in {*FORMATS.values(), "#,##0", "0.0%"}}


def _header(ws, fmt: Formats, row: int, columns: list[Column]) -> None:
    for j, c in enumerate(columns):
        ws.write_string(row, j, c.header, fmt.header)
        ws.set_column(j, j, c.width)


def _cell(ws, fmt: Formats, i: int, j: int, value, num_format: str | None = None) -> None:
    if value is None:
        return
    if isinstance(value, dt.date):
        ws.write_datetime(i, j, dt.datetime.combine(value, dt.time()), fmt.date)
    elif isinstance(value, bool):
        ws.write_string(i, j, "oui" if value else "non")
    elif isinstance(value, (int, float)):
        ws.write_number(i, j, value, fmt.numbers.get(num_format or "#,##0"))
    else:
        ws.write_string(i, j, safe(value), fmt.wrap if len(str(value)) > 60 else None)


def write_table_sheet(ws, fmt: Formats, rows: pl.DataFrame) -> None:
    """An indicator sheet: a row per published cell, the value in its indicator's format, `s` if secret."""
    _header(ws, fmt, 0, TABLE_COLUMNS)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(rows.height, 1), len(TABLE_COLUMNS) - 1)
    numeric = {"Valeur", "Numérateur", "Dénominateur"}
    for i, r in enumerate(rows.iter_rows(named=True), start=1):
        secret = r["Statut"] == "secret"
        for j, c in enumerate(TABLE_COLUMNS):
            if secret and c.header in numeric:
                ws.write_string(i, j, SECRET_MARK, fmt.secret)
            elif c.header == "Valeur":
                _cell(ws, fmt, i, j, r["Valeur"], FORMATS.get(r["nature"], "#,##0.0"))
            else:
                _cell(ws, fmt, i, j, r[c.header], c.format)


def write_frame(ws, fmt: Formats, row: int, frame: pl.DataFrame, widths: dict[int, float]) -> int:
    """A small table of the Lisez-moi from `row`; returns the next free row."""
    for j, name in enumerate(frame.columns):
        ws.write_string(row, j, name, fmt.header)
        widths[j] = max(widths.get(j, 10), min(60, len(name) + 2))
    for i, r in enumerate(frame.iter_rows(), start=row + 1):
        for j, v in enumerate(r):
            num = "0.0%" if frame.columns[j].startswith("Part") else None
            _cell(ws, fmt, i, j, v, num)
            if v is not None and not isinstance(v, str):
                widths[j] = max(widths.get(j, 10), 12)
            elif v:
                widths[j] = max(widths.get(j, 10), min(60, len(v) + 2))
    return row + frame.height + 2


def write_lisez_moi(ws, fmt: Formats, pack: Pack) -> None:
    ws.write_string(0, 0, f"Pack trimestriel de la CIL — {pack.trimestre}e trimestre {pack.annee}", fmt.title)
    row, widths = 2, {}
    for title, content in pack.lisez_moi:
        ws.write_string(row, 0, safe(title), fmt.section)
        row += 1
        if isinstance(content, pl.DataFrame):
            row = write_frame(ws, fmt, row, content, widths)
        else:
            for line in content.split("\n"):
                ws.write_string(row, 0, safe(line))
                row += 1
            row += 1
    for j, w in sorted(widths.items()):
        ws.set_column(j, j, w, fmt.wrap if w >= 60 else None)


def write_residences(ws, fmt: Formats, rows: pl.DataFrame) -> None:
    _header(ws, fmt, 0, RESIDENCE_COLUMNS)
    ws.freeze_panes(1, 0)
    for i, r in enumerate(rows.iter_rows(), start=1):
        for j, v in enumerate(r):
            _cell(ws, fmt, i, j, v)


@contextmanager
def no_gc():
    """Python's cyclic garbage collector paused: xlsxwriter keeps a small tuple per cell (150 000 in the demo's
    pack), and the collections their allocations set off took 0.1 to 0.2 s of the 0.8 s of CPU the workbook
    took (none of them is ever part of a cycle)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def workbook_bytes(pack: Pack) -> bytes:
    """The whole workbook, in memory."""
    with no_gc():
        return _workbook_bytes(pack)


def _workbook_bytes(pack: Pack) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    created = dt.datetime.combine(pack.fin, dt.time())
    wb.set_properties(
        {
            "title": f"Pack CIL {pack.annee}T{pack.trimestre}",
            "author": "Observatoire de la demande de logement social",
            "created": created,
        }
    )
    fmt = Formats(wb)
    tagged = with_sheets(pack.rows, pack.catalogue)
    write_lisez_moi(wb.add_worksheet("Lisez-moi"), fmt, pack)
    for sheet in SHEETS:
        ws = wb.add_worksheet(sheet)
        if sheet == "Residences":
            write_residences(ws, fmt, residence_rows(tagged, pack.catalogue))
        else:
            write_table_sheet(ws, fmt, table_rows(tagged, sheet))
    wb.close()
    return buf.getvalue()

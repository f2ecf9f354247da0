"""The commission's monthly table as XLSX (xlsxwriter) for the monthly meeting: a `Lisez-moi` sheet with the
catalogue's definitions, then one sheet per view (`EPCI`, then each réservataire by its code), months as
columns, shares in percent with their target beside them. The formats and cell writers are the CIL
workbook's; no clock is read (the creation date is the quarter's end), so a re-export is identical."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter

from dashboards.site_data import quarter_end
from dashboards.suivi import (
    MISSING,
    SuiviData,
    Table,
    View,
    cells,
    definitions,
    period_words,
    tables,
    target_text,
    views,
)

from .cil_workbook import Formats, _cell, safe, write_frame

PERCENT = "0.0%"


def write_table(ws, fmt: Formats, row: int, table: Table) -> int:
    """One table from `row` (its title, header, lines); returns the next free row."""
    ws.write_string(row, 0, table.title, fmt.section)
    for j, name in enumerate(table.columns):
        ws.write_string(row + 1, j, name, fmt.header)
    labels = len(table.heads) + table.share
    for i, line in enumerate(table.lines, start=row + 2):
        for j, text in enumerate(line.labels):
            ws.write_string(i, j, safe(text))
        if table.share and line.target is not None:
            lo, hi = line.target  # a range (landlords committed differently) as text
            if lo == hi:
                _cell(ws, fmt, i, labels - 1, lo, PERCENT)
            else:
                ws.write_string(i, labels - 1, target_text(line.target))
        for j, (value, statut) in enumerate(zip(line.values, line.statuts, strict=True), start=labels):
            if statut == "non_calculable":
                ws.write_string(i, j, MISSING, fmt.secret)
            else:
                _cell(ws, fmt, i, j, value, PERCENT if table.share else "#,##0")
    return row + 2 + len(table.lines) + 1


def write_view(ws, fmt: Formats, title: str, view_tables: list[Table]) -> None:
    ws.write_string(0, 0, safe(title), fmt.title)
    row = 2
    for table in view_tables:
        row = write_table(ws, fmt, row, table)
    widest = max(len(t.heads) + t.share for t in view_tables)
    ws.set_column(0, 0, 40)
    ws.set_column(1, widest - 1, 14)
    ws.set_column(widest, widest + len(view_tables[0].months), 10)
    ws.freeze_panes(0, 1)


def sheet_name(view: View) -> str:
    """`EPCI`, or the réservataire's code (its label may pass Excel's 31 characters)."""
    return "EPCI" if view.niveau == "EPCI" else view.code


def write_lisez_moi(ws, fmt: Formats, data: SuiviData) -> None:
    ws.write_string(0, 0, f"Tableau de suivi mensuel de la commission — {data.epci_nom}", fmt.title)
    lines = (
        f"Mois par mois, {period_words(data)}, pour l'EPCI (feuille EPCI) et par réservataire (une feuille par code).",
        "Document interne à la commission : chiffres sans secret statistique, à ne pas diffuser.",
        "nc = non calculable ; cellule vide = pas de donnée pour ce mois. Les motifs ne s'additionnent pas.",
        "Objectif : celui de l'année dans la convention intercommunale d'attribution, à défaut l'objectif légal "
        "(CCH L.441-1) ; le plus bas et le plus haut quand les bailleurs diffèrent. Part prioritaire de l'EPCI : "
        "réservataires tenus à une part de leurs attributions (hors contingent préfectoral).",
    )
    for i, text in enumerate(lines, start=2):
        ws.write_string(i, 0, safe(text))
    sheets = pl.DataFrame([(sheet_name(v), v.titre) for v in views(data)], schema=["Feuille", "Vue"], orient="row")
    defs = pl.DataFrame(definitions(data)).rename({"libelle": "Indicateur", "definition": "Définition"})
    row, widths = len(lines) + 3, {}
    for title, frame in (("Feuilles", sheets), ("Définitions", defs)):
        ws.write_string(row, 0, title, fmt.section)
        row = write_frame(ws, fmt, row + 1, frame, widths)
    for j, w in sorted(widths.items()):
        ws.set_column(j, j, w, fmt.wrap if w >= 60 else None)
    ws.set_column(1, 1, 100, fmt.wrap)


def workbook_bytes(data: SuiviData) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties(
        {
            "title": f"Tableau de suivi de la commission {data.annee}T{data.trimestre}",
            "author": "Observatoire de la demande de logement social",
            "created": dt.datetime.combine(quarter_end(data.annee, data.trimestre), dt.time()),
        }
    )
    fmt = Formats(wb)
    write_lisez_moi(wb.add_worksheet("Lisez-moi"), fmt, data)
    found = cells(data)
    for view in views(data):
        title = data.epci_nom if view.niveau == "EPCI" else f"Réservataire : {view.titre}"
        write_view(wb.add_worksheet(sheet_name(view)), fmt, title, tables(data, view, found))
    wb.close()
    return buf.getvalue()

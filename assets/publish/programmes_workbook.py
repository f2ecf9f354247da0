"""The réservataire meeting's brief as XLSX (xlsxwriter), beside its page: a `Note` sheet (the programme and
the projections' assumptions), then one sheet per table of the page, with the page's figures (the same
tables, `dashboards/programmes.py`), shares as percentages, `nc` where not computable; the `Residences` sheet
links to the landlord × commune residence watch, whose own workbook is written here too. The formats and cell
writers are the CIL workbook's; no clock is read (the creation date is t), so a re-export is identical."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter

from dashboards.programmes import (
    MISSING,
    NOT_APPLICABLE,
    RESIDENCES_TITLE,
    Brief,
    facts,
    hypotheses,
    nature,
    residences_table,
    tables,
)

from .cil_pack import FORMATS as PACK_FORMATS
from .cil_workbook import Formats, _cell, safe

FORMATS = {"part": PACK_FORMATS["part"], "compte": PACK_FORMATS["compte"], "decimal": PACK_FORMATS["duree"]}


def sheet_name(ident: str) -> str:
    """`Programme`, `Demande`, `Residences`, `Scenario 1`, `Scenario 1 Q3`, `Tension` (Excel: 31 characters)."""
    return ident.replace("scenario-", "Scenario ").replace("-q3", " Q3").capitalize()[:31]


def write_table(ws, fmt: Formats, title: str, frame: pl.DataFrame) -> None:
    ws.write_string(0, 0, safe(title), fmt.section)
    for j, name in enumerate(frame.columns):
        ws.write_string(2, j, name, fmt.header)
        ws.set_column(j, j, 34 if j == 0 else 16)
    for i, row in enumerate(frame.iter_rows(), start=3):
        for j, value in enumerate(row):
            if isinstance(value, float) and (value != value or value == NOT_APPLICABLE):
                ws.write_string(i, j, MISSING if value != value else "sans objet", fmt.secret)
            else:
                _cell(ws, fmt, i, j, value, FORMATS[nature(frame.columns[j])])
    ws.freeze_panes(3, 1)


def write_note(ws, fmt: Formats, b: Brief, epci_nom: str) -> None:
    ws.write_string(0, 0, safe(f"Note pour la réunion des réservataires — {b.programme.nom}"), fmt.title)
    ws.write_string(1, 0, f"{epci_nom}. Document interne, non publié : chiffres sans secret statistique.")
    row = 3
    for key, value in facts(b):
        ws.write_string(row, 0, key, fmt.header)
        ws.write_string(row, 1, safe(value))
        row += 1
    ws.write_string(row + 1, 0, "Hypothèses des projections", fmt.section)
    for i, text in enumerate(hypotheses(b), start=row + 2):
        ws.write_string(i, 0, safe(text))
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 80, fmt.wrap)


def workbook_bytes(b: Brief, libelle, epci_nom: str) -> bytes:
    buf = io.BytesIO()
    wb = _workbook(buf, f"Note pour la réunion des réservataires — {b.programme.programme_id}", b.t)
    fmt = Formats(wb)
    write_note(wb.add_worksheet("Note"), fmt, b, epci_nom)
    for ident, (title, frame) in tables(b, libelle).items():
        ws = wb.add_worksheet(sheet_name(ident))
        write_table(ws, fmt, title, frame)
        if ident == "residences":
            text = "Le détail, résidence par résidence : la veille des résidences du bailleur dans la commune"
            ws.write_url(frame.height + 4, 0, f"external:{b.programme.veille}.xlsx", string=text)
    wb.close()
    return buf.getvalue()


def watch_bytes(briefs: list[Brief], epci_nom: str) -> bytes:
    """The residence watch of one landlord × commune (the briefs' `Residences` detail): a `Note` sheet naming
    the programmes it serves, then the `Residences` table."""
    b, buf = briefs[0], io.BytesIO()
    p = b.programme
    wb = _workbook(buf, f"Veille des résidences — {p.bailleur_siren} à {p.commune}", b.t)
    fmt = Formats(wb)
    ws = wb.add_worksheet("Note")
    ws.write_string(0, 0, safe(f"Veille des résidences : {p.bailleur_nom} à {p.commune_nom}"), fmt.title)
    ws.write_string(1, 0, f"{epci_nom}. Document interne, non publié : chiffres sans secret statistique.")
    served = ", ".join(f"{x.programme.nom} ({x.programme.programme_id})" for x in briefs)
    facts = [("Bailleur", f"{p.bailleur_nom} (SIREN {p.bailleur_siren})"), ("Commune", p.commune_nom),
             ("Trimestre", f"{b.annee}T{b.trimestre}"), ("Programmes à livrer", served)]  # fmt: skip
    for row, (key, value) in enumerate(facts, start=3):
        ws.write_string(row, 0, key, fmt.header)
        ws.write_string(row, 1, safe(value))
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 80, fmt.wrap)
    write_table(wb.add_worksheet("Residences"), fmt, RESIDENCES_TITLE, residences_table(b.residences))
    wb.close()
    return buf.getvalue()


def _workbook(buf: io.BytesIO, title: str, t: dt.date) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    created = dt.datetime.combine(t, dt.time())
    wb.set_properties({"title": title, "author": "Observatoire de la demande de logement social", "created": created})
    return wb

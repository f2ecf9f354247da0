"""No personal value in any message: every personal column of every personal feed, written as
distinctive sentinels, goes through every file-level error path of a real `observatoire run`; none
reaches the console, the journal, the quarantine, the reports, the Dagster event log or any other
file of the home (the archive, which keeps received files unchanged by design, excepted)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.ingest.dialect import BOM, decode
from expectations.contract import Contract, contract
from tests.conftest import DEPOT, FIXTURES, warehouse_text
from tests.pipelines.test_cli import observatoire

# One valid file per personal feed, its landlord in the fixture referential (900000001).
SOURCES = {
    "sne_demandes": (DEPOT / "sne_demandes_20250131.csv", "sne_demandes_{:%Y%m%d}.csv"),
    "sne_radiations": (DEPOT / "sne_radiations_20250228.csv", "sne_radiations_{:%Y%m%d}.csv"),
    "mouvements": (FIXTURES / "parc" / "mouvements_900000001_202502.csv", "mouvements_900000001_{:%Y%m}.csv"),
    "positionnements": (FIXTURES / "commission" / "positionnements_202502.csv", "positionnements_{:%Y%m}.csv"),
    "cal": (FIXTURES / "commission" / "cal_900000001_202502.csv", "cal_900000001_{:%Y%m}.csv"),
}
BIRTH = "1931-07-29"
SENTINELS = ["ZQXNUMEROSENT", "Zqxnomsentinelle", "Zqxprenomsentinelle", BIRTH, "29/07/1931"]


def sentinel(column: str, type_: str, row: int) -> str:
    if type_ == "numero_unique":
        return f"ZQXNUMEROSENT{row:05d}"
    if type_.startswith("date"):
        return BIRTH
    return f"Zqx{column}sentinelle"


def personal_file(c: Contract) -> tuple[list[str], list[list[str]]]:
    """The feed's fixture file with every personal column (added when absent) holding sentinels."""
    text = decode(SOURCES[c.feed][0].read_bytes())[0]
    header, *rows = [line.split(";") for line in text.splitlines()]
    personal = [col for col in c.columns if col.personal]
    for col in personal:
        if col.name not in header:
            header.append(col.name)
            rows = [r + [""] for r in rows]
    for i, r in enumerate(rows):
        for col in personal:
            r[header.index(col.name)] = sentinel(col.name, col.type, i)
    return header, rows


def _text(header: list[str], rows: list[list[str]], eol: str = "\n") -> str:
    return eol.join(";".join(r) for r in [header, *rows]) + eol


def _quote_in_row(opening: str, closing: str) -> Damage:
    def damage(header, rows):
        col = next(i for i, name in enumerate(header) if name == "numero_unique")
        rows = [list(r) for r in rows]
        rows[0][col] = opening + rows[0][col] + closing
        return _text(header, rows).encode()

    return damage


Damage = Callable[[list[str], list[list[str]]], bytes]
DAMAGES: dict[str, Damage] = {
    # The first line is data, a value in it twice (as a family's name would be).
    "sans_entete": lambda h, r: _text(r[0] + [r[0][h.index("numero_unique")]], r[1:]).encode(),
    "virgules": lambda h, r: _text(h, r).replace(";", ",").encode(),
    "tabulations": lambda h, r: _text(h, r).replace(";", "\t").encode(),
    "utf16_bom": lambda h, r: _text(h, r).encode("utf-16"),
    "utf16_sans_bom": lambda h, r: _text(h, r).encode("utf-16-le"),
    "utf8_endommage": lambda h, r: ("é;" + _text(h, r)).encode() + b"\xff\n",
    "octet_inconnu": lambda h, r: _text(h, r).encode("cp1252") + b"\x81\n",
    "vide": lambda h, r: b"",
    "bom_seul": lambda h, r: BOM,
    "tronque": lambda h, r: _text(h, r).encode()[: -len(";".join(r[-1])) // 2 - 1],
    "cr_seul": lambda h, r: _text(h, r, "\r").encode(),
    "en_tete_double": lambda h, r: _text(
        h + ["numero_unique"], [x + [x[h.index("numero_unique")]] for x in r]
    ).encode(),
    "champ_en_trop": lambda h, r: _text(h, [r[0] + [r[0][h.index("numero_unique")]], *r[1:]]).encode(),
    "guillemet_ouvert": _quote_in_row('"', ""),
    "guillemets_mal_formes": _quote_in_row('"', '"x'),
    "en_tete_entre_guillemets_ouvert": lambda h, r: ('"' + _text(h, r)).encode(),
}


def leaks(text: str) -> list[str]:
    low = text.lower()
    return [s for s in SENTINELS if s.lower() in low]


def home_leaks(home: Path) -> dict[str, list[str]]:
    """Every file of the home but the archive (and the key), read as its format allows."""
    found = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        rel = path.relative_to(home)
        if rel.parts[0] in ("archive", "secret") or path.suffix == ".wal":
            continue
        if path.suffix == ".duckdb":
            text = warehouse_text(path)[1]
        elif path.suffix == ".parquet":
            text = str(pl.read_parquet(path).rows())
        else:
            data = path.read_bytes()
            text = data.decode("utf-8", "replace") + data.decode("utf-16-le", "replace")
        if hit := leaks(text):
            found[str(rel)] = hit
    return found


def test_no_personal_value_reaches_any_message_or_output(tmp_path, key_env):
    home = tmp_path / "home"
    inbox = home / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(DEPOT / "bailleurs.csv", inbox)
    names = []
    for feed, (_, pattern) in SOURCES.items():
        header, rows = personal_file(contract(feed))
        for i, damage in enumerate(DAMAGES.values()):
            names.append(pattern.format(dt.date(2025 + i // 12, i % 12 + 1, 28)))
            (inbox / names[-1]).write_bytes(damage(header, rows))

    out = observatoire("run", "--home", str(home))
    console = out.stdout + out.stderr
    assert "Traitement de la boîte de dépôt" in out.stdout, console
    assert not leaks(console), console

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        journal = dict(con.execute("select fichier, statut from raw.journal_ingestion").fetchall())
        quarantined = con.execute("select count(*) from raw.quarantaine").fetchone()[0]
    finally:
        con.close()
    assert set(journal) == set(names) | {"bailleurs.csv"}  # every damaged file went through
    assert quarantined >= len(names)  # each damage left a quarantine row (the quarantine is searched)
    assert not list(inbox.iterdir())
    # The French messages say what is wrong, not "missing columns".
    for words in ("séparé par des virgules", "séparé par des tabulations", "UTF-16", "guillemet ouvert"):
        assert words in out.stdout or words in warehouse_text(home / "warehouse.duckdb")[1], words

    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    instance = dg.DagsterInstance.get()
    (run,) = instance.get_runs()
    events = "\n".join(dg.serialize_value(e) for e in instance.all_logs(run.run_id))
    assert "raw__sne_demandes" in events  # a real materialization's event log
    assert not leaks(events)
    assert home_leaks(home) == {}

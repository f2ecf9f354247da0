"""The fault matrix (issue 13): one case per kind of bad input, each corrupting a valid fixture file and
asserting its exact outcome through the real Ingestor and DuckDB.

A case states what must happen to its file: rejected whole (nothing of it loads, the warehouse stays as it
was), a row quarantined (the others load), loaded with a warning, held (a re-send awaiting the analyst),
ignored rows (already in the warehouse), left in the inbox (no feed), or loaded as sent. Whatever the
outcome, nothing is lost: the file is archived unchanged (or stays in the inbox), its bad rows are in the
quarantine with their French reason, line and column, and the run summary counts it.

One valid home is loaded once per module (the SNE depot and one CAL file); each case copies it, drops its
file and ingests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlsxwriter

from assets.ingest import archive
from assets.ingest.loader import ALREADY, HELD, LOADED, REJECTED, FileReport
from assets.ingest.reader import EXCERPT_CHARS
from assets.settings import load_settings
from expectations.contract import feed_for
from pipelines.summary import finding_lines, run_summary
from tests.assets.ingest.test_loader import ingest, query
from tests.conftest import DEPOT, FIXTURE_NUMEROS, FIXTURES, TEST_KEY_HEX, dump

# --- the valid files the cases corrupt ------------------------------------------------------------------

LOADED_DEMANDES = "sne_demandes_20250131.csv"
DEMANDES = (DEPOT / LOADED_DEMANDES).read_text()  # 3 valid rows, all loaded
RADIATIONS = (DEPOT / "sne_radiations_20250228.csv").read_text()
PARC, COMMISSION = FIXTURES / "parc", FIXTURES / "commission"
CAL = COMMISSION / "cal_900000001_202502.csv"
BASE = ["bailleurs.csv", *sorted(p.name for p in DEPOT.glob("sne_*.csv"))]
D = "sne_demandes_20250430.csv"  # a new extraction: its rows add to the loaded ones
R = "sne_radiations_20250430.csv"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _table(text: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = text.splitlines()
    return header.split(";"), [r.split(";") for r in rows]


def _text(header: list[str], rows: list[list[str]], end: str = "\n") -> str:
    return "\n".join(";".join(r) for r in [header, *rows]) + end


def edited(fixture: Path, *changes: tuple[int, str, str], rows: list[int] | None = None) -> str:
    """A valid fixture file with `(row, column, value)` changes (row 0 is line 2), keeping `rows`."""
    data = fixture.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # older exports; the case writes it back in UTF-8
    header, body = _table(text)
    for i, col, value in changes:
        body[i][header.index(col)] = value
    return _text(header, [body[i] for i in (range(len(body)) if rows is None else rows)])


def demandes(*changes: tuple[int, str, str], rows: list[int] | None = None) -> str:
    return edited(DEPOT / LOADED_DEMANDES, *changes, rows=rows)


def radiations(*changes: tuple[int, str, str], loaded_first: bool = False) -> str:
    """Two valid radiations of April (rows 0 and 1), or, `loaded_first`, the loaded February radiation of
    demand 2 followed by the April one of demand 6."""
    header, body = _table(RADIATIONS)
    april = [list(body[0]), list(body[1])]
    for row, day in ((april[0], "2025-04-20"), (april[1], "2025-04-10")):
        row[header.index("date_radiation")] = day
    april[0][header.index("date_signature_bail")] = "2025-04-15"
    if loaded_first:
        april[0] = list(body[0])
    for i, col, value in changes:
        april[i][header.index(col)] = value
    return _text(header, april)


def damaged_utf8() -> bytes:
    """A UTF-8 file whose last « é » lost its second byte (line 4)."""
    data = demandes((0, "guichet", "Médiathèque"), (2, "guichet", "Vallée")).encode()
    at = data.rindex("é".encode())
    return data[:at] + b"\xc3(" + data[at + 2 :]


def header_renamed(old: str, new: str) -> str:
    first, rest = DEMANDES.split("\n", 1)
    return first.replace(old, new, 1) + "\n" + rest


def column_dropped(col: str) -> str:
    header, body = _table(DEMANDES)
    i = header.index(col)
    return _text([h for j, h in enumerate(header) if j != i], [[v for j, v in enumerate(r) if j != i] for r in body])


def column_added(col: str, value: str) -> str:
    header, body = _table(DEMANDES)
    return _text([*header, col], [[*r, value] for r in body])


# --- the cases --------------------------------------------------------------------------------------------

REJECT, QUARANTINE, WARN, WARN_GX, HOLD, IGNORE, LEAVE, LOAD = (
    "fichier rejeté",
    "ligne en quarantaine",
    "chargé avec un avertissement",
    "chargé, signalé par la suite de distribution",
    "renvoi retenu",
    "lignes déjà chargées ignorées",
    "laissé dans la boîte de dépôt",
    "chargé tel quel",
)


@dataclass(frozen=True)
class Case:
    kind: str
    name: str  # the file dropped
    content: str | bytes  # text is written in UTF-8
    outcome: str
    words: tuple[str, ...] = ()  # in the French message (the rejection, the quarantine reason, the warning)
    at: tuple[tuple[int | None, str | None], ...] = ()  # (line, column) the message names
    check: Callable[[Path, FileReport], None] | None = None  # what else this kind must leave


def _formula_stays_text(home: Path, report: FileReport) -> None:
    """The landlord's name is loaded as sent, and written to an XLSX (the pack's writer) it is text, never a
    formula."""
    from assets.publish.cil_workbook import Formats, write_frame

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        names = con.sql("select nom_bailleur from raw.bailleurs where siren = '900000001'").pl()
    finally:
        con.close()
    assert names.item() == FORMULA
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    write_frame(wb.add_worksheet(), Formats(wb), 0, names, {})
    wb.close()
    cell = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active["A2"]
    assert (cell.data_type, cell.value) == ("s", "'" + FORMULA)


def _resend_replaced(home: Path, report: FileReport) -> None:
    """The re-send replaced the version loaded: its rows once, with the new value."""
    rows = query(
        home,
        "select count(*), count(*) filter (where nb_personnes = 4) from raw.sne_demandes where _fichier = ?",
        [report.fichier],
    )
    assert rows == [(3, 1)]


def _identical_copy_dropped(home: Path, report: FileReport) -> None:
    assert (report.doublons_identiques, report.lignes_ignorees) == (1, 0)


def _earlier_row_ignored(home: Path, report: FileReport) -> None:
    assert (report.lignes_ignorees, report.doublons_identiques) == (1, 0)
    assert query(home, "select count(*) from raw.sne_radiations where _fichier = ?", [report.fichier]) == [(1,)]


def _value_cut_short(home: Path, report: FileReport) -> None:
    """The quarantine keeps the line's values, the long one cut short: a report is no copy of the file."""
    [(values,)] = query(home, "select valeurs from raw.quarantaine where fichier = ?", [report.fichier])
    assert f'"guichet":"{"x" * EXCERPT_CHARS}…"' in values and len(values) < 1000


def _numero_not_quoted(home: Path, report: FileReport) -> None:
    assert query(home, "select count(*) from raw.quarantaine where raison like '%06101240000000001%'") == [(0,)]


FORMULA = '=HYPERLINK("http://exemple.invalid/x")'
BAILLEURS = (DEPOT / "bailleurs.csv").read_text()

# fmt: off
CASES = [
    # encodings and binaries: the file is rejected whole
    Case("utf16", D, DEMANDES.encode("utf-16"), REJECT, ("UTF-16",), ((None, None),)),
    Case("utf16_sans_bom", D, DEMANDES.encode("utf-16-le"), REJECT, ("UTF-16",), ((None, None),)),
    Case("latin9", D, demandes((1, "guichet", "Cœur de ville")).encode("iso-8859-15"), WARN,
         ("ISO-8859-15", "« œ » ligne 3")),
    Case("utf8_endommage", D, damaged_utf8(), REJECT, ("UTF-8 endommagé", "ligne 4"), ((4, None),)),
    Case("octets_nuls_en_fin", D, DEMANDES.encode() + b"\x00" * 4096, REJECT, ("binaire ou endommagé", "ligne 5"),
         ((5, None),)),
    Case("binaire_png", D, PNG, REJECT, ("binaire ou endommagé",), ((2, None),)),
    Case("classeur_xlsx", D, b"PK\x03\x04" + DEMANDES.encode(), REJECT, ("classeur Excel",), ((None, None),)),
    # the header: rejected whole, line 1
    Case("separateur_virgule", D, DEMANDES.replace(";", ","), REJECT, ("virgules",), ((1, None),)),
    Case("separateur_tabulation", D, DEMANDES.replace(";", "\t"), REJECT, ("tabulations",), ((1, None),)),
    Case("colonne_manquante", D, column_dropped("revenu_mensuel"), REJECT, ("obligatoires absentes", "revenu_mensuel"),
         ((1, None),)),
    Case("colonne_renommee", D, header_renamed("date_depot", "date_de_depot"), REJECT,
         ("obligatoires absentes", "date_depot"), ((1, None),)),
    Case("colonne_en_double", D, column_added("canal", "GUICHET"), REJECT, ("en double", "canal"), ((1, None),)),
    Case("fichier_vide", D, "", REJECT, ("fichier vide",), ((1, None),)),
    # columns the contract does not require: loaded with a warning
    Case("colonne_inconnue", D, column_added("remarque", "x"), WARN, ("colonnes inconnues ignorées", "remarque")),
    Case("colonne_facultative_absente", D, column_dropped("cotation"), WARN, ("facultatives absentes", "cotation")),
    # records: the bad line is quarantined, the others load
    Case("en_tete_seul", D, DEMANDES.split("\n", 1)[0] + "\n", WARN_GX, ("au moins une ligne chargée", f"{D} : 0")),
    Case("derniere_ligne_tronquee", D, DEMANDES.rstrip("\n")[:-60], QUARANTINE, ("nombre de champs", "au lieu de 24"),
         ((4, None),)),
    Case("champ_en_trop", D, demandes((1, "commune_travail", "06004;X")), QUARANTINE,
         ("nombre de champs : 25 au lieu de 24",), ((3, None),)),
    Case("guillemet_jamais_referme", D, demandes((1, "guichet", '"CCAS')), QUARANTINE,
         ("guillemet ouvert jamais refermé",), ((3, None),)),
    Case("octet_nul_dans_un_champ", D, demandes((1, "guichet", "CC\x00AS")), QUARANTINE,
         ("caractère nul ou de contrôle",), ((3, "guichet"),)),
    Case("champ_de_1_mo", D, demandes((0, "guichet", "x" * 1_000_000)), QUARANTINE, ("valeur trop longue",),
         ((2, "guichet"),), _value_cut_short),
    # values
    Case("date_impossible", D, demandes((0, "date_depot", "31/02/2022")), QUARANTINE,
         ("date impossible", "31/02/2022"), ((2, "date_depot"),)),
    Case("date_future", D, demandes((0, "date_renouvellement", "2026-01-01")), QUARANTINE,
         ("postérieure à la date du fichier (2025-04-30)",), ((2, "date_renouvellement"),)),
    Case("date_hors_plage", D, demandes((0, "date_depot", "1850-03-15")), QUARANTINE, ("hors de la plage 1900-2100",),
         ((2, "date_depot"),)),
    Case("date_mal_formee", D, demandes((0, "date_depot", "15.03.2022")), QUARANTINE, ("JJ/MM/AAAA",),
         ((2, "date_depot"),)),
    Case("code_inconnu", D, demandes((0, "canal", "FAX")), QUARANTINE, ("code inconnu de la liste canal", "FAX"),
         ((2, "canal"),)),
    Case("code_inconnu_dans_une_liste", D, demandes((1, "typologies_souhaitees", "T2|T9")), QUARANTINE,
         ("code inconnu de la liste typologie_demande",), ((3, "typologies_souhaitees"),)),
    Case("commune_hors_casa", R, radiations((0, "commune_logement", "06088")), QUARANTINE,
         ("commune hors de la CASA", "06088"), ((2, "commune_logement"),)),
    Case("valeur_obligatoire_absente", D, demandes((2, "logement_actuel", "")), QUARANTINE,
         ("valeur obligatoire manquante",), ((4, "logement_actuel"),)),
    Case("revenu_negatif", D, demandes((0, "revenu_mensuel", "-100")), QUARANTINE, ("inférieure au minimum 0",),
         ((2, "revenu_mensuel"),)),
    Case("revenu_mal_forme", D, demandes((0, "revenu_mensuel", "1,234,5")), QUARANTINE, ("nombre décimal attendu",),
         ((2, "revenu_mensuel"),)),
    Case("revenu_absurde", D, demandes((0, "revenu_mensuel", "9999999")), WARN_GX,
         ("vraisemblable", f"{D}, ligne 2")),
    Case("nombre_non_entier", D, demandes((1, "nb_personnes", "deux")), QUARANTINE, ("nombre entier attendu",),
         ((3, "nb_personnes"),)),
    Case("numero_unique_mal_forme", D, demandes((0, "numero_unique", FIXTURE_NUMEROS[0][:-1])), QUARANTINE,
         ("numéro unique invalide",), ((2, "numero_unique"),), _numero_not_quoted),
    Case("plus_d_enfants_que_de_personnes", D, demandes((0, "nb_enfants_moins_14_ans", "3")), QUARANTINE,
         ("plus d'enfants de moins de 14 ans",), ((2, "nb_enfants_moins_14_ans"),)),
    Case("naissance_apres_depot", D, demandes((2, "date_naissance", "2024-12-01")), QUARANTINE,
         ("naissance postérieure au dépôt",), ((4, "date_naissance"),)),
    Case("texte_formule", "bailleurs.csv", BAILLEURS.replace("Habitat Fictif des Collines", FORMULA), LOAD,
         check=_formula_stays_text),
    # the other feeds (their valid fixture files, landlord 900000001)
    Case("commune_du_parc_hors_casa", "rpls_900000001_2025.csv", edited(PARC / "rpls_900000001_2025.csv",
         (0, "DEPCOM", "06088")), QUARANTINE, ("commune hors de la CASA", "06088"), ((2, "DEPCOM"),)),
    Case("evenement_inconnu", "mouvements_900000001_202502.csv", edited(PARC / "mouvements_900000001_202502.csv",
         (2, "type_evenement", "DEMOLITION")), QUARANTINE, ("code inconnu de la liste type_evenement",),
         ((4, "type_evenement"),)),
    Case("mouvement_futur", "mouvements_900000001_202502.csv", edited(PARC / "mouvements_900000001_202502.csv",
         (0, "date_evenement", "2025-03-05")), QUARANTINE, ("postérieure à la date du fichier (2025-02-28)",),
         ((2, "date_evenement"),)),
    Case("positionnement_d_un_bailleur_inconnu", "positionnements_202502.csv", edited(
         COMMISSION / "positionnements_202502.csv", (3, "bailleur_siren", "900000077")), QUARANTINE,
         ("bailleur absent du référentiel",), ((5, "bailleur_siren"),)),
    Case("taux_cible_absurde", "engagements_cia_2025.csv", edited(COMMISSION / "engagements_cia_2025.csv",
         (0, "taux_cible", "25")), QUARANTINE, ("supérieure au maximum 1",), ((2, "taux_cible"),)),
    # keys: within the file, across files, re-sends
    Case("doublon_conflictuel_dans_le_fichier", D,
         demandes((1, "numero_unique", FIXTURE_NUMEROS[0]), (1, "nb_personnes", "4")), QUARANTINE,
         ("clé en double dans le fichier", "lignes 2, 3"), ((2, "numero_unique"), (3, "numero_unique"))),
    Case("doublon_identique_dans_le_fichier", D, demandes(rows=[0, 0, 1, 2]), IGNORE, check=_identical_copy_dropped),
    Case("doublon_identique_entre_fichiers", R, radiations(loaded_first=True), IGNORE, check=_earlier_row_ignored),
    Case("doublon_conflictuel_entre_fichiers", R, radiations((0, "qpv", "NON"), loaded_first=True), QUARANTINE,
         ("conflit avec sne_radiations_20250228.csv", "même clé, valeurs différentes"),
         ((2, "numero_unique, date_radiation"),)),
    Case("renvoi_different", LOADED_DEMANDES, demandes((1, "nb_personnes", "4")), LOAD, check=_resend_replaced),
    Case("renvoi_bien_plus_court", LOADED_DEMANDES, demandes(rows=[0]), HOLD,
         ("renvoi non appliqué", "3 lignes", "1 ligne", f"--accepter {LOADED_DEMANDES}")),
    # names
    Case("bailleur_inconnu", "cal_900000077_202502.csv", CAL.read_bytes(), REJECT,
         ("bailleur 900000077", "absent du référentiel"), ((None, "nom du fichier"),)),
    Case("nom_sans_flux", "demandes_avril.csv", DEMANDES, LEAVE, ("demandes_avril.csv : nom de fichier non reconnu",)),
]
# fmt: on


# --- the home, loaded once; each case on a copy -----------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_home(tmp_path_factory) -> tuple[Path, dict]:
    home = tmp_path_factory.mktemp("valide") / "home"
    (home / "inbox").mkdir(parents=True)
    for f in BASE:
        shutil.copy(DEPOT / f, home / "inbox")
    shutil.copy(CAL, home / "inbox")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        assert {r.statut for r in ingest(home)} == {LOADED}
    return home, _state(home)


def _state(home: Path) -> dict:
    """The warehouse's data: every raw table but the ledgers a rejected or held file writes to."""
    return dump(home / "warehouse.duckdb", exclude_tables=("journal_ingestion", "quarantaine"))


def _quarantine(home: Path, name: str) -> list[tuple]:
    return query(
        home, "select ligne, colonne, raison from raw.quarantaine where fichier = ? order by ligne, colonne", [name]
    )


def _report_lines(home: Path, name: str) -> list[dict]:
    path = home / "rapports" / "quarantaine" / f"{Path(name).stem}.quarantaine.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _gx_lines(home: Path, name: str) -> list[str]:
    """The run summary's lines for the distribution suites' findings on the file (real GX)."""
    from assets.checks import run_files, run_rows
    from expectations import runner

    feed = feed_for(name).feed
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        files = {n: before for n, before in run_files(con, feed, None).items() if n == name}
        rows = run_rows(con, feed, list(files), runner.feed_columns(feed))
    finally:
        con.close()
    findings = [e for r in runner.validate_files(rows, feed, files) for e in r.failures]
    return [
        line
        for e in findings
        for line in finding_lines(
            {"attente": e.description, "colonne": e.column, "nombre": e.observed, "constats": e.constats}
        )
    ]


def _feed_row(summary: str, feed: str) -> list[str]:
    """The summary table's row of `feed`: files, read, loaded, quarantined, rejected."""
    [row] = [line.split() for line in summary.splitlines() if line.split()[:1] == [feed]]
    return row[1:]


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_each_kind_of_bad_input_has_its_outcome(case: Case, loaded_home, tmp_path, key_env):
    base, before = loaded_home
    home = tmp_path / "home"
    shutil.copytree(base, home)
    data = case.content.encode() if isinstance(case.content, str) else case.content
    (home / "inbox" / case.name).write_bytes(data)
    since = dt.datetime.now()
    reports = {r.fichier: r for r in ingest(home)}
    summary = run_summary(load_settings(home), since, [])

    if case.outcome == LEAVE:  # no feed: nothing read, the file waits in the inbox, the summary names it
        assert reports == {}
        assert (home / "inbox" / case.name).read_bytes() == data
        assert dump(home / "warehouse.duckdb") == dump(base / "warehouse.duckdb")
        assert all(w in summary for w in case.words)
        return

    report = reports[case.name]
    feed = report.flux
    # nothing lost: the file left the inbox for the archive, unchanged
    assert list((home / "inbox").iterdir()) == []
    assert (home / "archive" / feed / f"{archive.sha256(data)[:16]}_{case.name}").read_bytes() == data
    quarantined = _quarantine(home, case.name)

    if case.outcome in (REJECT, HOLD):
        assert report.statut == (REJECTED if case.outcome == REJECT else HELD)
        assert _state(home) == before  # the warehouse as it was
        assert all(w in report.message for w in case.words), report.message
        assert f"fichier {report.statut} {case.name} : {report.message}" in summary
    if case.outcome == REJECT:
        assert [(line, col) for line, col, _ in quarantined] == list(case.at)
        assert quarantined[0][2] == report.message
        assert _report_lines(home, case.name)[0]["raison"] == report.message
        assert _feed_row(summary, feed)[-1] == "1"  # one file rejected
    if case.outcome == HOLD:
        assert quarantined == []

    if case.outcome in (QUARANTINE, WARN, WARN_GX, IGNORE, LOAD):
        assert report.statut == LOADED
        loaded = query(home, f"select count(*) from raw.{feed} where _fichier = ?", [case.name])[0][0]
        assert loaded == report.lignes_chargees
        bad_lines = {line for line, _ in case.at}
        dropped = report.lignes_ignorees + report.doublons_identiques
        assert report.lignes_chargees == report.lignes_lues - len(bad_lines) - dropped  # the good rows loaded
        assert report.lignes_quarantaine == len(bad_lines)
        assert _feed_row(summary, feed)[2:] == [str(report.lignes_chargees), str(len(bad_lines)), "0"]
    if case.outcome == QUARANTINE:
        assert {(line, col) for line, col, _ in quarantined} == set(case.at)
        for _, _, reason in quarantined:
            assert all(w in reason for w in case.words), reason
        reported = {(int(r["ligne"]), r["colonne"] or None) for r in _report_lines(home, case.name)}
        assert reported == set(case.at)
    if case.outcome in (WARN, WARN_GX, IGNORE, LOAD):
        assert quarantined == []
    if case.outcome == WARN:
        [warning] = [w for w in report.avertissements if all(word in w for word in case.words)]
        assert f"avertissement {case.name} : {warning}" in summary
    if case.outcome == WARN_GX:
        assert report.avertissements == []
        shown = "\n".join(_gx_lines(home, case.name))
        assert all(w in shown for w in case.words), shown
    if case.outcome in (IGNORE, LOAD):
        assert report.avertissements == []
    if case.check:
        case.check(home, report)


def test_the_matrix_covers_thirty_kinds_of_every_outcome():
    assert len({c.kind for c in CASES}) == len(CASES) >= 30
    assert {c.outcome for c in CASES} == {REJECT, QUARANTINE, WARN, WARN_GX, HOLD, IGNORE, LEAVE, LOAD}


def test_a_file_identical_to_the_loaded_one_changes_nothing(loaded_home, tmp_path, key_env):
    base, before = loaded_home
    home = tmp_path / "home"
    shutil.copytree(base, home)
    shutil.copy(DEPOT / "sne_demandes_20250131.csv", home / "inbox")
    [report] = ingest(home)
    assert report.statut == ALREADY
    assert _state(home) == before

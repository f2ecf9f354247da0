"""The reader applies a column mapping: a partner's file with other headers and local codes is read as
the canonical contract; unmapped codes are quarantined; other files are untouched; ambiguity is refused.
At the end, the same file through the loader (`Ingestor`), which records the mapping in its journal."""

from __future__ import annotations

import json
import shutil
import textwrap

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from assets.ingest.dialect import FileRejected
from assets.ingest.loader import LOADED, Ingestor, pending
from assets.ingest.parse import Context
from assets.ingest.pseudonym import Key, Pseudonymizer
from assets.ingest.reader import read
from assets.settings import load_settings
from assets.warehouse import connect
from expectations import mapping
from expectations.contract import communes_epci, contract
from expectations.mapping import MappingError, load_dir
from tests.conftest import FIXTURES

PSEUDONYMIZE = Pseudonymizer(Key(bytes.fromhex("a1" * 32), "test"))
CAL = contract("cal")
POSITIONNEMENTS = contract("positionnements")
PARTNER = FIXTURES / "correspondances" / "cal_912345675_202503.csv"
EXAMPLE = "cal_logis_des_pins"

CANONICAL_HEADER = [c.name for c in CAL.columns]
# The partner file as the canonical contract would have it, written by hand (line 6 aside: its
# motive `BOF` has no canonical equivalent).
CANONICAL_ROWS = [
    "04/03/2025;A000000101;061012400000000011;PPRIOR;ATTRIBUTION;;;;OUI;ACCEPTE;12/03/2025;;",
    "04/03/2025;A000000102;061012400000000012;COLTER;ATTRIBUTION;;;;OUI;REFUSE;14/03/2025;LOYER_CHARGES;"
    "Loyer trop élevé",
    "04/03/2025;A000000103;061012400000000013;COLACT;ATTRIBUTION_RANG;1;;;OUI;REFUSE;15/03/2025;LOYER_CHARGES;"
    "Loyer + charges > 35 % des ressources",
    "11/03/2025;A000000104;061012400000000014;AUCUN;ATTRIBUTION;;;;OUI;REFUSE;20/03/2025;LOCALISATION;"
    "Trop loin du travail",
    "11/03/2025;A000000105;061012400000000015;PPRIOR;ATTRIBUTION;;;;OUI;REFUSE;21/03/2025;AUTRE;Motif non codé",
    "18/03/2025;A000000106;061012400000000016;COLTER;NON_ATTRIBUTION;;Dossier incomplet;;NON;;;;",
    "25/03/2025;A000000107;061012400000000017;AUCUN;ATTRIBUTION;;;DALO;OUI;;;;",
    "25/03/2025;A000000108;061012400000000018;PPRIOR;ATTRIBUTION;;;;OUI;SANS_REPONSE;;;",
]


def lines(header: list[str], rows: list[str]) -> bytes:
    return ("\n".join([";".join(header), *rows]) + "\n").encode("utf-8")


def read_as(data: bytes, name: str, c=CAL, mappings=None):
    info = c.file_info(name)
    return read(data, c, info, Context(info.date, communes_epci(), None), PSEUDONYMIZE, mappings)


def mappings_of(tmp_path, **files: str):
    folder = tmp_path / "mappings"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_dir(folder)


def test_partner_file_reads_as_its_canonical_equivalent():
    r = read_as(PARTNER.read_bytes(), PARTNER.name)  # the mappings shipped in expectations/mappings/
    assert (r.encoding, r.mapping, r.warnings) == ("windows-1252", EXAMPLE, [])
    # ACC, REF, ref, Ref, REF, SR, then LOY, " trop cher ", Sect (BOF is not in the mapping)
    assert r.recoded == 9
    assert r.rows["motif_refus"].to_list() == [None, "LOYER_CHARGES", "LOYER_CHARGES", "LOCALISATION", None, None, None]
    assert r.rows["reponse_candidat"].to_list() == ["ACCEPTE", "REFUSE", "REFUSE", "REFUSE", None, None, "SANS_REPONSE"]
    canonical = read_as(lines(CANONICAL_HEADER, CANONICAL_ROWS), PARTNER.name, mappings=())
    assert canonical.mapping is None and canonical.quarantine.height == 0
    assert_frame_equal(r.rows, canonical.rows.filter(pl.col("_ligne") != 6))


def test_unmapped_local_code_is_quarantined_as_unknown():
    r = read_as(PARTNER.read_bytes(), PARTNER.name)
    [q] = r.quarantine.iter_rows(named=True)
    assert (q["ligne"], q["colonne"], q["regle"]) == (6, "motif_refus", "code_inconnu")
    assert q["raison"] == (
        "code inconnu de la liste motif_refus « BOF » (colonne « Code refus » du fichier, "
        f"code absent de la correspondance « {EXAMPLE} »)"
    )
    values = json.loads(q["valeurs"])
    # canonical names; the other local codes of the row are already recoded; no numéro
    assert (values["motif_refus"], values["reponse_candidat"]) == ("BOF", "REFUSE")
    assert "numero_unique" not in values and "061012400000000015" not in q["valeurs"]


def test_file_of_another_landlord_is_unaffected():
    # the same export under another landlord's name: not renamed, so its header is refused
    with pytest.raises(FileRejected) as e:
        read_as(PARTNER.read_bytes(), "cal_900000001_202503.csv")
    assert e.value.reason.startswith("colonnes obligatoires absentes de l'en-tête : date_cal, ident_rep")
    assert "correspondance" not in e.value.reason
    # a canonical file of another landlord: its local code is not recoded
    r = read_as(
        lines(CANONICAL_HEADER, [CANONICAL_ROWS[1].replace("LOYER_CHARGES", "LOY")]), "cal_900000001_202503.csv"
    )
    assert r.mapping is None and r.recoded == 0
    assert r.quarantine.select("colonne", "regle", "raison").rows() == [
        ("motif_refus", "code_inconnu", "code inconnu de la liste motif_refus « LOY »")
    ]


def test_file_matched_by_two_mappings_is_rejected(tmp_path):
    mappings = mappings_of(
        tmp_path,
        par_bailleur="feed: cal\nsirens: ['912345675']\ncodes: {motif_refus: {LOY: LOYER_CHARGES}}\n",
        par_entete="feed: cal\ncolumns: {Code refus: motif_refus}\n",
    )
    with pytest.raises(FileRejected) as e:
        read_as(PARTNER.read_bytes(), PARTNER.name, mappings=mappings)
    assert (e.value.rule, e.value.line) == ("correspondance_ambigue", 1)
    assert "plusieurs correspondances s'appliquent à ce fichier (« par_bailleur » et « par_entete »)" in e.value.reason
    # another landlord's canonical file matches neither
    assert (
        read_as(lines(CANONICAL_HEADER, CANONICAL_ROWS[:1]), "cal_900000001_202503.csv", mappings=mappings).mapping
        is None
    )


def test_mapping_chosen_by_header_applies_to_any_landlord_carrying_it(tmp_path):
    mappings = mappings_of(
        tmp_path,
        logiciel="""
        feed: cal
        columns: {Code refus: motif_refus}
        codes: {motif_refus: {LOY: LOYER_CHARGES}}
    """,
    )
    header = [h if h != "motif_refus" else "CODE REFUS" for h in CANONICAL_HEADER]
    row = CANONICAL_ROWS[1].replace("LOYER_CHARGES", " loy ")
    for siren in ("900000001", "900000002"):
        r = read_as(lines(header, [row]), f"cal_{siren}_202503.csv", mappings=mappings)
        assert (r.mapping, r.recoded, r.rows["motif_refus"].to_list()) == ("logiciel", 1, ["LOYER_CHARGES"])
    canonical = read_as(lines(CANONICAL_HEADER, [row]), "cal_900000001_202503.csv", mappings=mappings)
    assert canonical.mapping is None and canonical.rows.height == 0


def test_header_problems_after_mapping_name_the_mapping():
    data = PARTNER.read_bytes()
    with pytest.raises(FileRejected) as e:
        read_as(data.replace(b"Date CAL;", b"Date de CAL;"), PARTNER.name)
    assert e.value.reason == (
        f"colonnes obligatoires absentes de l'en-tête : date_cal (correspondance « {EXAMPLE} » appliquée)"
    )
    # a source header and its canonical column side by side: one of them must go
    header_end = data.index(b"\r\n")
    doubled = data[:header_end] + b";motif_refus" + data[header_end:].replace(b"\r\n", b";\r\n")
    with pytest.raises(FileRejected) as e:
        read_as(doubled, PARTNER.name)
    assert e.value.reason.startswith("colonnes en double dans l'en-tête : motif_refus")


def test_codes_are_recoded_inside_lists(tmp_path):
    mappings = mappings_of(
        tmp_path,
        commission="""
        feed: positionnements
        columns: {Motifs: motifs_positionnement}
        codes: {motifs_positionnement: {PRIO: PRIORITAIRE, 1er quartile: PREMIER_QUARTILE}}
    """,
    )
    header = [c.name if c.name != "motifs_positionnement" else "Motifs" for c in POSITIONNEMENTS.columns]
    row = "05/03/2025;900000001;A000000101;06004;T3;COLTER;;0610124000000000{};1;{};VALIDE;;"
    r = read_as(
        lines(header, [row.format(11, "prio | 1ER Quartile|DALO"), row.format(12, "PRIO|XX")]),
        "positionnements_202503.csv",
        c=POSITIONNEMENTS,
        mappings=mappings,
    )
    assert (r.mapping, r.recoded) == ("commission", 3)
    assert r.rows["motifs_positionnement"].to_list() == [["PRIORITAIRE", "PREMIER_QUARTILE", "DALO"]]
    assert r.quarantine.select("ligne", "colonne", "regle").rows() == [(3, "motifs_positionnement", "code_inconnu")]
    assert "correspondance « commission »" in r.quarantine["raison"][0]


# --- through the loader ---------------------------------------------------------------------------

BAILLEURS = (
    "siren;nom;type;date_debut;date_fin;successeur_siren;envoie_mouvements;perimetre_cal\n"
    "912345675;Logis des Pins (exemple fictif);ESH;;;;NON;TOUS\n"
)


@pytest.fixture
def partner_home(tmp_path, monkeypatch, key_env):
    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    (home / "inbox" / "bailleurs.csv").write_text(BAILLEURS, encoding="utf-8")
    shutil.copy(PARTNER, home / "inbox")
    monkeypatch.setenv("OBSERVATOIRE_HOME", str(home))
    return home


def test_partner_file_loads_through_the_ingestor_and_the_journal_names_the_mapping(partner_home):
    settings = load_settings(partner_home)
    with connect(settings.home) as con:
        ingestor = Ingestor(con, settings, say=lambda m: None)
        reports = {r.fichier: r for r in (ingestor.ingest_inbox_file(p, c) for p, c in pending(settings.inbox)[0])}
    r = reports[PARTNER.name]
    assert (r.statut, r.lignes_lues, r.lignes_chargees, r.lignes_quarantaine) == (LOADED, 8, 7, 1)
    assert r.message == f"(correspondance « {EXAMPLE} » : 9 codes locaux recodés)"
    assert reports["bailleurs.csv"].message == ""
    con = duckdb.connect(str(partner_home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute(
            "select message, avertissements from raw.journal_ingestion where fichier = ?", [PARTNER.name]
        ).fetchall() == [(r.message, "[]")]
        assert con.execute(
            "select motif_refus, count(*) from raw.cal where bailleur_siren = '912345675' group by all order by all"
        ).fetchall() == [("LOCALISATION", 1), ("LOYER_CHARGES", 2), (None, 4)]
        assert con.execute(
            "select ligne, colonne, regle from raw.quarantaine where fichier = ?", [PARTNER.name]
        ).fetchall() == [(6, "motif_refus", "code_inconnu")]
    finally:
        con.close()
    report = (partner_home / "rapports" / "quarantaine" / "cal_912345675_202503.quarantaine.csv").read_bytes()
    assert "code absent de la correspondance" in report.decode("utf-8-sig")


def test_a_wrong_mapping_file_stops_the_ingestor_before_any_file_moves(partner_home, tmp_path, monkeypatch):
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "faute.yml").write_text("feed: cal\nsirens: ['912345675']\ncodes: {motif_refus: {LOY: LOYER}}\n")
    monkeypatch.setattr(mapping, "MAPPINGS_DIR", folder)
    mapping.all_mappings.cache_clear()
    try:
        settings = load_settings(partner_home)
        with connect(settings.home) as con, pytest.raises(MappingError, match="correspondance faute.yml : codes"):
            Ingestor(con, settings, say=lambda m: None)
    finally:
        mapping.all_mappings.cache_clear()
    assert sorted(p.name for p in (partner_home / "inbox").iterdir()) == ["bailleurs.csv", PARTNER.name]
    assert not (partner_home / "archive").exists() or not any((partner_home / "archive").rglob("*.csv"))

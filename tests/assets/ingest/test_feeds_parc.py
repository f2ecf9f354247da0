"""Landlord feeds on small hand-written fixtures (tests/fixtures/parc), through the real Ingestor and DuckDB:
bailleurs.csv, rpls (whole territory and per landlord), mouvements, programmes, bilan_flux.

Each fixture file holds a correct part and one bad row per kind of fault; the expected facts below are
computed by hand from the files (line numbers count the header as line 1).
"""

from __future__ import annotations

import datetime as dt

import pytest

from assets.ingest.loader import ALREADY, LOADED, REJECTED, accept
from assets.settings import load_settings
from tests.assets.ingest.fixture_homes import FixtureFolder
from tests.assets.ingest.test_loader import ingest, pid, quarantine, query
from tests.conftest import FIXTURE_NUMEROS, FIXTURES, PERSONAL_COLUMNS, dump, warehouse_text

PARC = FIXTURES / "parc"
PARC_FIXTURES = FixtureFolder(PARC, depot=("bailleurs.csv",))
# Landlord files of a landlord absent from the referential (900000003 until parc/bailleurs.csv declares it).
UNKNOWN = ["rpls_900000003_2025.csv", "mouvements_900000099_202502.csv", "bilan_flux_900000099_2024.csv"]


put = PARC_FIXTURES.put


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    """Depot landlords, then every parc file but the referential update, in one drop (loaded once)."""
    files = sorted(p.name for p in PARC.iterdir() if p.name != "bailleurs.csv")
    return PARC_FIXTURES.loaded_drop(tmp_path_factory.mktemp("parc"), files)


@pytest.fixture
def fresh(tmp_path, key_env):
    return lambda *files: PARC_FIXTURES.new_home(tmp_path, *files)


def test_drop_loads_in_order_with_known_counts(drop):
    home, reports = drop
    got = {
        n: (
            r.statut,
            r.encodage,
            r.lignes_lues,
            r.lignes_chargees,
            r.lignes_ignorees,
            r.lignes_quarantaine,
            r.doublons_identiques,
        )
        for n, r in reports.items()
    }
    assert list(got) == [
        "bailleurs.csv",
        "rpls_2025.csv",
        "rpls_900000001_2025.csv",
        "rpls_900000002_2024.csv",
        "rpls_900000003_2025.csv",
        "mouvements_900000001_202502.csv",
        "mouvements_900000001_202503.csv",
        "mouvements_900000002_202502.csv",
        "mouvements_900000099_202502.csv",
        "programmes_20250131.csv",
        "programmes_20250430.csv",
        "bilan_flux_900000001_2023.csv",
        "bilan_flux_900000001_2024.csv",
        "bilan_flux_900000002_2024.csv",
        "bilan_flux_900000099_2024.csv",
    ]
    rejected = (REJECTED, "", 0, 0, 0, 0, 0)
    assert got == {
        "bailleurs.csv": (LOADED, "utf-8", 2, 2, 0, 0, 0),
        "rpls_2025.csv": (LOADED, "windows-1252", 6, 4, 0, 2, 0),
        "rpls_900000001_2025.csv": (LOADED, "utf-8", 5, 5, 0, 0, 0),
        "rpls_900000002_2024.csv": (LOADED, "utf-8", 14, 2, 0, 11, 1),
        "rpls_900000003_2025.csv": rejected,
        "mouvements_900000001_202502.csv": (LOADED, "utf-8", 5, 5, 0, 0, 0),
        "mouvements_900000001_202503.csv": (LOADED, "utf-8", 13, 1, 1, 11, 0),
        "mouvements_900000002_202502.csv": (LOADED, "utf-8", 1, 1, 0, 0, 0),
        "mouvements_900000099_202502.csv": rejected,
        "programmes_20250131.csv": (LOADED, "windows-1252", 4, 4, 0, 0, 0),
        "programmes_20250430.csv": (LOADED, "utf-8", 13, 4, 0, 9, 0),
        "bilan_flux_900000001_2023.csv": (LOADED, "utf-8", 2, 2, 0, 0, 0),
        "bilan_flux_900000001_2024.csv": (LOADED, "utf-8", 5, 5, 0, 0, 0),
        "bilan_flux_900000002_2024.csv": (LOADED, "utf-8", 10, 2, 0, 8, 0),
        "bilan_flux_900000099_2024.csv": rejected,
    }
    assert not list((home / "inbox").iterdir())


def test_landlord_files_of_an_unknown_landlord_are_rejected_whole(drop):
    home, reports = drop
    for name in UNKNOWN:
        siren = name.split("_")[-2]
        assert quarantine(home, name) == [
            (
                None,
                "nom du fichier",
                "bailleur_inconnu",
                f"bailleur {siren} (nom du fichier) absent du référentiel bailleurs.csv : fichier non chargé",
            )
        ]
        assert reports[name].message.startswith(f"bailleur {siren} (nom du fichier) absent")
    assert query(home, "select count(*) from raw.rpls where bailleur_siren = '900000003'") == [(0,)]
    assert query(home, "select count(*) from raw.mouvements where bailleur_siren = '900000099'") == [(0,)]
    assert query(home, "select count(*) from raw.bilan_flux where bailleur_siren = '900000099'") == [(0,)]
    assert query(home, "select fichier, statut from raw.journal_ingestion where statut = ? order by 1", [REJECTED]) == [
        (n, REJECTED) for n in sorted(UNKNOWN)
    ]


# --- bailleurs.csv ---------------------------------------------------------------------------------------------


def test_bailleurs_upsert_keeps_a_landlord_the_new_file_omits(fresh):
    home = fresh()
    ingest(home)
    put(home, "bailleurs.csv")  # Windows-1252: updates 900000002, adds 900000003, omits 900000001
    [report] = ingest(home)
    assert (report.statut, report.encodage, report.lignes_lues, report.lignes_chargees, report.lignes_quarantaine) == (
        LOADED,
        "windows-1252",
        9,
        2,
        7,
    )
    assert query(
        home,
        "select siren, nom_bailleur, type, date_debut, date_fin, successeur_siren, envoie_mouvements, "
        "perimetre_cal, _fichier from raw.bailleurs order by siren",
    ) == [
        (
            "900000001",
            "Habitat Fictif des Collines",
            "OPH",
            dt.date(2000, 1, 1),
            None,
            None,
            True,
            "TOUS",
            "bailleurs.csv",
        ),
        (
            "900000002",
            "Logis Imaginaire Azur",
            "ESH",
            None,
            dt.date(2024, 12, 31),
            "900000003",
            False,
            "CANDIDATS_CASA",
            "bailleurs.csv",
        ),
        (
            "900000003",
            "Société Azuréenne d'Habitat",
            "SEM",
            dt.date(2025, 1, 1),
            None,
            None,
            True,
            "TOUS",
            "bailleurs.csv",
        ),
    ]
    assert quarantine(home, "bailleurs.csv") == [
        (4, "type", "code_inconnu", "code inconnu de la liste type_bailleur « SCI »"),
        (5, "date_debut", "date_impossible", "date impossible « 31/04/2020 »"),
        (6, "date_fin", "fin_apres_debut", "la date de fin précède la date de début"),
        (7, "siren", "format", "SIREN invalide (9 chiffres attendus) « 90000007 »"),
        (8, None, "nombre_de_champs", "nombre de champs : 7 au lieu de 8"),
        (9, "envoie_mouvements", "oui_non", "OUI ou NON attendu « PEUT-ETRE »"),
        (10, "nom", "obligatoire", "valeur obligatoire manquante"),
    ]


def test_a_rejected_bailleurs_file_deletes_no_landlord(fresh):
    home = fresh()
    ingest(home)
    before = dump(home / "warehouse.duckdb")["bailleurs"]
    (home / "inbox" / "bailleurs.csv").write_text("siren;nom\n900000001;Habitat Fictif des Collines\n")
    [report] = ingest(home)
    assert report.statut == REJECTED
    assert quarantine(home, "bailleurs.csv") == [
        (1, None, "entete", "colonnes obligatoires absentes de l'en-tête : type, envoie_mouvements, perimetre_cal")
    ]
    assert dump(home / "warehouse.duckdb")["bailleurs"] == before


# --- rpls ------------------------------------------------------------------------------------------------------


def test_rpls_per_landlord_file_after_the_whole_territory_file_replaces_that_landlords_rows(drop):
    home, _ = drop
    assert query(
        home,
        "select bailleur_siren, _fichier, count(*) from raw.rpls where _date_fichier = '2025-01-01' "
        "group by all order by all",
    ) == [("900000001", "rpls_900000001_2025.csv", 5), ("900000002", "rpls_2025.csv", 2)]
    assert query(
        home, "select bailleur_siren, ident_rep, ident_int from raw.rpls where _fichier = 'rpls_2025.csv' order by 2"
    ) == [("900000002", "B000000007", "Villa Thérèse"), ("900000002", "B000000008", "Le Mistral 3")]
    # another year is another snapshot
    assert query(
        home, "select bailleur_siren, ident_rep from raw.rpls where _date_fichier = '2024-01-01' order by 2"
    ) == [("900000002", "B000000007"), ("900000002", "B000000008")]


def test_rpls_whole_territory_file_after_a_per_landlord_file_replaces_the_whole_year(fresh):
    home = fresh("rpls_900000001_2025.csv", "rpls_900000002_2024.csv")
    ingest(home)
    put(home, "rpls_2025.csv")
    [report] = ingest(home)
    assert (report.statut, report.lignes_chargees) == (LOADED, 4)
    assert query(
        home,
        "select bailleur_siren, ident_rep, mode, _fichier from raw.rpls where _date_fichier = '2025-01-01' order by 2",
    ) == [
        ("900000001", "A000000001", "1", "rpls_2025.csv"),
        ("900000001", "A000000002", "2", "rpls_2025.csv"),
        ("900000002", "B000000007", "1", "rpls_2025.csv"),
        ("900000002", "B000000008", "4", "rpls_2025.csv"),
    ]
    assert query(home, "select count(*) from raw.rpls where _date_fichier = '2024-01-01'") == [(2,)]


def test_rpls_values_are_typed_from_both_date_formats_and_decimal_styles(drop):
    home, _ = drop
    rows = query(
        home,
        "select ident_rep, bailleur_siren, ident_int, depcom, qpv, qpv_2015, nbpiece, surfhab, "
        "typeconst, construct, locat, finan, conv, mode, bail, remlocdate, loyerprinc, contreslog, "
        "pmr, groupe_immobilier, _ligne from raw.rpls where _fichier = 'rpls_900000001_2025.csv' "
        "order by ident_rep",
    )
    assert rows == [
        (
            "A000000001",
            "900000001",
            "INT-001",
            "06155",
            "QN00601M",
            None,
            2,
            48.5,
            "C",
            1972,
            1973,
            "12",
            True,
            "1",
            dt.date(2019, 3, 1),
            None,
            412.3,
            "7",
            False,
            "RES-VAL-01",
            2,
        ),
        (
            "A000000002",
            "900000001",
            "INT-002",
            "06155",
            "QN00601M",
            None,
            3,
            65.0,
            "C",
            1972,
            1973,
            "50",
            True,
            "1",
            dt.date(2025, 1, 1),
            None,
            505.1,
            "2",
            False,
            "RES-VAL-01",
            3,
        ),
        (
            "A000000003",
            "900000001",
            "INT-003",
            "06004",
            None,
            None,
            4,
            81.25,
            "I",
            2010,
            2011,
            "14",
            True,
            "3",
            None,
            None,
            None,
            None,
            True,
            None,
            4,
        ),
        (
            "A000000004",
            "900000001",
            "INT-004",
            "06152",
            None,
            None,
            1,
            28.0,
            "C",
            2024,
            2024,
            "10",
            True,
            "2",
            None,
            dt.date(2024, 12, 15),
            301.0,
            "4",
            False,
            "RES-VBN-02",
            5,
        ),
        (
            "A000000005",
            "900000001",
            "INT-005",
            "06018",
            None,
            None,
            5,
            102.5,
            "C",
            1990,
            1991,
            "16",
            False,
            "5",
            None,
            None,
            1102.5,
            None,
            False,
            None,
            6,
        ),
    ]
    # the whole-territory file: Windows-1252, CRLF, JJ/MM/AAAA
    assert query(
        home, "select remlocdate from raw.rpls where _fichier = 'rpls_2025.csv' and ident_rep = 'B000000008'"
    ) == [(None,)]
    assert query(
        home, "select remlocdate from raw.rpls where _fichier = 'rpls_900000002_2024.csv' and ident_rep = 'B000000008'"
    ) == [(dt.date(2023, 11, 30),)]


def test_rpls_bad_rows_are_quarantined_with_rule_and_french_reason(drop):
    home, reports = drop
    assert quarantine(home, "rpls_900000002_2024.csv") == [
        (4, "MODE", "code_inconnu", "code inconnu de la liste mode_rpls « 7 »"),
        (5, "REMLOCDATE", "date_impossible", "date impossible « 30/02/2023 »"),
        (6, "REMLOCDATE", "date_future", "date postérieure à la date du fichier (2024-01-01) « 2024-03-01 »"),
        (7, "BAIL", "obligatoire", "valeur obligatoire quand MODE vaut 1"),
        (8, None, "nombre_de_champs", "nombre de champs : 19 au lieu de 20"),
        (9, "NBPIECE", "maximum", "valeur supérieure au maximum 9 « 12 »"),
        (10, "DEPCOM", "commune_hors_epci", "commune hors de la CASA « 06088 »"),
        (11, "SIREN", "bailleur_fichier", "SIREN différent de celui du nom du fichier (900000002)"),
        (12, "BAIL", "format_mois", "mois attendu au format MM/AAAA « 13/2010 »"),
        (13, "IDENT_REP", "format", "identifiant RPLS invalide (10 caractères attendus) « B00000018 »"),
        (14, "LOCAT", "date_future", "date postérieure à la date du fichier (2024-01-01) « 2026 »"),
    ]
    # an empty SIREN in a per-landlord file is the name's; the identical line 15 kept once (line 2)
    assert query(
        home,
        "select ident_rep, bailleur_siren, _ligne from raw.rpls where _fichier = 'rpls_900000002_2024.csv' order by 1",
    ) == [("B000000007", "900000002", 2), ("B000000008", "900000002", 3)]
    assert reports["rpls_900000002_2024.csv"].avertissements == []
    # the whole-territory file needs the SIREN of each row, of a known landlord
    assert quarantine(home, "rpls_2025.csv") == [
        (6, "SIREN", "bailleur_inconnu", "bailleur absent du référentiel bailleurs.csv « 900000099 »"),
        (7, "SIREN", "obligatoire", "valeur obligatoire quand le nom du fichier ne donne pas le SIREN du bailleur"),
    ]
    values = query(
        home, "select valeurs from raw.quarantaine where fichier = 'rpls_900000002_2024.csv' and ligne = 11"
    )[0][0]
    assert '"IDENT_REP":"B000000016"' in values and '"SIREN":"900000001"' in values


def test_rpls_whole_territory_file_without_a_siren_column_is_rejected(fresh):
    home = fresh()
    text = (PARC / "rpls_900000001_2025.csv").read_text()
    (home / "inbox" / "rpls_2026.csv").write_text(text)
    reports = {r.fichier: r for r in ingest(home)}
    assert reports["rpls_2026.csv"].statut == REJECTED
    assert quarantine(home, "rpls_2026.csv") == [
        (1, None, "entete", "colonnes obligatoires absentes de l'en-tête : SIREN")
    ]


def test_a_file_rejected_for_its_landlord_is_examined_again_once_the_landlord_is_declared(fresh):
    home = fresh("rpls_900000003_2025.csv")
    reports = {r.fichier: r for r in ingest(home)}
    assert reports["rpls_900000003_2025.csv"].statut == REJECTED
    put(home, "rpls_900000003_2025.csv")  # dropped again, the referential unchanged: examined again, rejected again
    [again] = ingest(home)
    assert again.statut == REJECTED
    put(home, "bailleurs.csv", "rpls_900000003_2025.csv")  # the referential now declares 900000003
    reports = {r.fichier: r for r in ingest(home)}
    report = reports["rpls_900000003_2025.csv"]
    assert (report.statut, report.lignes_chargees) == (LOADED, 2)
    # a minimal header: absent optional columns are read empty, with a warning
    assert report.avertissements == [
        "colonnes facultatives absentes, lues vides : SIREN, QPV, QPV_2015, SURFHAB, TYPECONST, CONSTRUCT, "
        "CONV, REMLOCDATE, LOYERPRINC, CONTRESLOG, PMR, groupe_immobilier"
    ]
    assert quarantine(home, "rpls_900000003_2025.csv") == []
    assert query(home, "select bailleur_siren, ident_rep, mode, bail, surfhab from raw.rpls order by 2") == [
        ("900000003", "D000000001", "1", dt.date(2025, 1, 1), None),
        ("900000003", "D000000002", "2", None, None),
    ]


# --- mouvements ------------------------------------------------------------------------------------------------


def test_mouvements_bad_rows_and_event_keys_across_files(drop):
    home, _ = drop
    assert quarantine(home, "mouvements_900000001_202503.csv") == [
        (
            4,
            "IDENT_REP, date_evenement, type_evenement",
            "conflit",
            "conflit avec mouvements_900000001_202502.csv : même clé, valeurs différentes",
        ),
        (5, "type_evenement", "code_inconnu", "code inconnu de la liste type_evenement « ARRIVEE »"),
        (6, "date_evenement", "date_impossible", "date impossible « 31/04/2025 »"),
        (7, "date_evenement", "date_future", "date postérieure à la date du fichier (2025-03-31) « 2025-04-02 »"),
        (8, "numero_unique", "obligatoire", "valeur obligatoire quand type_evenement vaut ENTREE"),
        (9, "NBPIECE", "maximum", "valeur supérieure au maximum 9 « 12 »"),
        (10, "DEPCOM", "commune_hors_epci", "commune hors de la CASA « 06088 »"),
        (11, "programme_id", "obligatoire", "valeur obligatoire quand type_evenement vaut MISE_EN_SERVICE"),
        (12, "motif", "motif_selon_evenement", "motif incompatible avec le type d'événement"),
        (13, "numero_unique", "format", "numéro unique invalide (18 caractères [0-9A-Z] attendus)"),
        (14, None, "nombre_de_champs", "nombre de champs : 11 au lieu de 12"),
    ]
    # the identical row of March is ignored, the earlier sale stands
    assert query(
        home,
        "select ident_rep, date_evenement, type_evenement, motif, _fichier from raw.mouvements "
        "where bailleur_siren = '900000001' order by 2, 1",
    ) == [
        ("A000000001", dt.date(2025, 2, 3), "DEPART", "DEMENAGEMENT", "mouvements_900000001_202502.csv"),
        ("A000000003", dt.date(2025, 2, 10), "DEBUT_INDISPONIBILITE", None, "mouvements_900000001_202502.csv"),
        ("A000000006", dt.date(2025, 2, 14), "MISE_EN_SERVICE", None, "mouvements_900000001_202502.csv"),
        ("A000000001", dt.date(2025, 2, 15), "ENTREE", None, "mouvements_900000001_202502.csv"),
        ("A000000005", dt.date(2025, 2, 28), "SORTIE_PATRIMOINE", "VENTE", "mouvements_900000001_202502.csv"),
        ("A000000006", dt.date(2025, 3, 1), "DEPART", "DECES", "mouvements_900000001_202503.csv"),
    ]
    assert query(
        home,
        "select programme_id, depcom, nbpiece, finan, contreslog, groupe_immobilier "
        "from raw.mouvements where type_evenement = 'MISE_EN_SERVICE'",
    ) == [("PRG-001", "06152", 3, "10", "7", "RES-VBN-03")]


def test_a_dwelling_is_keyed_by_its_landlord(drop):
    home, _ = drop
    # the same IDENT_REP and event under another landlord is another dwelling: no conflict
    assert query(
        home,
        "select bailleur_siren, motif from raw.mouvements where ident_rep = 'A000000001' "
        "and type_evenement = 'DEPART' order by 1",
    ) == [("900000001", "DEMENAGEMENT"), ("900000002", "MUTATION_INTERNE")]
    # events meet the stock of their own landlord only
    assert query(
        home,
        "select m.bailleur_siren, m.type_evenement, r.mode, r.depcom from raw.mouvements m "
        "left join raw.rpls r on r.bailleur_siren = m.bailleur_siren and r.ident_rep = m.ident_rep "
        "and r._date_fichier = '2025-01-01' where m.ident_rep = 'A000000001' order by all",
    ) == [
        ("900000001", "DEPART", "1", "06155"),
        ("900000001", "ENTREE", "1", "06155"),
        ("900000002", "DEPART", None, None),
    ]


def test_mouvements_numero_becomes_the_sne_pseudonym_and_no_numero_reaches_the_warehouse(drop):
    home, _ = drop
    assert query(home, "select id_demande from raw.mouvements where type_evenement = 'ENTREE'") == [
        (pid(FIXTURE_NUMEROS[1]),)
    ]
    assert query(
        home, "select count(*) from raw.mouvements where type_evenement <> 'ENTREE' and id_demande is not null"
    ) == [(0,)]
    names, blob = warehouse_text(home / "warehouse.duckdb")
    assert not names & PERSONAL_COLUMNS
    for secret in FIXTURE_NUMEROS + ["06101240000000001"]:
        assert secret not in blob
    for report in (home / "rapports" / "quarantaine").iterdir():
        assert "0610124" not in report.read_text(encoding="utf-8-sig")


# --- programmes ------------------------------------------------------------------------------------------------


def test_programmes_each_file_is_a_full_snapshot(drop):
    home, _ = drop
    latest = (
        "select programme_id, financement, reservataire, nom_programme, bailleur_siren, commune, "
        "date_livraison_prevue, date_livraison, reservataire_id, nb_logements from raw.programmes "
        "where _date_fichier = (select max(_date_fichier) from raw.programmes) order by all"
    )
    assert query(home, latest) == [
        (
            "PRG-001",
            "PLAI",
            "PPRIOR",
            "Résidence Les Oliviers",
            "900000001",
            "06152",
            dt.date(2025, 2, 15),
            dt.date(2025, 2, 14),
            None,
            2,
        ),
        (
            "PRG-001",
            "PLUS",
            "COLTER",
            "Résidence Les Oliviers",
            "900000001",
            "06152",
            dt.date(2025, 2, 15),
            dt.date(2025, 2, 14),
            "240600585",
            6,
        ),
        ("PRG-002", "PLUS", "COLACT", "Le Clos des Pins", "900000002", "06004", dt.date(2026, 6, 30), None, None, 12),
        ("PRG-004", "PLAI", "PPRIOR", "Les Restanques", "900000001", "06161", dt.date(2027, 3, 31), None, None, 8),
    ]
    # the earlier snapshot is kept as it was (PRG-003 is only there)
    assert query(
        home,
        "select programme_id, nom_programme, date_livraison, nb_logements from raw.programmes "
        "where _date_fichier = '2025-01-31' order by all",
    ) == [
        ("PRG-001", "Résidence Les Oliviers", None, 2),
        ("PRG-001", "Résidence Les Oliviers", None, 6),
        ("PRG-002", "Le Clos des Pins", None, 10),
        ("PRG-003", "Hameau de l'Écluse", dt.date(2024, 10, 15), 4),
    ]
    assert quarantine(home, "programmes_20250430.csv") == [
        (6, "financement", "code_inconnu", "code inconnu de la liste financement « PLX »"),
        (7, "date_livraison_prevue", "date_impossible", "date impossible « 31/06/2026 »"),
        (8, "date_livraison", "date_future", "date postérieure à la date du fichier (2025-04-30) « 2025-05-10 »"),
        (9, "nb_logements", "minimum", "valeur inférieure au minimum 1 « 0 »"),
        (10, "commune", "commune_hors_epci", "commune hors de la CASA « 06088 »"),
        (11, "bailleur_siren", "bailleur_inconnu", "bailleur absent du référentiel bailleurs.csv « 900000099 »"),
        (12, None, "nombre_de_champs", "nombre de champs : 9 au lieu de 10"),
        (13, "nom_programme", "obligatoire", "valeur obligatoire manquante"),
        (14, "reservataire", "code_inconnu", "code inconnu de la liste reservataire « MAIRIE »"),
    ]


def test_programmes_resent_file_replaces_its_own_snapshot_only(fresh):
    home = fresh("programmes_20250131.csv", "programmes_20250430.csv")
    ingest(home)
    lines = (PARC / "programmes_20250430.csv").read_text().splitlines(keepends=True)
    (home / "inbox" / "programmes_20250430.csv").write_text("".join(lines[:4]))  # PRG-001 and PRG-002 only
    [report] = accept(load_settings(home), ["programmes_20250430.csv"], say=lambda m: None)  # far shorter: confirmed
    assert (report.statut, report.lignes_chargees, report.lignes_quarantaine) == (LOADED, 3, 0)
    assert query(
        home, "select _date_fichier, count(*), count(distinct programme_id) from raw.programmes group by 1 order by 1"
    ) == [(dt.date(2025, 1, 31), 4, 3), (dt.date(2025, 4, 30), 3, 2)]
    assert quarantine(home, "programmes_20250430.csv") == []


# --- bilan_flux ------------------------------------------------------------------------------------------------


def test_bilan_flux_rows_and_bad_rows(drop):
    home, _ = drop
    assert query(
        home,
        "select bailleur_siren, _date_fichier, count(*), sum(logements_proposes), "
        "sum(logements_attribues) from raw.bilan_flux group by all order by all",
    ) == [
        ("900000001", dt.date(2023, 12, 31), 2, 14, 11),
        ("900000001", dt.date(2024, 12, 31), 5, 26, 21),
        ("900000002", dt.date(2024, 12, 31), 2, 6, 4),
    ]
    assert query(
        home,
        "select reservataire, reservataire_id, commune, typologie, financement, qpv, "
        "logements_proposes, logements_attribues from raw.bilan_flux "
        "where _fichier = 'bilan_flux_900000001_2024.csv' and commune = '06004'",
    ) == [("COLTER", "240600585", "06004", "T3", "PLAI", False, 5, 4)]
    assert quarantine(home, "bilan_flux_900000002_2024.csv") == [
        (3, "typologie", "code_inconnu", "code inconnu de la liste typologie_bilan « T7 »"),
        (4, "qpv", "oui_non", "OUI ou NON attendu « O »"),
        (5, "logements_proposes", "minimum", "valeur inférieure au minimum 0 « -1 »"),
        (6, "logements_attribues", "nombre_entier", "nombre entier attendu « 2,5 »"),
        (7, "commune", "commune_hors_epci", "commune hors de la CASA « 06088 »"),
        (8, None, "nombre_de_champs", "nombre de champs : 7 au lieu de 8"),
        (9, "reservataire", "obligatoire", "valeur obligatoire manquante"),
        (10, "reservataire_id", "format", "SIREN invalide (9 chiffres attendus) « 24060058 »"),
    ]


def test_bilan_flux_file_replaces_its_landlord_and_year_only(fresh):
    home = fresh("bilan_flux_900000001_2023.csv", "bilan_flux_900000001_2024.csv", "bilan_flux_900000002_2024.csv")
    ingest(home)
    (home / "inbox" / "bilan_flux_900000001_2024.csv").write_text(
        "reservataire;reservataire_id;commune;typologie;financement;qpv;logements_proposes;logements_attribues\n"
        "PPRIOR;;06155;T2;PLUS;OUI;13;10\n"
    )  # the corrected report
    [report] = accept(
        load_settings(home), ["bilan_flux_900000001_2024.csv"], say=lambda m: None
    )  # far shorter: confirmed
    assert (report.statut, report.lignes_chargees) == (LOADED, 1)
    assert query(
        home,
        "select bailleur_siren, year(_date_fichier), count(*), sum(logements_proposes) "
        "from raw.bilan_flux group by all order by all",
    ) == [("900000001", 2023, 2, 14), ("900000001", 2024, 1, 13), ("900000002", 2024, 2, 6)]


# --- re-ingestion ----------------------------------------------------------------------------------------------


def test_reingesting_the_same_files_changes_nothing(fresh):
    files = [p.name for p in PARC.iterdir() if p.name != "bailleurs.csv" and p.name not in UNKNOWN]
    PARC_FIXTURES.assert_reingesting_changes_nothing(fresh(*files), files)


def test_a_rejected_new_version_leaves_the_loaded_version_and_its_quarantine(fresh):
    name = "mouvements_900000001_202503.csv"
    home = fresh("mouvements_900000001_202502.csv", name)
    ingest(home)
    before = dump(home / "warehouse.duckdb")["mouvements"]
    loaded_quarantine = quarantine(home, name)
    damaged = (PARC / name).read_bytes().replace(b"DECES", b"D\xc3\xa9C\xe9S")  # UTF-8 then Latin-1 bytes
    (home / "inbox" / name).write_bytes(damaged)
    [report] = ingest(home)
    assert report.statut == REJECTED
    assert dump(home / "warehouse.duckdb")["mouvements"] == before
    assert quarantine(home, name) == sorted(
        loaded_quarantine
        + [
            (
                2,
                None,
                "encodage",
                ("fichier UTF-8 endommagé : octet invalide ligne 2 ; ré-exportez le fichier en UTF-8"),
            )
        ],
        key=lambda r: (r[0], r[1] or "\uffff"),
    )
    (home / "inbox" / name).write_bytes(damaged)  # the same bytes again: examined again, rejected again
    [again] = ingest(home)
    assert again.statut == REJECTED and len(quarantine(home, name)) == len(loaded_quarantine) + 1
    put(home, name)  # the good version again: already loaded, nothing changes
    [same] = ingest(home)
    assert same.statut == ALREADY and dump(home / "warehouse.duckdb")["mouvements"] == before

"""Commission feeds on small hand-written fixtures (tests/fixtures/commission), through the real Ingestor and
DuckDB, beside the SNE fixture drop (tests/fixtures/depot): positionnements, cal, engagements_cia.

Each fixture file holds a correct part and one bad row per kind of fault; the expected facts below are
computed by hand from the files (line numbers count the header as line 1).
"""

from __future__ import annotations

import datetime as dt

import pytest

from assets.ingest.loader import LOADED, REJECTED, accept
from assets.settings import load_settings
from tests.assets.ingest.fixture_homes import FixtureFolder
from tests.assets.ingest.test_loader import ingest, pid, quarantine, query
from tests.conftest import FIXTURE_NUMEROS, FIXTURES, PERSONAL_COLUMNS, warehouse_text

COMMISSION = FIXTURES / "commission"
COMMISSION_FIXTURES = FixtureFolder(COMMISSION)
N1, N2, N3, N4, N5, _, _, _, N9 = FIXTURE_NUMEROS
CAL_FEB, CAL_MAR = "cal_900000001_202502.csv", "cal_900000001_202503.csv"


put = COMMISSION_FIXTURES.put


@pytest.fixture(scope="module")
def drop(tmp_path_factory):
    """The depot and every commission fixture, in one drop (loaded once)."""
    return COMMISSION_FIXTURES.loaded_drop(
        tmp_path_factory.mktemp("commission"), sorted(p.name for p in COMMISSION.iterdir())
    )


@pytest.fixture
def fresh(tmp_path, key_env):
    return lambda *files: COMMISSION_FIXTURES.new_home(tmp_path, *files)


def test_drop_loads_in_order_with_known_counts(drop):
    home, reports = drop
    got = {
        n: (r.statut, r.encodage, r.lignes_lues, r.lignes_chargees, r.lignes_ignorees, r.lignes_quarantaine)
        for n, r in reports.items()
        if not n.startswith(("sne_", "bailleurs"))
    }
    assert list(reports)[:5] == [
        "bailleurs.csv",
        "sne_demandes_20250131.csv",
        "sne_demandes_20250228.csv",
        "sne_radiations_20250228.csv",
        "sne_radiations_20250331.csv",
    ]
    assert list(got) == [
        "positionnements_202502.csv",
        "positionnements_202503.csv",
        CAL_FEB,
        CAL_MAR,
        "cal_900000099_202502.csv",
        "engagements_cia_2025.csv",
        "engagements_cia_2026.csv",
    ]
    assert got == {
        "positionnements_202502.csv": (LOADED, "utf-8", 4, 4, 0, 0),
        "positionnements_202503.csv": (LOADED, "utf-8", 14, 1, 1, 12),
        CAL_FEB: (LOADED, "windows-1252", 4, 4, 0, 0),
        CAL_MAR: (LOADED, "utf-8", 18, 3, 0, 15),
        "cal_900000099_202502.csv": (REJECTED, "", 0, 0, 0, 0),
        "engagements_cia_2025.csv": (LOADED, "windows-1252", 5, 5, 0, 0),
        "engagements_cia_2026.csv": (LOADED, "utf-8", 11, 1, 0, 10),
    }
    assert not list((home / "inbox").iterdir())


# --- positionnements -------------------------------------------------------------------------------------------


def test_positionnements_rows_and_event_keys_across_files(drop):
    home, _ = drop
    assert query(
        home,
        "select date_commission, bailleur_siren, ident_rep, commune_logement, typologie_logement, "
        "reservataire, reservataire_id, id_demande, rang_propose, motifs_positionnement, "
        "avis_commission, reponse_avant_cal, motif_refus_avant_cal, _fichier "
        "from raw.positionnements order by date_commission, bailleur_siren, rang_propose",
    ) == [
        (
            dt.date(2025, 2, 6),
            "900000001",
            "A000000001",
            "06155",
            "T2",
            "PPRIOR",
            None,
            pid(N2),
            1,
            ["DALO", "PRIORITAIRE"],
            "VALIDE",
            "MAINTIENT",
            None,
            "positionnements_202502.csv",
        ),
        (
            dt.date(2025, 2, 6),
            "900000001",
            "A000000001",
            "06155",
            "T2",
            "PPRIOR",
            None,
            pid(N4),
            2,
            ["PRIORITAIRE"],
            "VALIDE",
            "REFUS_VISITE",
            "LOCALISATION",
            "positionnements_202502.csv",
        ),
        (
            dt.date(2025, 2, 6),
            "900000001",
            "A000000001",
            "06155",
            "T2",
            "PPRIOR",
            None,
            pid(N3),
            3,
            ["PREMIER_QUARTILE", "DROIT_COMMUN"],
            "AJOURNE",
            None,
            None,
            "positionnements_202502.csv",
        ),
        # JJ/MM/AAAA; the conflicting March row (AJOURNE) does not replace it
        (
            dt.date(2025, 2, 6),
            "900000002",
            "B000000007",
            "06004",
            "T3",
            "COLTER",
            "240600585",
            pid(N1),
            1,
            ["DROIT_COMMUN"],
            "VALIDE",
            None,
            None,
            "positionnements_202502.csv",
        ),
        (
            dt.date(2025, 3, 6),
            "900000001",
            "A000000004",
            "06152",
            "T1",
            "COLTER",
            "240600585",
            pid(N3),
            1,
            ["PREMIER_QUARTILE"],
            "VALIDE",
            None,
            None,
            "positionnements_202503.csv",
        ),
    ]


def test_positionnements_bad_rows(drop):
    home, _ = drop
    assert quarantine(home, "positionnements_202503.csv") == [
        (
            4,
            "date_commission, bailleur_siren, ident_rep, numero_unique",
            "conflit",
            "conflit avec positionnements_202502.csv : même clé, valeurs différentes",
        ),
        (5, "avis_commission", "code_inconnu", "code inconnu de la liste avis_commission « OK »"),
        (6, "date_commission", "date_impossible", "date impossible « 29/02/2025 »"),
        (7, "date_commission", "date_future", "date postérieure à la date du fichier (2025-03-31) « 2025-04-03 »"),
        (8, "rang_propose", "maximum", "valeur supérieure au maximum 3 « 4 »"),
        (9, "commune_logement", "commune_hors_epci", "commune hors de la CASA « 06088 »"),
        (10, "bailleur_siren", "bailleur_inconnu", "bailleur absent du référentiel bailleurs.csv « 900000099 »"),
        (
            11,
            "motifs_positionnement",
            "code_inconnu",
            "code inconnu de la liste motif_positionnement (séparateur |) « DALO|VIP »",
        ),
        (12, None, "nombre_de_champs", "nombre de champs : 11 au lieu de 13"),
        (13, "numero_unique", "obligatoire", "valeur obligatoire manquante"),
        (14, "ident_rep", "format", "identifiant RPLS invalide (10 caractères attendus) « A00000004 »"),
        (15, "typologie_logement", "code_inconnu", "code inconnu de la liste typologie_logement « T7P »"),
    ]
    # a quarantined row shows the pseudonym, never the numéro
    values = query(
        home, "select valeurs from raw.quarantaine where fichier = 'positionnements_202503.csv' and ligne = 9"
    )[0][0]
    assert f'"id_demande":"{pid(N5)}"' in values and N5 not in values


# --- cal -------------------------------------------------------------------------------------------------------


CAL_COLUMNS = (
    "select bailleur_siren, date_cal, ident_rep, id_demande, reservataire, decision, rang, motif_decision, "
    "exemption_trois_candidats, proposition_faite, reponse_candidat, date_reponse, motif_refus, "
    "motif_refus_libelle, _fichier from raw.cal order by date_cal, ident_rep, rang nulls last, decision"
)


def test_cal_answer_in_a_later_file_replaces_the_pending_row(drop):
    home, _ = drop
    assert query(home, CAL_COLUMNS) == [
        (
            "900000001",
            dt.date(2025, 2, 13),
            "A000000001",
            pid(N2),
            "PPRIOR",
            "ATTRIBUTION_RANG",
            1,
            None,
            None,
            True,
            "ACCEPTE",
            dt.date(2025, 2, 18),
            None,
            None,
            CAL_MAR,
        ),
        (
            "900000001",
            dt.date(2025, 2, 13),
            "A000000001",
            pid(N4),
            "PPRIOR",
            "ATTRIBUTION_RANG",
            2,
            None,
            None,
            False,
            None,
            None,
            None,
            None,
            CAL_FEB,
        ),
        (
            "900000001",
            dt.date(2025, 2, 13),
            "A000000001",
            pid(N3),
            "PPRIOR",
            "NON_ATTRIBUTION",
            None,
            "RESSOURCES",
            None,
            False,
            None,
            None,
            None,
            None,
            CAL_FEB,
        ),
        # Windows-1252; an answer dated after the month is a follow-up fact, allowed
        (
            "900000001",
            dt.date(2025, 2, 27),
            "A000000004",
            pid(N1),
            "COLTER",
            "ATTRIBUTION",
            None,
            None,
            "INSUFFISANCE",
            True,
            "REFUSE",
            dt.date(2025, 3, 5),
            "LOCALISATION",
            "logement jugé trop éloigné",
            CAL_FEB,
        ),
        (
            "900000001",
            dt.date(2025, 3, 13),
            "A000000002",
            pid(N3),
            "PPRIOR",
            "ATTRIBUTION",
            None,
            None,
            "DALO",
            True,
            None,
            None,
            None,
            None,
            CAL_MAR,
        ),
        (
            "900000001",
            dt.date(2025, 3, 20),
            "A000000005",
            pid(N9),
            "AUCUN",
            "IRRECEVABILITE",
            None,
            "PLAFONDS",
            None,
            False,
            None,
            None,
            None,
            None,
            CAL_MAR,
        ),
    ]


def test_cal_bad_rows(drop):
    home, _ = drop
    key = "date_cal, ident_rep, numero_unique"
    assert quarantine(home, CAL_MAR) == [
        (4, "decision", "code_inconnu", "code inconnu de la liste decision_cal « ATTRIB »"),
        (5, "date_cal", "date_impossible", "date impossible « 2025-02-30 »"),
        (6, "date_cal", "date_future", "date postérieure à la date du fichier (2025-03-31) « 2025-04-01 »"),
        (7, "rang", "obligatoire", "valeur obligatoire quand decision vaut ATTRIBUTION_RANG"),
        (
            8,
            "motif_decision",
            "obligatoire",
            "valeur obligatoire quand decision vaut NON_ATTRIBUTION ou IRRECEVABILITE",
        ),
        (9, "motif_refus", "obligatoire", "valeur obligatoire quand reponse_candidat vaut REFUSE"),
        (10, "date_reponse", "obligatoire", "valeur obligatoire quand reponse_candidat vaut ACCEPTE ou REFUSE"),
        (11, "rang", "minimum", "valeur inférieure au minimum 1 « 0 »"),
        (12, "reponse_candidat", "reponse_sans_proposition", "réponse du candidat sans proposition faite"),
        (13, "date_reponse", "reponse_apres_cal", "réponse antérieure à la CAL"),
        (14, "proposition_faite", "oui_non", "OUI ou NON attendu « O »"),
        (15, "numero_unique", "obligatoire", "valeur obligatoire manquante"),
        (16, None, "nombre_de_champs", "nombre de champs : 12 au lieu de 13"),
        (17, key, "doublon_conflictuel", "clé en double dans le fichier avec des valeurs différentes (lignes 17, 18)"),
        (18, key, "doublon_conflictuel", "clé en double dans le fichier avec des valeurs différentes (lignes 17, 18)"),
    ]


def test_cal_of_an_unknown_landlord_is_rejected_whole_and_examined_again(drop, fresh):
    home, _ = drop
    reason = "bailleur 900000099 (nom du fichier) absent du référentiel bailleurs.csv : fichier non chargé"
    assert quarantine(home, "cal_900000099_202502.csv") == [(None, "nom du fichier", "bailleur_inconnu", reason)]
    home = fresh("cal_900000099_202502.csv")
    ingest(home)
    put(home, "cal_900000099_202502.csv")
    [again] = ingest(home)
    assert (again.statut, again.message) == (REJECTED, reason)
    assert query(home, "select count(*) from raw.quarantaine where fichier = 'cal_900000099_202502.csv'") == [(1,)]
    assert query(home, "select count(*) from raw.cal") == [(0,)]


def test_cal_earlier_month_resent_after_a_later_one_does_not_undo_its_answers(fresh):
    home = fresh(CAL_FEB, CAL_MAR)
    ingest(home)
    before = {r[3]: r for r in query(home, CAL_COLUMNS) if r[1] == dt.date(2025, 2, 13)}
    # February re-sent in April with a corrected refusal motive for the third candidate
    text = (COMMISSION / CAL_FEB).read_bytes().replace(b"RESSOURCES", b"PLAFONDS")
    (home / "inbox" / CAL_FEB).write_bytes(text)
    [report] = ingest(home)
    assert (report.statut, report.lignes_lues, report.lignes_chargees, report.lignes_ignorees) == (LOADED, 4, 3, 1)
    after = {r[3]: r for r in query(home, CAL_COLUMNS) if r[1] == dt.date(2025, 2, 13)}
    assert after[pid(N2)] == before[pid(N2)]  # the answer of March stands
    assert after[pid(N3)][7] == "PLAFONDS"
    assert query(home, "select count(*) from raw.cal") == [(6,)]


def test_cal_candidate_joins_its_sne_demand(drop):
    home, _ = drop
    # of the three CAL candidates for A000000001, demands 4 (ranked 2) and 3 (not attributed) are in the
    # February SNE snapshot; demand 2 left it (radiated)
    assert query(
        home,
        "select c.rang, c.decision, d.nb_personnes, d.nb_enfants_moins_14_ans, d.date_depot "
        "from raw.cal c join raw.sne_demandes d using (id_demande) "
        "where c.ident_rep = 'A000000001' and d._date_fichier = '2025-02-28' order by 1",
    ) == [(2, "ATTRIBUTION_RANG", 4, 2, dt.date(2025, 2, 5)), (None, "NON_ATTRIBUTION", 1, 0, dt.date(2024, 11, 20))]
    # the accepted candidate is the radiation RADATT of demand 2, and its positioning
    assert query(
        home,
        "select r.motif_radiation, r.ident_rep, p.rang_propose from raw.cal c "
        "join raw.sne_radiations r on r.id_demande = c.id_demande and r.ident_rep = c.ident_rep "
        "and r.bailleur_siren = c.bailleur_siren "
        "join raw.positionnements p on p.id_demande = c.id_demande and p.ident_rep = c.ident_rep "
        "and p.bailleur_siren = c.bailleur_siren "
        "where c.reponse_candidat = 'ACCEPTE' and r.motif_radiation = 'RADATT'",
    ) == [("RADATT", "A000000001", 1)]


def test_no_numero_reaches_the_warehouse_from_commission_feeds(drop):
    home, _ = drop
    names, blob = warehouse_text(home / "warehouse.duckdb")
    assert not names & PERSONAL_COLUMNS
    assert not [n for n in FIXTURE_NUMEROS if n in blob]
    for report in (home / "rapports" / "quarantaine").iterdir():
        assert "0610124" not in report.read_text(encoding="utf-8-sig")
    for table in ("positionnements", "cal"):
        assert query(
            home, f"select count(*) from raw.{table} where not regexp_full_match(id_demande, '[0-9a-f]{{64}}')"
        ) == [(0,)]


# --- engagements_cia -------------------------------------------------------------------------------------------


def test_engagements_cia_rows_and_bad_rows(drop):
    home, _ = drop
    assert query(
        home,
        "select annee, bailleur_siren, reservataire, quota, taux_cible, source from raw.engagements_cia order by all",
    ) == [
        (2025, "*", "*", "Q1_PRIORITAIRES", 0.25, "CIA 2023, article 4"),
        (2025, "*", "*", "Q2_PREMIER_QUARTILE_HORS_QPV", 0.25, "CIA 2023, article 5"),
        (2025, "*", "*", "Q3_QUARTILES_2_4_EN_QPV", 0.5, "CIA 2023, article 6"),
        (2025, "900000001", "COLTER", "FLUX_PART", 0.3, "Convention de réservation CASA – Habitat Fictif, art. 2"),
        (2025, "900000002", "*", "Q1_PRIORITAIRES", 0.42, "Avenant n° 2 à la CIA, article 1"),
        (2026, "*", "*", "Q1_PRIORITAIRES", 0.25, "CIA 2023 révisée, article 4"),
    ]
    assert quarantine(home, "engagements_cia_2026.csv") == [
        (3, "quota", "code_inconnu", "code inconnu de la liste quota « Q4_AUTRE »"),
        (4, "taux_cible", "maximum", "valeur supérieure au maximum 1 « 1,5 »"),
        (5, "annee", "annee_du_fichier", "année différente de celle du nom du fichier"),
        (6, "bailleur_siren", "bailleur_inconnu", "bailleur absent du référentiel bailleurs.csv « 900000099 »"),
        (7, "reservataire", "code_inconnu", "code inconnu de la liste reservataire « ETAT »"),
        (8, None, "nombre_de_champs", "nombre de champs : 5 au lieu de 6"),
        (9, "source", "obligatoire", "valeur obligatoire manquante"),
        (10, "taux_cible", "nombre_decimal", "nombre décimal attendu (virgule décimale) « trente »"),
        (11, "annee", "format_annee", "année attendue (AAAA) « 26 »"),
        (12, "taux_cible", "minimum", "valeur inférieure au minimum 0 « -0,1 »"),
    ]


def test_engagements_cia_file_replaces_its_year_only(fresh):
    home = fresh("engagements_cia_2025.csv", "engagements_cia_2026.csv")
    ingest(home)
    (home / "inbox" / "engagements_cia_2025.csv").write_text(  # the CIA revised: one commitment left
        "annee;bailleur_siren;reservataire;quota;taux_cible;source\n2025;*;*;Q1_PRIORITAIRES;0,3;avenant 2025\n"
    )
    [report] = accept(load_settings(home), ["engagements_cia_2025.csv"], say=lambda m: None)  # far shorter: confirmed
    assert (report.statut, report.lignes_chargees) == (LOADED, 1)
    assert query(home, "select annee, quota, taux_cible, source from raw.engagements_cia order by all") == [
        (2025, "Q1_PRIORITAIRES", 0.3, "avenant 2025"),
        (2026, "Q1_PRIORITAIRES", 0.25, "CIA 2023 révisée, article 4"),
    ]


# --- re-ingestion ----------------------------------------------------------------------------------------------


def test_reingesting_the_same_files_changes_nothing(fresh):
    files = [p.name for p in COMMISSION.iterdir() if p.name != "cal_900000099_202502.csv"]
    COMMISSION_FIXTURES.assert_reingesting_changes_nothing(fresh(*files), files)

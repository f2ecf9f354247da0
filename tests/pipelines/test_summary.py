"""The run summary from known check metadata and journal rows (the figures of the checks, not recomputed)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from assets.ingest.loader import Ingestor, pending
from assets.settings import load_settings
from assets.warehouse import connect
from pipelines.summary import UNAVAILABLE, check_metadata, ingestion_lines, ingestion_table, quality_lines

NNBSP = "\u202f"

CHECKS = {
    "completude_flux": {
        "recus_par_bailleur": [
            {"bailleur_siren": "900000001", "nom_bailleur": "Office Un", "flux": "cal", "recus": 3, "attendus": 3},
            {
                "bailleur_siren": "900000001",
                "nom_bailleur": "Office Un",
                "flux": "mouvements",
                "recus": 2,
                "attendus": 3,
            },
            {"bailleur_siren": "900000002", "nom_bailleur": None, "flux": "rpls", "recus": 1, "attendus": 1},
        ],
        "premiers_manquants": [
            {"bailleur_siren": "900000001", "nom_bailleur": "Office Un", "mois": "2025-02", "flux": "mouvements"}
        ],
    },
    "attributions_rapprochees": {"attributions": 40, "taux_entree": 0.975, "taux_offre_acceptee": 1.0},
    "logements_connus_du_parc": {"hors_parc": 2, "non_verifiables": 5, "cal_sans_commune": 7},
    "rapprochement_stock_demandes": {"ecart_relatif_max": 0.0012},
    "ecarts_millesimes": {"ecarts": 0},
    "quartile_sne_recalcule": {
        "desaccords": 31,
        "comparees": 1590,
        "quartile_inconnu": 12,
        "quartile_inconnu_sans_seuil": 3,
    },
    "lignes_non_calculables": {
        "par_famille": [
            {"famille": "C4", "raison": "cohorte_ouverte", "lignes": 310},
            {"famille": "D6", "raison": "denominateur_insuffisant", "lignes": 1185},
            {"famille": "D6", "raison": "fenetre_non_couverte", "lignes": 128},
        ]
    },
}


def test_quality_lines_say_what_the_checks_found():
    assert quality_lines(CHECKS) == [
        "Complétude des envois attendus des bailleurs (reçus/attendus sur la période) :",
        "  bailleur" + " " * 36 + f"{'retours de CAL':>22}{'mouvements mensuels':>22}{'parcs au 1er janvier':>22}",
        f"  {'Office Un (900000001)':<44}{'3/3':>22}{'2/3':>22}{'-':>22}",
        f"  {' (900000002)':<44}{'-':>22}{'-':>22}{'1/1':>22}",
        "  manquant : mouvements mensuels 2025-02 de Office Un",
        f"Cohérence : attributions retrouvées en ENTREE 97,5{NNBSP}%, en offre acceptée 100,0{NNBSP}% ; logements "
        "cités absents du parc : 2 (5 autres non vérifiables : cités après le dernier fichier de parc d'un bailleur "
        "sans mouvements) ; candidats de CAL sans commune connue (comptés à l'EPCI et sur la ligne "
        f"« commune non renseignée ») : 7 ; écart maximal du stock de demandes d'un mois à l'autre : 0,1{NNBSP}% ; "
        "écarts entre état rejoué et millésime suivant : 0",
        f"1er quartile : le drapeau du SNE et le recalcul diffèrent pour 31 attributions sur 1{NNBSP}590 (le drapeau "
        "du SNE est retenu ; détail dans le contrôle quartile_sne_recalcule)",
        "1er quartile inconnu : 12 attributions laissées hors de Q2, Q3 et R1_part_q1, dont 3 une année sans seuil "
        "de quartile (Q2, Q3 et la part R1_part_q1 des résidences qui en ont une y sont non calculables)",
        "Lignes non calculables (trimestre × territoire), par famille d'indicateurs :",
        "  C4 : 310 cohorte dont le suivi n'est pas terminé à la dernière extraction",
        f"  D6 : 1{NNBSP}185 dénominateur sous son seuil ; 128 fenêtre commençant avant le premier fichier reçu "
        "du flux",
    ]


def test_no_attribution_and_no_comparison_leave_their_lines_out():
    checks = {
        **CHECKS,
        "attributions_rapprochees": {"attributions": 0, "taux_entree": 0.0, "taux_offre_acceptee": 0.0},
        "quartile_sne_recalcule": {"desaccords": 0, "comparees": 0},
        "lignes_non_calculables": {"par_famille": []},
        "completude_flux": {"recus_par_bailleur": [], "premiers_manquants": []},
    }
    assert quality_lines(checks) == []


def test_checks_that_did_not_run_are_said_so():
    assert quality_lines({}) == [UNAVAILABLE]
    partial = {k: v for k, v in CHECKS.items() if k != "ecarts_millesimes"}
    lines = quality_lines(partial)
    assert not any(line.startswith("Cohérence") for line in lines)
    assert lines[-1] == "(contrôles non exécutés par ce traitement : ecarts_millesimes)"


def test_check_metadata_reads_the_values_of_dagster_evaluations():
    evaluation = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["intermediate", "int_logements_etats"]),
        check_name="ecarts_millesimes",
        passed=True,
        metadata={"ecarts": dg.MetadataValue.int(3), "par_bailleur": dg.MetadataValue.md("_aucune ligne_")},
    )
    assert check_metadata([evaluation]) == {"ecarts_millesimes": {"ecarts": 3, "par_bailleur": "_aucune ligne_"}}


def test_ingestion_table_aligns_the_journal_figures():
    assert ingestion_table([]) == ["Aucun nouveau fichier chargé."]
    lines = ingestion_table([("sne_demandes", 33, 350023, 350023, 0, 0), ("cal", 2, 10, 8, 2, 1)])
    assert lines[1] == f"sne_demandes{33:>15}{'350' + NNBSP + '023':>12}{'350' + NNBSP + '023':>12}{0:>13}{0:>9}"
    assert lines[2].split() == ["cal", "2", "10", "8", "2", "1"]


def test_column_warnings_of_the_run_are_in_the_summary(home, key_env):
    # One of the run's files has an unknown column and lacks an optional one: the analyst reads it in
    # the summary, not only in the Dagster log.
    path = home / "inbox" / "sne_demandes_20250131.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [line.replace(";commune_travail", ";remarque_interne") for line in lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(home)
    since = dt.datetime.now()
    with connect(settings.home) as con:
        ingestor = Ingestor(con, settings, say=lambda m: None)
        ingestor.ingest_inbox(pending(settings.inbox)[0])
    summary = ingestion_lines(settings, since)
    assert "  avertissement sne_demandes_20250131.csv : colonnes inconnues ignorées : remarque_interne" in summary
    assert (
        "  avertissement sne_demandes_20250131.csv : colonnes facultatives absentes, lues vides : commune_travail"
        in summary
    )

"""The GX suites on hand-made pandas frames: distribution suites (warn) and the structural suite of
fct_indicateurs (blocks publication); the committed suites equal their generator's output."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from expectations import runner, suites_gen
from expectations.catalogue import catalogue
from expectations.contract import EPCI_SIREN, communes

N = 100
COMMUNES = sorted(c["code_insee"] for c in communes())


def test_committed_suites_match_their_generator():
    suites = suites_gen.all_suites()
    assert {p.stem for p in suites_gen.SUITES_DIR.glob("*.json")} == set(suites)
    for name, suite in suites.items():
        committed = (suites_gen.SUITES_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert committed == suites_gen.render(suite), f"{name}.json : relancer python -m expectations.suites_gen"


def test_appendix_a_list_is_kept_in_one_place():
    """The structural suite lists the catalogue seed's indicators, in its order."""
    indicateurs = [i.indicateur for i in catalogue()]
    suite = runner.load_suite("fct_indicateurs")
    in_set = [
        e
        for e in suite["expectations"]
        if e["kwargs"].get("column") == "indicateur" and e["type"] == "expect_column_values_to_be_in_set"
    ]
    assert in_set[0]["kwargs"]["value_set"] == indicateurs
    assert len(indicateurs) == 71 and {"D1", "I2_q3", "R1_alerte", "S1_part_ytd"} <= set(indicateurs)


def test_catalogue_rows_are_complete_and_in_their_vocabularies():
    """Every indicator has its French label and definition, a nature of the one vocabulary, and cuts whose
    levels and dimensions the encoder knows."""
    levels = {"epci", "secteur", "commune", "bailleur", "reservataire", "residence"}
    dims = {
        "mois",
        "bailleur",
        "reservataire",
        "typologie",
        "financement",
        "qpv",
        "mutation",
        "prioritaire",
        "motif",
        "decision",
        "avis",
        "tranche",
        "choix",
    }
    for i in catalogue():
        assert i.libelle and i.definition, i.indicateur
        assert i.nature in {"compte", "part", "ratio", "duree", "score", "drapeau"}, i.indicateur
        for cut in i.decoupages:
            level, _, rest = cut.partition(":")
            assert level in levels and set(filter(None, rest.split("+"))) <= dims, (i.indicateur, cut)


def demandes(**overrides) -> pd.DataFrame:
    """100 plausible active demands (warehouse columns of raw.sne_demandes)."""
    frame = pd.DataFrame(
        {
            "id_demande": [f"{i:064x}" for i in range(N)],
            "date_depot": pd.to_datetime(["2023-05-01"] * N),
            "canal": ["GUICHET"] * N,
            "communes_souhaitees": [["06004"]] * N,
            "typologies_souhaitees": [["T2"]] * N,
            "age": [40] * N,
            "situation_familiale": ["C"] * N,
            "situation_professionnelle": ["CDI"] * N,
            "nb_personnes": [2] * N,
            "nb_enfants_moins_14_ans": [0] * N,
            "revenu_mensuel": [1800.0] * N,
            "logement_actuel": ["HLM"] * 30 + ["LP"] * 70,
            "motif_principal": ["01"] * N,
            "statut_dalo": ["NON"] * 95 + ["ACTIF"] * 5,
            "commune_residence": ["06004"] * N,
        }
    )
    for col, values in overrides.items():
        frame[col] = values
    return frame


def test_a_plausible_snapshot_passes():
    result = runner.validate(demandes(), "sne_demandes", {"volume_precedent_min": 90, "volume_precedent_max": 110})
    assert result.success, result.markdown()
    hlm = [e for e in result.expectations if e.column == "logement_actuel" and "mutation" in e.description]
    assert [round(e.observed, 4) for e in hlm] == [0.3, 0.3]  # observed share, reported for both bounds
    assert result.rows == N and "attentes satisfaites" in result.summary()


def test_each_kind_of_distribution_expectation_catches_its_fault():
    bad = demandes(
        id_demande=[None] + [f"{i:064x}" for i in range(1, N)],  # not null (contract)
        canal=["FAX"] + ["GUICHET"] * (N - 1),  # value set (contract)
        logement_actuel=["HLM"] * 80 + ["LP"] * 20,  # share above its max
        statut_dalo=["ACTIF"] * 30 + ["NON"] * 70,  # share above its max
        revenu_mensuel=[90000.0] * 5 + [100.0] * (N - 5),  # range, and the median
        age=[3] * 10 + [40] * (N - 10),  # range
        nb_personnes=[9] * N,  # mean
        nb_enfants_moins_14_ans=[0] * N,
        date_depot=pd.to_datetime(["1990-01-01"] * 10 + ["2023-05-01"] * (N - 10)),  # dates
    )
    result = runner.validate(bad, "sne_demandes", {"volume_precedent_min": 200, "volume_precedent_max": 300})
    assert not result.success
    failed = {(e.type, e.column) for e in result.failures}
    assert failed == {
        ("expect_column_values_to_not_be_null", "id_demande"),
        ("expect_column_values_to_be_in_set", "canal"),
        ("expect_column_values_to_not_be_in_set", "logement_actuel"),
        ("expect_column_values_to_not_be_in_set", "statut_dalo"),
        ("expect_column_values_to_be_between", "revenu_mensuel"),
        ("expect_column_median_to_be_between", "revenu_mensuel"),
        ("expect_column_values_to_be_between", "age"),
        ("expect_column_mean_to_be_between", "nb_personnes"),
        ("expect_column_values_to_be_between", "date_depot"),
        ("expect_table_row_count_to_be_between", None),  # volume vs the previous file
    }
    volume = next(e for e in result.expectations if "du fichier précédent" in e.description)
    assert volume.observed == N and not volume.success
    mutation = next(e for e in result.failures if e.column == "logement_actuel")
    assert mutation.observed == pytest.approx(0.8) and "mutation" in mutation.description
    assert next(e for e in result.failures if e.type.startswith("expect_column_median")).observed == 100.0
    assert "❌" in result.markdown()


def test_the_lower_bound_of_a_share_and_missing_parameters():
    few = demandes(logement_actuel=["LP"] * N)  # no mutation at all: below the 15 % floor
    result = runner.validate(few, "sne_demandes")  # no previous file: no volume bound
    assert [(e.type, e.column, e.observed) for e in result.failures] == [
        ("expect_column_values_to_be_in_set", "logement_actuel", 0.0)
    ]


# --- the structural suite of fct_indicateurs ------------------------------------------------------------


def indicateurs(quarters=((2025, 3), (2025, 4), (2026, 1))) -> pd.DataFrame:
    """A small long table: D1 and D5 by commune and EPCI (EPCI = Σ communes), a share Q1 at EPCI level."""
    rows = []
    for annee, trimestre in quarters:
        for ind, per_commune in (("D1", 10.0), ("D5", 2.0)):
            for i, c in enumerate(COMMUNES):
                rows.append(
                    (
                        annee,
                        trimestre,
                        "COMMUNE",
                        c,
                        f"commune {c}",
                        ind,
                        "ensemble",
                        per_commune + i,
                        per_commune + i,
                        None,
                        "ok",
                    )
                )
            total = sum(per_commune + i for i in range(len(COMMUNES)))
            rows.append((annee, trimestre, "EPCI", EPCI_SIREN, "CASA", ind, "ensemble", total, total, None, "ok"))
            rows.append((annee, trimestre, "EPCI", EPCI_SIREN, "CASA", ind, "typologie=T2", 5.0, 5.0, None, "ok"))
        rows.append((annee, trimestre, "EPCI", EPCI_SIREN, "CASA", "Q1", "reservataire=COLTER", 0.25, 3.0, 12.0, "ok"))
        rows.append(
            (annee, trimestre, "EPCI", EPCI_SIREN, "CASA", "D9", "ensemble", None, None, None, "non_calculable")
        )
    return pd.DataFrame(rows, columns=suites_gen.FCT_COLUMNS)


def test_a_sound_indicator_table_passes():
    result = runner.validate(indicateurs(), "fct_indicateurs")
    assert result.success, result.markdown()
    controls = [e for e in result.expectations if e.type.startswith("controle:")]
    assert [e.type for e in controls] == [
        "controle:communes_presentes",
        "controle:epci_somme_communes",
        "controle:trimestres_continus",
    ]


def test_structural_faults_are_each_caught():
    frame = indicateurs(quarters=((2025, 3), (2026, 1)))  # 2025T4 missing
    frame.loc[frame["indicateur"] == "Q1", "valeur"] = 25.0  # a percent, not a fraction
    frame = frame.drop(
        frame.index[(frame["code_geo"] == COMMUNES[3]) & (frame["indicateur"] == "D1") & (frame["annee"] == 2026)]
    )  # a commune missing (and EPCI ≠ Σ)
    epci_d5 = (frame["niveau_geo"] == "EPCI") & (frame["indicateur"] == "D5") & (frame["modalite"] == "ensemble")
    frame.loc[epci_d5 & (frame["annee"] == 2025), "valeur"] += 1  # EPCI ≠ Σ communes
    t2 = frame.index[frame["modalite"] == "typologie=T2"]
    frame.loc[t2[0], "statut"] = "masque"  # not an accepted status
    frame.loc[t2[1], "indicateur"] = "D99"  # not in Appendix A
    result = runner.validate(frame, "fct_indicateurs")
    assert not result.success
    failed = {e.description: e for e in result.failures}
    assert set(failed) == {
        "« indicateur » dans la liste de l'annexe A",
        "« statut » parmi ok, secret, non_calculable, sans_objet",
        "les parts sont des fractions dans [0, 1]",
        *(c["description"] for c in runner.load_suite("fct_indicateurs")["meta"]["controles"]),
    }
    shares = failed["les parts sont des fractions dans [0, 1]"]
    assert shares.observed == 2 and "25.0" in shares.details
    communes_ = next(e for e in result.failures if e.type == "controle:communes_presentes")
    assert communes_.details == f"D1 2026T1 : {COMMUNES[3]}"
    sums = next(e for e in result.failures if e.type == "controle:epci_somme_communes")
    assert sums.observed == 2 and "D5 2025T3" in sums.details and "D1 2026T1" in sums.details
    quarters = next(e for e in result.failures if e.type == "controle:trimestres_continus")
    assert quarters.details == "2025T4"


def test_saved_validations_render_as_gx_data_docs(tmp_path):
    result = runner.validate(indicateurs(), "fct_indicateurs")
    saved = runner.save(result, tmp_path / "resultats")
    stored = json.loads(saved.read_text(encoding="utf-8"))
    assert stored["observatoire"]["success"] and stored["gx"]["suite_name"] == "fct_indicateurs"
    index = runner.build_data_docs(tmp_path / "resultats", tmp_path / "site")
    assert index.exists()
    pages = list((tmp_path / "site" / "validations" / "fct_indicateurs").rglob("*.html"))
    assert len(pages) == 1 and "fct_indicateurs" in index.read_text(encoding="utf-8")


def test_a_suite_names_the_columns_it_reads():
    columns = runner.suite_columns("rpls")
    assert {"ident_rep", "mode", "surfhab", "loyerprinc", "nbpiece"} <= set(columns)
    assert "_fichier" not in columns and len(columns) == len(set(columns))

"""The GX suites on hand-made frames: distribution suites on the files of a run (warn) and the structural
suite of fct_indicateurs (blocks publication); the committed suites equal their generator's output."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import polars as pl
import pytest

from expectations import runner, suites_gen
from expectations.catalogue import catalogue
from expectations.contract import EPCI_SIREN, communes

N = 100
COMMUNES = sorted(c["code_insee"] for c in communes())
PETITES = sorted(c["code_insee"] for c in communes() if c["code_secteur"] == "PETITES")


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
    assert len(indicateurs) == 84 and {"D1", "I2_q3", "R1_alerte", "S1_part_ytd", "H1_delai_50"} <= set(indicateurs)


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


def demandes(fichier: str = "sne_demandes_20250131.csv", **overrides) -> pl.DataFrame:
    """100 plausible active demands of one file (warehouse columns of raw.sne_demandes)."""
    columns = {
        "_fichier": [fichier] * N,
        "_ligne": list(range(2, N + 2)),
        "id_demande": [f"{i:064x}" for i in range(N)],
        "date_depot": [dt.date(2023, 5, 1)] * N,
        "canal": ["GUICHET"] * N,
        "communes_souhaitees": [["06004"]] * N,
        "typologies_souhaitees": [["T2"]] * N,
        "age": [40] * N,
        "situation_familiale": ["C"] * N,
        "situation_professionnelle": ["CDI"] * N,
        "nb_personnes": [2] * N,
        "nb_enfants_moins_14_ans": [0] * N,
        "revenu_mensuel": [1800.0] * N,
        "revenu_fiscal_reference": [21000.0] * N,
        "logement_actuel": ["HLM"] * 30 + ["LP"] * 70,
        "motif_principal": ["01"] * N,
        "statut_dalo": ["NON"] * 95 + ["ACTIF"] * 5,
        "commune_residence": ["06004"] * N,
    }
    return pl.DataFrame(columns | overrides)


def failures(results) -> dict[str, list[dict]]:
    """{description of each missed expectation: the files or lines GX named}."""
    return {e.description: e.constats for r in results for e in r.failures}


def test_plausible_files_pass_both_suites():
    rows = pl.concat([demandes(), demandes("sne_demandes_20250228.csv")])
    results = runner.validate_files(
        rows, "sne_demandes", {"sne_demandes_20250131.csv": 95, "sne_demandes_20250228.csv": N}
    )
    assert [r.suite for r in results] == ["sne_demandes", "sne_demandes_fichiers"]
    assert all(r.success for r in results), [r.markdown() for r in results]
    assert results[0].summary().endswith("sur 200 lignes") and results[1].summary().endswith("sur 2 fichiers")


def test_each_file_of_the_run_is_measured_not_only_the_last():
    """The first file's faults are found though the second, later one is sound."""
    bad = demandes(
        logement_actuel=["HLM"] * 80 + ["LP"] * 20,  # share above its max
        statut_dalo=["ACTIF"] * 30 + ["NON"] * 70,  # share above its max
        revenu_mensuel=[90000.0] * 5 + [100.0] * (N - 5),  # range for 99 %, and the median
        age=[3] * 10 + [40] * (N - 10),  # range
        nb_personnes=[9] * N,  # mean
        date_depot=[dt.date(1990, 1, 1)] * 10 + [dt.date(2023, 5, 1)] * (N - 10),  # dates
    )
    rows = pl.concat([bad, demandes("sne_demandes_20250228.csv")])
    previous = {"sne_demandes_20250131.csv": 250, "sne_demandes_20250228.csv": N}
    found = failures(runner.validate_files(rows, "sne_demandes", previous))
    first = [
        {"fichier": "sne_demandes_20250131.csv", "valeur": pytest.approx(v)}
        for v in (0.8, 0.3, 0.95, 100.0, 0.9, 9.0, 0.9, -0.6)
    ]
    assert found == {
        "part des demandes de mutation (logement actuel HLM) entre 15 % et 55 %": [first[0]],
        "part des demandes DALO actives au plus 15 %": [first[1]],
        "revenus mensuels entre 0 et 15 000 € pour au moins 99 % des demandes": [first[2]],
        "revenu mensuel médian entre 500 et 4 000 €": [first[3]],
        "âge du demandeur entre 16 et 105 ans": [first[4]],
        "taille moyenne des ménages entre 1,3 et 4 personnes": [first[5]],
        "dates de dépôt postérieures à 2000": [first[6]],
        "volume à ±20\u202f% du fichier précédent": [first[7]],
    }


def test_an_absurd_value_is_named_by_file_and_line():
    """An income of 10¹² € a month: the row is there (loaded), the suite names its file and line."""
    rows = pl.concat(
        [demandes(), demandes("sne_demandes_20250228.csv", revenu_mensuel=[1800.0] * 40 + [1e12] + [1800.0] * 59)]
    )
    results = runner.validate_files(rows, "sne_demandes", dict.fromkeys(rows["_fichier"].unique().sort()))
    plausibility = next(e for e in results[0].failures if e.column == "revenu_mensuel")
    assert plausibility.description.startswith("« revenu_mensuel » vraisemblable (au plus 100\u202f000")
    assert plausibility.observed == 1
    assert plausibility.constats == [{"fichier": "sne_demandes_20250228.csv", "ligne": 42, "valeur": 1e12}]
    assert [e.column for r in results for e in r.failures] == ["revenu_mensuel"]  # one row: no share moves


def test_a_row_suite_validated_by_slices_gives_the_result_of_one_pass():
    """The rows of a run go to GX by slices (bounded memory at scale): same successes, counts, first
    unexpected rows named and GX result as one pass, with failures straddling the slices, more than
    PARTIAL_NAMED of them, nulls of a numeric and of a text column."""
    bad = demandes(
        revenu_mensuel=[1e12] * 30 + [1800.0] * (N - 30),
        age=[3] * 7 + [None] * 5 + [40] * (N - 12),
        logement_actuel=["XX"] * 3 + [None] * 4 + ["HLM"] * (N - 7),
        commune_residence=[None] * 25 + ["06004"] * (N - 25),
    )
    rows = pl.concat(
        [bad, demandes("sne_demandes_20250228.csv", revenu_mensuel=[1800.0] * 40 + [-5.0] * 3 + [1800.0] * 57)]
    )
    index = ["_fichier", "_ligne"]
    whole = runner.validate_rows(rows, "sne_demandes", index, slice_rows=rows.height)
    sliced = runner.validate_rows(rows, "sne_demandes", index, slice_rows=37)

    def gx(result):
        return [
            {**r, "expectation_config": {k: v for k, v in r["expectation_config"].items() if k != "id"}}
            for r in sorted(result.gx["results"], key=runner._rank)
        ], result.gx["statistics"]

    assert len(whole.failures) == 5
    assert sliced.to_dict() == whole.to_dict()
    assert gx(sliced) == gx(whole)


def test_a_file_that_loaded_no_row_is_an_empty_month_where_the_feed_is_monthly():
    rows = demandes().head(0)
    previous = {"sne_demandes_20250131.csv": None}
    found = failures(runner.validate_files(rows, "sne_demandes", previous))
    assert found == {
        "au moins une ligne chargée (flux mensuel : sinon le mois est vide)": [
            {"fichier": "sne_demandes_20250131.csv", "valeur": 0}
        ]
    }
    # a yearly feed: no empty-month expectation (its own volume floor says it)
    rpls = runner.load_suite("rpls_fichiers")["expectations"]
    assert not any("mois" in e["meta"]["description"] for e in rpls)


def test_monthly_feeds_and_plausibility_bounds_come_from_the_contracts():
    from expectations.contract import all_contracts

    monthly = {c.feed for c in all_contracts() if c.monthly}
    assert monthly == {"sne_demandes", "sne_radiations", "mouvements", "positionnements", "cal"}
    for feed in monthly:
        first = runner.load_suite(f"{feed}_fichiers")["expectations"][0]
        assert first["kwargs"] == {"column": "lignes", "min_value": 1}, feed
    bounds = [
        (e["kwargs"]["column"], e["kwargs"].get("min_value"), e["kwargs"].get("max_value"))
        for e in runner.load_suite("rpls")["expectations"]
        if e["meta"]["origine"] == "plausibilite"
    ]
    assert bounds == [("surfhab", 5, 1000), ("loyerprinc", None, 10000)]


# --- the structural suite of fct_indicateurs ------------------------------------------------------------


def indicateurs(quarters=((2025, 3), (2025, 4), (2026, 1))) -> pd.DataFrame:
    """A small long table: D1 and D5 by commune, sector and EPCI (EPCI and sector = Σ their communes), the
    share D10_demandes likewise (1 in 2 per commune), a share Q1 at EPCI level."""
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
            sector = sum(per_commune + i for i, c in enumerate(COMMUNES) if c in PETITES)
            rows.append((annee, trimestre, "EPCI", EPCI_SIREN, "CASA", ind, "ensemble", total, total, None, "ok"))
            rows.append((annee, trimestre, "EPCI", EPCI_SIREN, "CASA", ind, "typologie=T2", 5.0, 5.0, None, "ok"))
            rows.append((annee, trimestre, "SECTEUR", "PETITES", "p", ind, "ensemble", sector, sector, None, "ok"))
        for level, code, n in [("COMMUNE", c, 1) for c in COMMUNES] + [
            ("SECTEUR", "PETITES", len(PETITES)),
            ("EPCI", EPCI_SIREN, len(COMMUNES)),
        ]:
            rows.append((annee, trimestre, level, code, code, "D10_demandes", "ensemble", 0.5, n, 2.0 * n, "ok"))
        rows.append((annee, trimestre, "EPCI", EPCI_SIREN, "CASA", "Q1", "reservataire=COLTER", 0.25, 3.0, 12.0, "ok"))
        # a share whose EPCI counts a remainder without commune: the "commune non renseignée" row holds it
        rows.append((annee, trimestre, "EPCI", EPCI_SIREN, "CASA", "C2", "ensemble", 0.3, 3.0, 10.0, "ok"))
        rows.append((annee, trimestre, "COMMUNE", COMMUNES[0], "c", "C2", "ensemble", 0.5, 3.0, 6.0, "ok"))
        rows.append(
            (annee, trimestre, "COMMUNE", "INCONNUE", "Commune non renseignée", "C2", "ensemble", 0.0, 0.0, 4.0, "ok")
        )
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
        "controle:epci_somme_communes_rapports",
        "controle:secteur_somme_communes",
        "controle:secteur_somme_communes_rapports",
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
    sector = (frame["niveau_geo"] == "SECTEUR") & (frame["annee"] == 2025)
    frame.loc[sector & (frame["indicateur"] == "D1"), "valeur"] += 1  # sector ≠ Σ its communes
    frame.loc[sector & (frame["indicateur"] == "D10_demandes"), "denominateur"] -= 2
    frame = frame.drop(frame.index[(frame["code_geo"] == "INCONNUE") & (frame["annee"] == 2026)])  # remainder lost
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
    shares_sums = next(e for e in result.failures if e.type == "controle:epci_somme_communes_rapports")
    assert shares_sums.observed == 1 and "C2 2026T1 denominateur : EPCI 10 ≠ Σ communes 6" in shares_sums.details
    sectors = next(e for e in result.failures if e.type == "controle:secteur_somme_communes")
    assert sectors.observed == 1 and "D1 2025T3 valeur : secteur PETITES" in sectors.details
    sector_shares = next(e for e in result.failures if e.type == "controle:secteur_somme_communes_rapports")
    assert sector_shares.observed == 1
    assert f"D10_demandes 2025T3 denominateur : secteur PETITES {2 * len(PETITES) - 2} ≠ Σ ses communes" \
        in sector_shares.details  # fmt: skip
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
    assert {"ident_rep", "surfhab", "loyerprinc"} <= set(columns)
    assert "_fichier" not in columns and len(columns) == len(set(columns))
    read = runner.feed_columns("rpls")  # with what the per-file measures read, and each row's file and line
    assert {"mode", "nbpiece", "_fichier", "_ligne"} <= set(read) and len(read) == len(set(read))


def test_a_negative_score_quartile_passes_but_a_negative_count_does_not():
    """The CASA's grid takes points off a mutation: I2's quartiles of cotation can be below 0 (-2.1 on the
    synthetic territory to 2026-06); any other value below 0 stays a structural fault."""
    frame = indicateurs()
    d1 = frame[frame["indicateur"] == "D1"].assign(indicateur="I2_q1", valeur=-2.1, numerateur=None)
    frame = pd.concat([frame, d1], ignore_index=True)
    assert runner.validate(frame, "fct_indicateurs").success, runner.validate(frame, "fct_indicateurs").markdown()

    frame.loc[frame.index[frame["indicateur"] == "D5"][0], "valeur"] = -1.0
    failed = {e.description for e in runner.validate(frame, "fct_indicateurs").failures}
    assert "valeurs positives ou nulles (hors cotations)" in failed


def test_one_gx_context_serves_every_validation_and_keeps_no_frame(tmp_path):
    """The process's GX context is made once; a suite's validation definition is reused while the suite is the
    same and made again when it changes, also after the data docs' context; a validated frame is not kept."""
    import gc
    import weakref

    frame = demandes().to_pandas()
    runner.validate(frame, "sne_demandes")
    context, definition = runner._GX["context"], runner._GX["sne_demandes"][1]
    kept = weakref.ref(frame)
    assert runner.validate(frame, "sne_demandes").success
    assert runner._GX["context"] is context and runner._GX["sne_demandes"][1] is definition
    del frame
    gc.collect()
    assert kept() is None

    stricter = runner.load_suite("sne_demandes")
    stricter["expectations"].append(
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "canal", "value_set": ["INTERNET"]}}
    )
    result = runner.validate(demandes().to_pandas(), stricter)
    assert [e.column for e in result.failures] == ["canal"]  # the new expectation, on the same suite name
    assert runner._GX["context"] is context and runner._GX["sne_demandes"][1] is not definition
    runner.build_data_docs(tmp_path / "resultats", tmp_path / "site")  # a context of its own, GX's current one
    assert runner.validate(demandes().to_pandas(), "sne_demandes").success
    assert runner._GX["context"] is context


def test_each_row_condition_is_filtered_once_with_the_result_gx_gives_alone(monkeypatch):
    """GX filters the frame again for each metric of a conditioned expectation: the structural suite's 3
    conditions are filtered once each, and the validation is the one GX makes on the plain frame."""
    frame = indicateurs()
    frame.loc[frame.index[frame["indicateur"] == "D5"][:2], "valeur"] = -1.0  # two negative counts
    frame.loc[frame.index[frame["statut"] == "ok"][:3], "valeur"] = None  # three computed rows without value
    spec = runner._numbered("fct_indicateurs")
    alone = runner._runner(spec, None)(frame)  # GX on the plain frame
    filters = []
    query = pd.DataFrame.query
    monkeypatch.setattr(pd.DataFrame, "query", lambda self, expr, **kw: filters.append(expr) or query(self, expr, **kw))
    once = runner._run(spec, frame, None)
    conditions = {e["kwargs"]["row_condition"] for e in spec["expectations"] if "row_condition" in e["kwargs"]}
    assert len(filters) == len(conditions) == 3 and set(filters) == conditions

    def results(raw: dict) -> list:
        return [{**r, "expectation_config": {**r["expectation_config"], "id": None}} for r in raw["results"]]

    assert results(once) == results(alone)
    assert [r["result"].get("unexpected_count") for r in once["results"] if not r["success"]] == [3, 2]

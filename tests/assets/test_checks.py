"""Cross-feed asset checks on the small generated territory: intact (the session's `small_run`), then with
deliberately broken links."""

from __future__ import annotations

import os
import re

import dagster as dg
import duckdb
import polars as pl

from pipelines.generator.api import generate
from tests.conftest import SMALL_TERRITORY, run_main_job


def checks_of(result) -> dict:
    """{check name: evaluation} of a run of the main job."""
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_checks_pass_on_an_intact_territory(small_run):
    checks = checks_of(small_run[1])
    assert set(checks) >= {
        "completude_flux",
        "attributions_rapprochees",
        "logements_connus_du_parc",
        "rapprochement_stock_demandes",
        "ecarts_millesimes",
        "quartile_sne_recalcule",
    }
    assert checks["completude_flux"].passed
    assert checks["logements_connus_du_parc"].passed
    assert checks["rapprochement_stock_demandes"].passed
    assert checks["attributions_rapprochees"].metadata["taux_entree"].value == 1.0


def test_checks_catch_deliberately_broken_links(tmp_path):
    inbox = tmp_path / "inbox"
    generate(inbox, **SMALL_TERRITORY)
    # 1. a landlord's monthly events file goes missing, with the ENTREE of its attributions
    files = sorted(p.name for p in inbox.glob("mouvements_*_202512.csv"))
    victim = next(
        n
        for n in files
        if "ENTREE" in (inbox / n).read_bytes().decode("utf-8", "replace")
        or "ENTREE" in (inbox / n).read_bytes().decode("cp1252", "replace")
    )
    siren = victim.split("_")[1]
    os.remove(inbox / victim)
    # 2. a positioning names a dwelling no stock file knows
    pos = inbox / "positionnements_202511.csv"
    raw = pos.read_bytes()
    header, first, rest = raw.split(b"\n", 2)
    cols = header.decode("utf-8-sig").rstrip("\r").split(";")
    fields = first.split(b";")
    fields[cols.index("ident_rep")] = b"ZZ99999999"
    pos.write_bytes(b"\n".join([header, b";".join(fields), rest]))

    checks = checks_of(run_main_job(tmp_path))

    completude = checks["completude_flux"]
    assert not completude.passed and completude.severity == dg.AssetCheckSeverity.WARN
    assert siren in completude.metadata["manquants"].value and "2025-12" in completude.metadata["manquants"].value
    assert completude.description.startswith("1 envois attendus manquants")
    links = checks["attributions_rapprochees"]
    assert links.metadata["taux_entree"].value < 1.0
    assert siren in links.metadata["attributions_sans_entree"].value
    outside = checks["logements_connus_du_parc"]
    assert not outside.passed and outside.metadata["hors_parc"].value == 1


def _rows(markdown: str) -> set[str]:
    """A Markdown table's rows with the cell padding removed."""
    return {re.sub(r" *\| *", "|", line) for line in markdown.splitlines()}


def test_every_cross_feed_check_runs_after_its_dbt_model():
    """Each check reads its model of models/intermediate/qualite/, so it depends on that model's asset."""
    from assets.checks import CROSS_FEED_CHECKS, quality_model
    from assets.transform import dbt_models

    models = {
        "completude_flux": "int_envois_attendus",
        "attributions_rapprochees": "int_attributions_rapprochees",
        "logements_connus_du_parc": "int_logements_cites int_examens_sans_commune",
        "rapprochement_stock_demandes": "int_extractions_rapprochees",
        "ecarts_millesimes": "int_millesimes_rapproches",
        "quartile_sne_recalcule": "int_quartiles_compares int_quartiles_inconnus",
        "lignes_non_calculables": "int_lignes_non_calculables",
    }
    for check in CROSS_FEED_CHECKS:
        (spec,) = check.check_specs
        deps = {d.asset_key for d in spec.additional_deps}
        assert deps == {quality_model(m) for m in models[spec.name].split()}, spec.name
        assert deps <= set(dbt_models.keys)


def test_quartile_check_reports_sne_flag_and_recomputation_disagreements(tmp_path):
    """Hand-made rows of int_quartiles_compares (the attributions whose two values are known): 3 of 5
    disagree."""
    from assets.checks import quartile_sne_recalcule
    from assets.settings import SettingsResource

    rows = [  # id_demande, lease, landlord, name, SNE flag, recomputed
        ("a1" * 16, "2025-03-01", "900000001", "Office A", True, False),
        ("a2" * 16, "2025-04-01", "900000001", "Office A", False, True),
        ("a3" * 16, "2025-05-01", "900000001", "Office A", True, True),
        ("b1" * 16, "2026-02-01", "900000002", "Société B", True, False),
        ("b2" * 16, "2026-03-01", "900000002", "Société B", False, False),
    ]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema intermediate")
        frame = pl.DataFrame(
            rows,
            orient="row",
            schema=[
                "id_demande",
                "date_signature_bail",
                "bailleur_siren",
                "nom_bailleur",
                "premier_quartile_sne",
                "premier_quartile_calcule",
            ],
        )
        con.register("frame", frame)
        con.execute(
            "create table intermediate.int_quartiles_compares as select * replace "
            "(date_signature_bail::date as date_signature_bail), year(date_signature_bail::date) as annee_bail, "
            "premier_quartile_sne <> premier_quartile_calcule as desaccord from frame"
        )
        con.execute(
            "create table intermediate.int_quartiles_inconnus as select * from (values (2025, 40, 4, 0), "
            "(2026, 30, 3, 3)) as t (annee_bail, attributions, quartile_inconnu, quartile_inconnu_sans_seuil)"
        )
    parametres = SettingsResource(home=str(tmp_path))

    result = quartile_sne_recalcule(parametres=parametres)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.description.startswith("3 attributions sur 5 ")
    assert result.metadata["desaccords"].value == 3 and result.metadata["comparees"].value == 5
    assert result.metadata["quartile_inconnu"].value == 7 and result.metadata["quartile_inconnu_sans_seuil"].value == 3
    # annee_bail | comparees | desaccords | sne_oui_calcul_non | sne_non_calcul_oui
    assert {"|2025|3|2|1|1|", "|2026|2|1|1|0|"} <= _rows(result.metadata["par_annee_de_bail"].value)
    assert {"|900000001|Office A|3|2|1|1|", "|900000002|Société B|2|1|1|0|"} <= _rows(
        result.metadata["par_bailleur"].value
    )
    listed = result.metadata["attributions_en_desaccord"].value
    assert all(p * 6 in listed for p in ("a1", "a2", "b1"))  # 12-character pseudonym prefixes
    assert "a1" * 7 not in listed and "a3" not in listed and "b2" not in listed

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(
            "update intermediate.int_quartiles_compares set premier_quartile_calcule = premier_quartile_sne, "
            "desaccord = false"
        )
    result = quartile_sne_recalcule(parametres=parametres)
    assert result.passed and result.metadata["desaccords"].value == 0
    assert result.metadata["par_bailleur"].value == "_aucune ligne_"


def test_distribution_checks_run_once_the_ingestion_and_dbt_are_done(small_run):
    """None of them waits at the run's start for Great Expectations, imported in a thread while dbt builds."""
    starts = [e.step_key for e in small_run[1].all_events if e.is_step_start]
    distribution = [i for i, key in enumerate(starts) if "_distribution_" in key]
    assert len(distribution) == 10
    assert starts.index("dbt_models") < min(distribution)

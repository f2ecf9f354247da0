"""The GX asset checks and the Parquet copies in the main job, and `observatoire docs`, on a small
generated territory run once for the module."""

from __future__ import annotations

import shutil

import duckdb
import dagster as dg
import polars as pl
import pytest

from pipelines.generator.api import generate
from tests.conftest import TEST_KEY_HEX

SMALL = dict(seed=5, scale=0.05, debut="2025-10", fin="2026-01")


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """(home, {check name: evaluation}) after the main job in process, as `observatoire run` does."""
    home = tmp_path_factory.mktemp("home")
    generate(home / "inbox", **SMALL)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_HOME", str(home))
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        from assets.dbt import ensure_manifest

        ensure_manifest()
        from pipelines.definitions import defs
        from pipelines.jobs import MAIN_JOB

        result = defs.resolve_job_def(MAIN_JOB).execute_in_process(instance=dg.DagsterInstance.ephemeral())
        assert result.success
        yield home, {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_distribution_checks_warn_on_the_rows_of_the_run(ran):
    home, checks = ran
    for feed in ("sne_demandes", "sne_radiations", "rpls", "cal", "positionnements"):
        check = checks[f"distribution_{feed}"]
        assert check.severity == dg.AssetCheckSeverity.WARN
        assert check.metadata["lignes_validees"].value > 0
        assert check.metadata["data_docs_gx"].value == str(home / "docs" / "gx" / "index.html")
        assert (home / "rapports" / "gx" / f"{feed}.json").exists()
    demandes = checks["distribution_sne_demandes"]
    # the run loaded four snapshots: the last one is validated, against the volume of the one before
    assert demandes.metadata["date_fichier"].value == "2026-01-31"
    assert demandes.metadata["volume_precedent"].value > 0


def test_the_structural_check_blocks_and_passes_on_a_sound_table(ran):
    home, checks = ran
    from assets.checks import structure_fct_indicateurs

    spec = next(iter(structure_fct_indicateurs.check_specs))
    assert spec.blocking and spec.asset_key == dg.AssetKey(["marts", "fct_indicateurs"])
    check = checks["structure_fct_indicateurs"]
    assert check.passed, check.metadata["resultats"].value
    assert check.severity == dg.AssetCheckSeverity.ERROR


def test_marts_are_written_as_parquet(ran):
    home, _ = ran
    folder = home / "published" / "donnees"
    assert {p.name for p in folder.glob("*.parquet")} >= {
        "fct_indicateurs.parquet", "fct_demandes.parquet", "fct_attributions.parquet", "fct_examens_cal.parquet",
        "fct_positionnements.parquet", "fct_logements_trimestres.parquet", "dim_communes.parquet",
        "dim_bailleurs.parquet", "int_logements_etats.parquet", "int_flux_completude.parquet"}
    assert not list(folder.glob(".*tmp"))
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        expected = con.sql("select count(*) from marts.fct_indicateurs").fetchall()[0][0]
    finally:
        con.close()
    fct = pl.read_parquet(folder / "fct_indicateurs.parquet")
    assert fct.height == expected
    assert fct.columns[:3] == ["annee", "trimestre", "niveau_geo"]


def test_docs_builds_dbt_and_gx_documentation(ran, capsys):
    home, _ = ran
    from pipelines.cli import main

    assert main(["docs", "--home", str(home)]) == 0
    assert (home / "docs" / "dbt" / "index.html").exists()
    assert (home / "docs" / "dbt" / "static_index.html").exists()
    assert (home / "docs" / "dbt" / "catalog.json").exists()
    index = home / "docs" / "gx" / "index.html"
    assert index.exists()
    pages = {p.parent.parent.parent.name for p in (home / "docs" / "gx" / "validations").rglob("*.html")}
    assert pages >= {"fct_indicateurs", "sne_demandes", "cal"}
    out = capsys.readouterr().out
    assert str(index) in out and "Documentation dbt" in out


def test_rows_of_the_run_are_the_files_loaded_since_it_started(ran):
    home, _ = ran
    import datetime as dt

    from assets.checks import run_rows

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows, date, previous = run_rows(con, "sne_demandes", None)
        assert str(date) == "2026-01-31" and rows.height > 0 and previous > 0
        assert rows["_date_fichier"].unique().to_list() == [date]
        later, date_later, _ = run_rows(con, "sne_demandes", dt.datetime.now())  # a run that loaded nothing
        assert later.height == 0 and date_later is None
    finally:
        con.close()


def test_a_structural_fault_fails_the_blocking_check(ran, tmp_path):
    home, _ = ran
    import shutil

    from assets.checks import structure_fct_indicateurs
    from assets.settings import SettingsResource

    shutil.copy(home / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:  # a share written as a percent
        con.execute("insert into marts.fct_indicateurs values (2026, 1, 'EPCI', '240600585', 'CASA', 'Q1', "
                    "'reservataire=TEST', 25, 25, 1, 'ok')")
    finally:
        con.close()
    result = structure_fct_indicateurs(parametres=SettingsResource(home=str(tmp_path)))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.description.startswith("publication bloquée") and "[0, 1]" in result.description
    assert (tmp_path / "rapports" / "gx" / "fct_indicateurs.json").exists()


def test_run_summary_reports_completeness_and_consistency(ran, tmp_path):
    home, _ = ran
    from assets.settings import load_settings
    from pipelines.cli import _quality_lines

    text = "\n".join(_quality_lines(load_settings(home)))
    assert "Complétude des envois attendus des bailleurs" in text
    assert "Cohérence : attributions retrouvées en ENTREE" in text
    # on a copy: three attributions with both 1st-quartile values known, two disagreeing
    copy = tmp_path / "copie"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    try:
        con.execute("update intermediate.int_attributions set premier_quartile_sne = null, premier_quartile_calcule = null")
        con.execute("""update intermediate.int_attributions set premier_quartile_sne = true,
                       premier_quartile_calcule = (id_demande = (select min(id_demande) from intermediate.int_attributions))
                       where id_demande in (select id_demande from intermediate.int_attributions order by 1 limit 3)""")
    finally:
        con.close()
    text = "\n".join(_quality_lines(load_settings(copy)))
    assert "1er quartile : le drapeau du SNE et le recalcul diffèrent pour 2 attributions sur 3 " in text

"""The GX asset checks and the Parquet copies in the main job, and `observatoire docs`, on the small
generated territory run once per session (the `small_run` fixture)."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from tests.conftest import TEST_KEY_HEX


@pytest.fixture(scope="module")
def ran(small_run):
    """(home, {check name: evaluation}) after the main job in process, as `observatoire run` does."""
    home, result = small_run
    with pytest.MonkeyPatch.context() as mp:  # the tests read the home as the run left it
        mp.setenv("OBSERVATOIRE_HOME", str(home))
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        yield home, {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_distribution_checks_warn_on_every_file_of_the_run(ran):
    home, checks = ran
    from assets.ingest.archive import entries
    from expectations.suites_gen import distribution_feeds

    received = entries(home / "archive")  # every file the run received, by feed
    for feed in distribution_feeds():
        check = checks[f"distribution_{feed}"]
        assert check.severity == dg.AssetCheckSeverity.WARN
        files = {e.fichier for e in received if e.flux == feed}
        assert check.metadata["fichiers_valides"].value == len(files), feed
        if files:
            assert check.metadata["data_docs_gx"].value == str(home / "docs" / "gx" / "index.html")
            assert (home / "rapports" / "gx" / f"{feed}.json").exists()
            assert (home / "rapports" / "gx" / f"{feed}_fichiers.json").exists()
    # four months hold no whole year, hence no landlord's yearly flux report: the only feed without a file
    assert {f for f in distribution_feeds() if checks[f"distribution_{f}"].metadata["fichiers_valides"].value == 0} == {
        "bilan_flux"
    }
    # the run loaded four snapshots: each is validated, not only the last
    assert checks["distribution_sne_demandes"].metadata["fichiers_valides"].value == 4


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
        "fct_indicateurs.parquet",
        "fct_demandes.parquet",
        "fct_attributions.parquet",
        "fct_examens_cal.parquet",
        "fct_positionnements.parquet",
        "fct_logements_trimestres.parquet",
        "dim_communes.parquet",
        "dim_bailleurs.parquet",
        "int_logements_etats.parquet",
        "int_flux_completude.parquet",
    }
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


def test_files_of_the_run_come_with_the_volume_of_the_file_before_them(ran):
    home, _ = ran
    import datetime as dt

    from assets.checks import run_files, run_rows

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        files = run_files(con, "sne_demandes", None)
        counts = dict(con.execute("select _fichier, count(*) from raw.sne_demandes group by 1").fetchall())
        names = sorted(counts)
        assert list(files) == names and len(names) == 4
        assert files == {names[0]: None, **{b: counts[a] for a, b in zip(names, names[1:], strict=False)}}
        # a landlord's file is compared with the same landlord's previous file
        cal = run_files(con, "cal", None)
        by_landlord = dict(con.execute("select _fichier, count(*) from raw.cal group by 1").fetchall())
        for name, previous in cal.items():
            siren, month = name.split("_")[1], name.split("_")[2]
            earlier = sorted(n for n in by_landlord if n.split("_")[1] == siren and n.split("_")[2] < month)
            assert previous == (by_landlord[earlier[-1]] if earlier else None), name
        rows = run_rows(con, "sne_demandes", names[:1], ["_fichier", "_ligne", "revenu_mensuel"])
        assert rows["_fichier"].unique().to_list() == names[:1] and rows.height == counts[names[0]]
        assert run_files(con, "sne_demandes", dt.datetime.now()) == {}  # a run that loaded nothing
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
        con.execute(
            "insert into marts.fct_indicateurs values (2026, 1, 'EPCI', '240600585', 'CASA', 'Q1', "
            "'reservataire=TEST', 25, 25, 1, 'ok')"
        )
    finally:
        con.close()
    result = structure_fct_indicateurs(parametres=SettingsResource(home=str(tmp_path)))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.description.startswith("publication bloquée") and "[0, 1]" in result.description
    assert (tmp_path / "rapports" / "gx" / "fct_indicateurs.json").exists()


def test_run_summary_reports_completeness_and_consistency(ran, tmp_path):
    """The summary reads the run's check evaluations; a check run again on a changed warehouse changes it."""
    home, checks = ran
    from assets.checks import quartile_sne_recalcule
    from assets.settings import SettingsResource
    from pipelines.summary import check_metadata, quality_lines

    metadata = check_metadata(checks.values())
    text = "\n".join(quality_lines(metadata))
    assert "Complétude des envois attendus des bailleurs" in text
    assert "Cohérence : attributions retrouvées en ENTREE" in text
    assert "indisponibles" not in text and "non exécutés" not in text
    # on a copy: three attributions with both 1st-quartile values known, two disagreeing
    copy = tmp_path / "copie"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    try:
        con.execute("""create or replace table intermediate.int_quartiles_compares as
                       select id_demande, date_signature_bail, annee_bail, bailleur_siren,
                              null::varchar as nom_bailleur, true as premier_quartile_sne,
                              id_demande = min(id_demande) over () as premier_quartile_calcule,
                              id_demande <> min(id_demande) over () as desaccord
                       from (select * from intermediate.int_attributions order by id_demande limit 3)""")
    finally:
        con.close()
    rerun = quartile_sne_recalcule(parametres=SettingsResource(home=str(copy)))
    metadata["quartile_sne_recalcule"] = {k: v.value for k, v in rerun.metadata.items()}
    text = "\n".join(quality_lines(metadata))
    assert "1er quartile : le drapeau du SNE et le recalcul diffèrent pour 2 attributions sur 3 " in text


def test_quality_models_are_not_published(ran):
    """The qualite models feed the checks; only the completeness matrix is copied for analysts."""
    home, _ = ran
    from assets.publish.donnees import exported_tables
    from assets.warehouse import connect

    with connect(home, read_only=True) as con:
        tables = exported_tables(con)
        built = {
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables where table_schema = 'intermediate'"
            ).fetchall()
        }
    assert {
        "int_envois_attendus",
        "int_attributions_rapprochees",
        "int_logements_cites",
        "int_extractions_rapprochees",
        "int_millesimes_rapproches",
        "int_quartiles_compares",
    } <= built
    assert not any(t.endswith(("_rapprochees", "_rapproches", "_cites", "_compares", "_attendus")) for _, t in tables)


def _mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


def test_warehouse_reports_and_parquet_copies_are_private_like_the_archive(ran):
    """They hold pseudonymized event-grain data: folders 0700, files 0600, as archive/."""
    home, _ = ran
    assert _mode(home / "archive") == 0o700
    assert _mode(home / "warehouse.duckdb") == 0o600
    for folder in (home / "published" / "donnees", home / "rapports", home / "rapports" / "gx"):
        assert _mode(folder) == 0o700, folder
        files = [p for p in folder.iterdir() if p.is_file()]
        assert all(_mode(p) == 0o600 for p in files), folder
    assert list((home / "published" / "donnees").glob("*.parquet")) and list((home / "rapports" / "gx").glob("*.json"))


def test_quarantine_reports_are_private(tmp_path):
    from assets.ingest.loader import write_quarantine_report
    from assets.ingest.reader import QUARANTINE_SCHEMA

    row = {"ligne": 3, "colonne": "canal", "regle": "code", "raison": "code inconnu", "reason_en": "x", "valeurs": None}
    path = write_quarantine_report(tmp_path / "rapports", "cal_1_202501.csv", pl.DataFrame([row], QUARANTINE_SCHEMA))
    assert _mode(tmp_path / "rapports") == 0o700 and _mode(path.parent) == 0o700 and _mode(path) == 0o600

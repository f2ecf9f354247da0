"""The commission's monthly table (S1, internal) materialized through Dagster for the fixture warehouse's
quarter: private files under published/interne/, the workbook read back with openpyxl against
marts.fct_indicateurs (no masking), its targets, its Lisez-moi from the catalogue, an identical re-export,
and a French refusal for a quarter outside the history."""

from __future__ import annotations

import stat

import duckdb
import openpyxl
import pytest

from assets.publish.interne import KEY, file_name, interne_dir, publish_interne
from assets.settings import load_settings
from tests.conftest import TEST_KEY_HEX

QUARTER = (2025, 4)  # the fixture warehouse's one quarter
MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def materialize(warehouse, partition: str):
    """The internal table alone, through the publication job, on the home's instance (as the CLI runs it)."""
    from assets.dbt import ensure_manifest
    from pipelines.cli import QUIET, _instance
    from pipelines.definitions import defs
    from pipelines.jobs import PUBLICATION_JOB

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_HOME", str(warehouse))
        mp.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
        mp.setenv("DAGSTER_HOME", str(warehouse / "dagster"))
        ensure_manifest()
        instance = _instance(load_settings(warehouse))
        instance.add_dynamic_partitions("trimestres_cil", [partition])
        return defs.resolve_job_def(PUBLICATION_JOB).execute_in_process(
            instance=instance, partition_key=partition, asset_selection=[KEY], raise_on_error=False, run_config=QUIET
        )


@pytest.fixture(scope="module")
def published(warehouse):
    result = materialize(warehouse, "2025T4")
    assert result.success
    [event] = result.get_asset_materialization_events()
    assert event.asset_key == KEY and event.partition == "2025T4"
    folder = interne_dir(load_settings(warehouse))
    return folder / file_name("240600585", *QUARTER, "html"), folder / file_name("240600585", *QUARTER, "xlsx")


@pytest.fixture(scope="module")
def s1(warehouse) -> dict:
    """(niveau, code, indicateur, modalite) → (valeur, statut) of the S1 rows of 2025 in fct_indicateurs."""
    con = duckdb.connect(str(load_settings(warehouse).warehouse), read_only=True)
    try:
        rows = con.sql(
            "select niveau_geo, code_geo, indicateur, modalite, valeur, statut from marts.fct_indicateurs "
            "where indicateur like 'S1%' and annee = 2025"
        ).fetchall()
    finally:
        con.close()
    return {r[:4]: r[4:] for r in rows}


def sheet_tables(ws) -> dict[str, list[list]]:
    """Each table of a view's sheet: {title: its rows of cells} (a title alone in column A, then its header)."""
    out, current = {}, None
    for row in ws.iter_rows(min_row=3):
        cells = list(row)
        if cells[0].value and all(c.value is None for c in cells[1:]):
            current = out.setdefault(cells[0].value, [])
        elif current is not None and cells[0].value:
            current.append(cells)
    return out


def line(rows: list[list], *labels: str) -> list:
    """The row whose first cells are `labels`."""
    [found] = [r for r in rows if [c.value for c in r[: len(labels)]] == list(labels)]
    return found


def test_the_internal_table_is_a_publication_asset_written_privately_under_published_interne(published, warehouse):
    from pipelines.definitions import defs
    from pipelines.jobs import PUBLICATION_JOB

    node = defs.resolve_assets_def(KEY)
    assert node.group_names_by_key[KEY] == "publication" and node.partitions_def.name == "trimestres_cil"
    assert KEY in defs.resolve_job_def(PUBLICATION_JOB).asset_layer.executable_asset_keys
    folder = warehouse / "published" / "interne"
    assert {p.name for p in folder.iterdir()} == {
        "suivi_240600585_2025T4.html",
        "suivi_240600585_2025T4.xlsx",
        "static",
        "programmes",  # the réservataire meetings' briefs (tests/publish/test_programmes.py)
    }  # fmt: skip  no temporary left
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in published)
    assert (folder / "static" / "site.css").exists()


def test_the_workbook_has_a_lisez_moi_an_epci_sheet_and_one_per_reservataire_with_the_months_of_the_year(published, s1):
    wb = openpyxl.load_workbook(published[1])
    reservataires = sorted({k[1] for k in s1 if k[0] == "RESERVATAIRE"})
    assert wb.sheetnames[:2] == ["Lisez-moi", "EPCI"] and sorted(wb.sheetnames[2:]) == reservataires
    header = [c.value for c in wb["EPCI"][4]]  # the first table's header row
    assert header[:2] == ["Motif", "Avis"]
    assert header[2:] == [f"{m}\u202f2025" for m in MONTHS]


def test_each_month_of_the_workbook_holds_the_value_of_fct_indicateurs_unmasked(published, s1):
    wb = openpyxl.load_workbook(published[1])
    epci = sheet_tables(wb["EPCI"])
    baux = line(epci["Baux signés, par catégorie de ménages"], "Tous les ménages")
    positionnements = line(epci["Positionnements en commission, par motif et avis"], "ménage DALO", "refusé")
    for j, month in enumerate(["2025-10", "2025-11", "2025-12"], start=9):
        assert baux[j + 1].value == s1[("EPCI", "240600585", "S1_baux", f"mois={month}")][0]
        assert positionnements[j + 2].value == s1[("EPCI", "240600585", "S1_positionnements",
                                                    f"mois={month},motif=DALO,avis=REFUSE")][0]  # fmt: skip
    assert all(c.value is None for c in baux[1:10])  # months before the history: no row, an empty cell
    small = [v for k, (v, st) in s1.items() if k[0] == "RESERVATAIRE" and k[2] == "S1_baux" and st == "ok" and v]
    assert min(small) < 5  # counts the public and the CIL never see are here as they are


def test_the_year_to_date_shares_are_percentages_beside_their_target(published, s1):
    wb = openpyxl.load_workbook(published[1])
    share_title = "Part cumulée des baux signés depuis le 1er janvier, face aux objectifs"
    parts = sheet_tables(wb["EPCI"])[share_title]
    prioritaire = line(parts, "ménage prioritaire")
    assert prioritaire[1].value == 0.25 and prioritaire[1].number_format == "0.0%"
    assert line(parts, "ménage DALO")[1].value is None  # no target for DALO households
    value, statut = s1[("EPCI", "240600585", "S1_part_ytd", "mois=2025-12,motif=PRIORITAIRE")]
    last = prioritaire[-1]
    assert (last.value, last.number_format) == (value, "0.0%") if statut == "ok" else last.value == "nc"
    pprior = line(sheet_tables(wb["PPRIOR"])[share_title], "ménage prioritaire")
    assert pprior[1].value == 1.0  # the prefect's contingent: all priority


def test_the_lisez_moi_gives_the_catalogues_definition_of_each_s1_indicator(published, warehouse):
    con = duckdb.connect(str(load_settings(warehouse).warehouse), read_only=True)
    try:
        catalogue = con.sql("select libelle, definition from referentiels.indicateurs where famille = 'S1'").fetchall()
    finally:
        con.close()
    ws = openpyxl.load_workbook(published[1])["Lisez-moi"]
    texts = {c.value for row in ws.iter_rows() for c in row if c.value}
    assert ["PPRIOR", "préfet, publics prioritaires"] in [[c.value for c in row[:2]] for row in ws.iter_rows()]
    assert len(catalogue) == 4
    for libelle, definition in catalogue:
        assert any(libelle in t for t in texts) and definition in texts


def test_a_re_export_gives_the_same_bytes(published, warehouse):
    before = [p.read_bytes() for p in published]
    publish_interne(load_settings(warehouse), *QUARTER, say=lambda _: None)
    assert [p.read_bytes() for p in published] == before


def test_the_page_is_the_same_table_for_the_commission_and_says_it_is_internal(published):
    html = published[0].read_text(encoding="utf-8")
    assert "Document interne à la commission" in html and "oct.\u202f2025" in html and "déc.\u202f2025" in html
    assert 'href="suivi_240600585_2025T4.xlsx" download' in html
    assert 'href="programmes/index.html"' in html and (published[0].parent / "programmes" / "index.html").exists()
    assert 'href="static/site.css"' in html and "<script" not in html and "://" not in html


def test_a_quarter_outside_the_history_is_refused_in_french(warehouse):
    result = materialize(warehouse, "2024T1")
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    from pipelines.cli import _root_cause

    assert _root_cause(failure.step_failure_data.error) == (
        "le trimestre 2024T1 est hors de l'historique de l'entrepôt (de 2025T4 à 2025T4)"
    )
    assert not (interne_dir(load_settings(warehouse)) / file_name("240600585", 2024, 1, "xlsx")).exists()


def test_the_table_is_refused_while_a_blocking_check_has_failed(published, warehouse):
    import dagster as dg

    from assets.publish.cil_export import blocking_checks
    from pipelines.cli import _instance, _root_cause

    key = blocking_checks()[0]
    before = published[1].stat().st_mtime_ns
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(warehouse / "dagster"))
        instance = _instance(load_settings(warehouse))

    def evaluated(passed: bool) -> None:
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(asset_key=key.asset_key, check_name=key.name, passed=passed)
        )

    evaluated(False)
    try:
        result = materialize(warehouse, "2025T4")
    finally:
        evaluated(True)  # the session's warehouse is shared by the other tests
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert _root_cause(failure.step_failure_data.error) == (
        f"publication arrêtée : le contrôle bloquant {key.name} a échoué au dernier traitement"
    )
    assert published[1].stat().st_mtime_ns == before

"""The quarterly CIL pack: read back (CSV by header and values, XLSX with openpyxl) and compared with
fct_indicateurs, re-exported identically, guarded against formula injection, refused in French for a
quarter that cannot be published, materialized through Dagster, and scheduled on known completeness."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import polars as pl
import pytest

from assets.partitions import quarter_to_publish
from assets.publish.cil_export import ExportRefused, check_quarter, cil_dir, export_quarter
from assets.publish.cil_pack import COLUMNS, SHEETS, csv_bytes, file_name
from assets.publish.confidentiality import publishable, read_reference
from assets.settings import Settings, load_settings
from tests.conftest import TEST_KEY_HEX

QUARTER = (2025, 4)  # the fixture warehouse's one quarter
TODAY = dt.date(2026, 12, 5)
SEED = Path(__file__).parents[2] / "dbt_project" / "seeds" / "indicateurs.csv"


@pytest.fixture
def env(warehouse, monkeypatch):
    monkeypatch.setenv("OBSERVATOIRE_HOME", str(warehouse))
    monkeypatch.setenv("OBSERVATOIRE_CLE", TEST_KEY_HEX)
    monkeypatch.setenv("DAGSTER_HOME", str(warehouse / "dagster"))  # the CLI's instance, restored after
    return load_settings(warehouse)


@pytest.fixture(scope="module")
def expected(warehouse) -> pl.DataFrame:
    """The CIL-audience rows of the quarter, computed from the warehouse beside the pack."""
    settings = load_settings(warehouse)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        catalogue, communes = read_reference(con)
        rows = con.sql("select * from marts.fct_indicateurs where annee = 2025 and trimestre = 4").pl()
        return publishable(rows, "cil", settings, catalogue, communes).join(
            catalogue.select("indicateur", "nature", "feuille_cil"), on="indicateur", how="left"
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def pack(warehouse, published_quarter):
    """(csv path, xlsx path) of the pack materialized through Dagster, as `observatoire run` does."""
    settings = load_settings(warehouse)
    [event] = [e for e in published_quarter.get_asset_materialization_events() if e.asset_key.path[-1] == "pack_cil"]
    assert event.partition == "2025T4"
    assert event.materialization.metadata["complet"].value is True
    folder = cil_dir(settings)
    return folder / file_name("240600585", *QUARTER, "csv"), folder / file_name("240600585", *QUARTER, "xlsx")


def test_the_pack_is_materialized_in_the_publication_group_under_published_cil(pack, warehouse):
    from pipelines.definitions import defs

    node = defs.resolve_assets_def(dg.AssetKey(["published", "pack_cil"]))
    assert node.group_names_by_key[dg.AssetKey(["published", "pack_cil"])] == "publication"
    assert node.partitions_def.name == "trimestres_cil"
    assert {p.name for p in pack} == {"cil_240600585_2025T4.csv", "cil_240600585_2025T4.xlsx"}
    assert all(p.parent == warehouse / "published" / "cil" for p in pack)
    assert not list(pack[0].parent.glob(".*.tmp"))  # written atomically, no temporary left


def test_the_csv_has_the_columns_and_rounding_of_indicators_md_and_the_values_of_fct_indicateurs(pack, expected):
    raw = pack[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    header = raw[3:].split(b"\n", 1)[0].decode()
    assert header == ";".join(COLUMNS)
    csv = pl.read_csv(io.BytesIO(raw), separator=";", infer_schema=False)
    assert csv.height == expected.height
    keys = ["niveau_geo", "code_geo", "indicateur", "modalite"]
    both = csv.join(expected, on=keys, how="inner", suffix="_table")
    assert both.height == expected.height
    secret = both.filter(pl.col("statut") == "secret")
    assert secret.height > 0, "the fixture must hold secret cells"
    assert secret.select(pl.col("valeur", "numerateur", "denominateur").is_null().all()).row(0) == (True,) * 3
    shown = both.filter(pl.col("valeur").is_not_null())
    counts = shown.filter(pl.col("nature") == "compte")
    assert counts["valeur"].str.contains(r"^\d+$").all()  # counts as integers
    assert (counts["valeur"].cast(pl.Float64) == counts["valeur_table"]).all()
    others = shown.filter(pl.col("nature") != "compte")
    assert others["valeur"].str.contains(r"^-?\d+(\.\d{1,4})?$").all()  # ≤ 4 decimals, no exponent
    assert ((others["valeur"].cast(pl.Float64) - others["valeur_table"]).abs() <= 0.00005 + 1e-12).all()
    assert not csv["indicateur"].str.starts_with("S1_").any()
    assert set(csv.filter(pl.col("indicateur").str.starts_with("R1"))["indicateur"]) <= {"R1_alerte"}


def test_the_workbook_shows_each_published_row_with_french_formats_and_secret_as_s(pack, expected):
    wb = openpyxl.load_workbook(pack[1])
    assert wb.sheetnames == ["Lisez-moi", *SHEETS]
    ws = wb["Ensemble"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["Indicateur", "Code", "Niveau", "Territoire", "Code territoire", "Détail", "Valeur"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > 20
    cells = []
    for sheet in SHEETS[:-1]:
        cells += [
            dict(zip(header, r, strict=True), fmt=r_fmt)
            for r, r_fmt in (([c.value for c in row], row[6].number_format) for row in wb[sheet].iter_rows(min_row=2))
        ]
    in_sheets = expected.filter(pl.col("feuille_cil").is_in(SHEETS) & (pl.col("indicateur") != "R1_alerte"))
    assert len(cells) == in_sheets.height
    table = {(r["niveau_geo"], r["code_geo"], r["indicateur"], r["modalite"]): r for r in in_sheets.to_dicts()}
    levels = {"EPCI": "EPCI", "Commune": "COMMUNE", "Secteur": "SECTEUR", "Bailleur": "BAILLEUR"}
    levels |= {"Réservataire": "RESERVATAIRE"}
    for c in cells:
        row = table[(levels[c["Niveau"]], c["Code territoire"], c["Code"], c["Détail"] or "ensemble")]
        if row["statut"] == "secret":
            assert c["Valeur"] == c["Numérateur"] == c["Dénominateur"] == "s"
        elif row["valeur"] is not None:
            assert c["Valeur"] == pytest.approx(row["valeur"])
            assert c["fmt"] == {"compte": "#,##0", "part": "0.0%", "ratio": "#,##0.00"}.get(row["nature"], c["fmt"])
    assert any(c["Valeur"] == "s" for c in cells)


def test_the_sheets_give_the_sector_rows_of_the_indicators_published_by_commune(pack):
    """The demand, tension and stock indicators have SECTEUR rows beside their COMMUNE rows (issue 12): the
    small communes' figures together, in the sheet of each indicator."""
    wb = openpyxl.load_workbook(pack[1])
    found = {
        (sheet, r[1], r[4])
        for sheet in ("Ensemble", "Parc")
        for r in wb[sheet].iter_rows(min_row=2, values_only=True)
        if r[2] == "Secteur" and not r[5]  # the overall row: no detail
    }
    expected = {("Ensemble", i, "PETITES") for i in ("D1", "D5_r4q", "D6", "D7_part_5ans", "D8_median")}
    # (vacancy and rotation have a sector row only where dwellings are offered: none in the small communes here)
    expected |= {("Parc", i, "PETITES") for i in ("P4", "P4_hors_l441", "P4_demandes_pour_100")}
    assert expected <= found


def test_the_key_charts_are_png_images_referenced_from_the_lisez_moi(pack):
    charts = sorted(p.name for p in pack[0].parent.glob("cil_240600585_2025T4_*.png"))
    assert charts == ["cil_240600585_2025T4_demande_attributions.png", "cil_240600585_2025T4_quotas_lec.png"]
    assert all((pack[0].parent / c).read_bytes().startswith(b"\x89PNG\r\n") for c in charts)
    ws = openpyxl.load_workbook(pack[1])["Lisez-moi"]
    text = "\n".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert all(c in text for c in charts)


def test_the_residences_sheet_gives_flags_and_reasons_without_counts(pack):
    ws = openpyxl.load_workbook(pack[1])["Residences"]
    assert [c.value for c in ws[1]] == ["Résidence", "Code", "Alerte", "Motifs de l'alerte"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values and {v[2] for v in values} <= {"oui", "non", "non calculable", "s"}
    assert not any(isinstance(x, (int, float)) for v in values for x in v)


def test_the_lisez_moi_gives_definitions_rules_from_settings_and_source_dates(pack, warehouse):
    ws = openpyxl.load_workbook(pack[1])["Lisez-moi"]
    text = "\n".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    settings = load_settings(warehouse)
    assert f"de 1 à {settings.seuil_secret_cil - 1} est masqué" in text
    assert "notée « s »" in text
    for title in (
        "Définitions des indicateurs",
        "Changements de définition",
        "Dates d'extraction des fichiers sources",
        "Première extraction de l'historique et couverture par bailleur et flux",
        "Fenêtre de la veille des résidences (R1) par bailleur",
        "Lacunes du trimestre",
    ):
        assert title in text
    from expectations.catalogue import catalogue

    for ind in catalogue():
        if ind.feuille_cil:
            assert ind.definition in text, ind.indicateur
    assert "Pour un bailleur sans mouvements" in text  # the change log of definitions (seed)


def test_a_re_export_with_no_new_ingestion_gives_the_same_csv_bytes_and_xlsx_cells(pack, env):
    charts = sorted(pack[0].parent.glob("cil_240600585_2025T4_*.png"))
    before_csv, before, before_png = pack[0].read_bytes(), _cells(pack[1]), [p.read_bytes() for p in charts]
    export_quarter(env, *QUARTER, TODAY)
    assert pack[0].read_bytes() == before_csv
    assert _cells(pack[1]) == before
    assert [p.read_bytes() for p in charts] == before_png  # same Chromium, same pixels
    props = openpyxl.load_workbook(pack[1]).properties
    assert props.created == dt.datetime(2025, 12, 31)  # t, not the clock


def _cells(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


INJECTIONS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_text_cells_that_a_spreadsheet_would_run_are_neutralised_in_csv_and_xlsx(env):
    from assets.publish.cil_pack import Pack
    from assets.publish.cil_workbook import workbook_bytes

    catalogue = pl.DataFrame(
        {"indicateur": ["D1"], "nature": ["compte"], "libelle": ["=1+1"], "unite": ["demandes"]}
    ).with_columns(feuille_cil=pl.lit("Ensemble"))
    rows = pl.DataFrame(
        {
            "annee": [2025] * 6,
            "trimestre": [4] * 6,
            "niveau_geo": ["COMMUNE"] * 6,
            "code_geo": [f"0600{i}" for i in range(6)],
            "libelle_geo": INJECTIONS,
            "indicateur": ["D1"] * 6,
            "modalite": ["ensemble"] * 6,
            "valeur": [10.0] * 6,
            "numerateur": [10.0] * 6,
            "denominateur": [None] * 6,
            "statut": ["ok"] * 6,
        },
        schema_overrides={"denominateur": pl.Float64},
    )
    csv = pl.read_csv(io.BytesIO(csv_bytes(rows, catalogue)), separator=";", infer_schema=False)
    assert sorted(csv["libelle_geo"]) == sorted("'" + t for t in INJECTIONS)
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(Pack("240600585", 2025, 4, rows, catalogue, []))))
    cells = [c for row in wb["Ensemble"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)  # never a formula
    # openpyxl leaves xlsx's escape of a carriage return as written
    shown = sorted(c.value.replace("_x000D_", "\r") for c in cells if c.column == 4)
    assert shown == sorted("'" + t for t in INJECTIONS)
    assert {c.value for c in cells if c.column == 1} == {"'=1+1"}


@pytest.mark.parametrize(
    "quarter, message",
    [
        ("2025-T4", "trimestre « 2025-T4 » mal écrit : AAAAT<q> attendu"),
        ("2025T5", "mal écrit"),
        ("2019T1", "le trimestre 2019T1 est hors de l'historique de l'entrepôt (de 2025T4 à 2025T4)"),
    ],
)
def test_export_refuses_in_french_a_malformed_quarter_or_one_outside_the_history(env, capsys, quarter, message):
    from pipelines.cli import main

    assert main(["export", "--trimestre", quarter, "--home", str(env.home)]) == 2
    assert message in capsys.readouterr().err


def _completeness_warehouse(recu_last_month: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose history is 2026T3 and 2026T4, with the matrix given."""
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_trimestres as select * from (values (2026, 3), (2026, 4)) t(annee, trimestre)"
    )
    con.execute(
        "create table intermediate.int_flux_completude as select * from (values "
        "('900000001', date '2026-11-01', 'mouvements', true), "
        f"('900000001', date '2026-12-01', 'mouvements', {recu_last_month})) t(bailleur_siren, mois, flux, recu)"
    )
    return con


def test_export_refuses_a_quarter_not_yet_complete_before_its_deadline_and_takes_it_after():
    con = _completeness_warehouse(recu_last_month=False)
    with pytest.raises(ExportRefused, match="2026T4 n.est pas encore complet .* au plus tard le 20/01/2027"):
        check_quarter(con, 2026, 4, dt.date(2027, 1, 19))
    assert check_quarter(con, 2026, 4, dt.date(2027, 1, 20)) is False  # published at its deadline, with gaps
    assert check_quarter(_completeness_warehouse(recu_last_month=True), 2026, 4, dt.date(2027, 1, 2)) is True


def _matrix(*received: tuple[str, bool]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "bailleur_siren": ["900000001"] * len(received),
            "mois": [dt.date.fromisoformat(m) for m, _ in received],
            "flux": ["mouvements"] * len(received),
            "recu": [r for _, r in received],
        }
    )


@pytest.mark.parametrize(
    "today, matrix, expected",
    [
        # September arrived: the third quarter goes out, complete
        (dt.date(2026, 10, 5), _matrix(("2026-06-01", True), ("2026-09-01", True)), (2026, 3, True)),
        # September missing before 20 October: the last complete quarter stays the second
        (dt.date(2026, 10, 19), _matrix(("2026-06-01", True), ("2026-09-01", False)), (2026, 2, True)),
        # on 20 October it goes out anyway, with its gaps
        (dt.date(2026, 10, 20), _matrix(("2026-06-01", True), ("2026-09-01", False)), (2026, 3, False)),
        # a gap in the quarter's first months does not hold it back: only its last month counts
        (dt.date(2026, 10, 1), _matrix(("2026-07-01", False), ("2026-09-01", True)), (2026, 3, True)),
    ],
)
def test_the_schedule_publishes_the_last_complete_quarter_or_the_late_one_at_its_deadline(today, matrix, expected):
    assert quarter_to_publish([(2026, 2), (2026, 3)], matrix, today) == expected


def test_the_sensor_requests_the_quarter_from_the_parquet_copies(env):
    from pipelines.schedules import pack_cil_trimestriel

    with dg.DagsterInstance.ephemeral() as instance:
        result = pack_cil_trimestriel(dg.build_sensor_context(instance=instance))
    [request] = result.run_requests
    assert request.partition_key == "2025T4"
    assert request.run_key == "2025T4:complet"
    assert result.dynamic_partitions_requests[0].partition_keys == ["2025T4"]


def test_the_charts_title_states_the_finding_with_french_numbers():
    from dashboards.cil_charts import demand_and_attributions

    rows = pl.DataFrame(
        {
            "niveau_geo": ["EPCI"] * 5,
            "indicateur": ["D1", "D1", "D5_r4q", "D5_r4q", "D6"],
            "modalite": ["typologie=T2", "typologie=T3", "typologie=T2", "typologie=T3", "ensemble"],
            "valeur": [4623.0, None, 250.0, 40.0, 11.66],  # a secret T3 demand count is left out
        }
    )
    fig = demand_and_attributions(rows, "3e trimestre 2026", "Source : test")
    assert fig.layout.separators == ", "
    assert "11,7 demandes pour une attribution" in fig.layout.title.text
    assert list(fig.data[0].y) == [4623.0, None]


def test_the_run_summary_prints_the_share_of_secret_cells_per_audience_and_sheet(pack, env):
    from pipelines.summary import secret_share_lines

    shares = [
        {"audience": "cil", "feuille": "Ensemble", "lignes": 200, "secretes": 29, "part": 0.145},
        {"audience": "public", "feuille": "Ensemble", "lignes": 200, "secretes": 42, "part": 0.21},
        {"audience": "cil", "feuille": "Residences", "lignes": 10, "secretes": 0, "part": 0.0},
    ]
    lines = secret_share_lines(shares)
    assert lines[1].split() == ["feuille", "cil", "public"]
    assert lines[2].split() == ["Ensemble", "14,5", "%", "(29)", "21,0", "%", "(42)"]
    assert lines[3].split() == ["Residences", "0,0", "%", "(0)", "-"]
    # the pack's own run gives them for both audiences and every sheet
    from assets.publish.cil_export import audience_shares
    from assets.publish.cil_sources import read_pack
    from assets.warehouse import connect

    with connect(env.home, read_only=True) as con:
        measured = audience_shares(con, env, read_pack(con, env, *QUARTER))
    assert set(measured["audience"]) == {"cil", "public"}
    assert set(measured.filter(pl.col("audience") == "cil")["feuille"]) == {*SHEETS, "Tout le pack"}
    cil = measured.filter((pl.col("audience") == "cil") & (pl.col("feuille") == "Tout le pack")).row(0, named=True)
    assert cil["secretes"] > 0 and cil["part"] == cil["secretes"] / cil["lignes"]


def test_run_publishes_the_last_complete_quarter_of_the_history(env):
    from assets.publish.cil_export import last_publishable
    from assets.warehouse import connect

    with connect(env.home, read_only=True) as con:
        assert last_publishable(con, TODAY) == (2025, 4, True)


def test_the_gaps_of_a_quarter_are_the_files_owed_in_its_months_that_did_not_arrive():
    from assets.partitions import gaps

    matrix = _matrix(("2026-06-01", False), ("2026-07-01", False), ("2026-08-01", True), ("2026-09-01", False))
    assert gaps(matrix, 2026, 3).rows() == [
        ("900000001", dt.date(2026, 7, 1), "mouvements"),
        ("900000001", dt.date(2026, 9, 1), "mouvements"),
    ]


def test_the_chance_of_being_housed_has_its_sheet_published_from_the_cil_s_count_of_attributions():
    from assets.publish.cil_pack import Pack
    from assets.publish.cil_sources import rules_text
    from assets.publish.cil_workbook import workbook_bytes

    settings = Settings(home=None)
    cil, public = settings.seuil_secret_cil, settings.seuil_secret_public
    catalogue = pl.read_csv(SEED, schema_overrides={"sensible": pl.Boolean, "seuil_denominateur": pl.Float64})
    h1 = catalogue.filter(pl.col("famille") == "H1")["indicateur"].to_list()
    assert set(catalogue.filter(pl.col("famille") == "H1")["feuille_cil"]) == {"Chance_logement"}
    communes = pl.DataFrame({"code_insee": ["06004"], "nom": ["Antibes"], "code_secteur": ["06004"],
                             "libelle_secteur": ["Antibes"]})  # fmt: skip

    def group(modalite: str, attributions: int) -> list[dict]:
        """A curve standing on `attributions` of 40 spells: 25 % at every point, crossing 50 % at 30 months."""
        return [
            dict(
                annee=2025,
                trimestre=4,
                niveau_geo="EPCI",
                code_geo="240600585",
                libelle_geo="CASA",
                indicateur=i,
                modalite=modalite,
                valeur=30.0 if i == "H1_delai_50" else 0.25,
                numerateur=float(attributions),
                denominateur=40.0,
                statut="ok",
            )
            for i in h1
        ]

    # between the two audiences' thresholds, and under the CIL's
    rows = pl.DataFrame([*group("ensemble", cil), *group("prioritaire=OUI", cil - 1)])
    assert cil < public
    assert set(publishable(rows.head(len(h1)), "public", settings, catalogue, communes)["statut"]) == {"secret"}
    out = publishable(rows, "cil", settings, catalogue, communes)
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(Pack("240600585", 2025, 4, out, catalogue, []))))
    assert wb.sheetnames[SHEETS.index("Chance_logement") + 1] == "Chance_logement"
    ws = wb["Chance_logement"]
    header = [c.value for c in ws[1]]
    cells = {
        (r[1], r[5] or "ensemble"): dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    }
    assert len(cells) == 2 * len(h1)
    shown = cells[("H1_1an", "ensemble")]
    assert (shown["Valeur"], shown["Numérateur"], shown["Dénominateur"], shown["Statut"]) == (0.25, cil, 40, "")
    assert cells[("H1_delai_50", "ensemble")]["Valeur"] == 30.0
    assert all(c["Valeur"] == "s" for (_, m), c in cells.items() if m == "prioritaire=OUI")
    percent = next(r[6] for r in ws.iter_rows(min_row=2) if r[1].value == "H1_1an" and not r[5].value)
    assert percent.number_format == "0.0%"
    assert f"au moins {cil} attributions observées" in rules_text(settings)


def test_the_cil_rows_of_a_quarter_are_cached_and_read_back_by_the_next_export(pack, env, expected):
    from assets.publish.cil_sources import read_pack
    from assets.publish.public_rows import cache_dir
    from assets.warehouse import connect

    [cached] = cache_dir(env, "cil").glob("2025T4-*.parquet")
    written = cached.stat().st_mtime_ns
    export_quarter(env, *QUARTER, TODAY)
    assert [p.stat().st_mtime_ns for p in cache_dir(env, "cil").glob("2025T4-*.parquet")] == [written]
    with connect(env.home, read_only=True) as con:
        rows = read_pack(con, env, *QUARTER).rows
    assert rows.equals(expected.drop("nature", "feuille_cil"))


def test_chromium_starts_before_the_charts_are_given_and_draws_what_plotly_draws(tmp_path):
    import time

    import plotly.graph_objects as go
    import plotly.io as pio
    import psutil

    from assets.publish.cil_charts import HEIGHT, SCALE, WIDTH, Browser

    fig = go.Figure(go.Bar(x=["T1", "T2"], y=[3, 4]))
    pio.write_images([fig], [tmp_path / "plotly.png"], format="png", width=WIDTH, height=HEIGHT, scale=SCALE)
    me = psutil.Process()
    with Browser() as browser:
        deadline = time.monotonic() + 60
        while not any("chrom" in p.name() for p in me.children(recursive=True)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any("chrom" in p.name() for p in me.children(recursive=True))  # up before any chart is asked
        browser.draw([fig], [tmp_path / "pack.png"])
    assert (tmp_path / "pack.png").read_bytes() == (tmp_path / "plotly.png").read_bytes()
    with Browser():
        pass  # a pack refused before its charts: the browser is closed all the same
    time.sleep(1)
    assert not [p for p in me.children(recursive=True) if "chrom" in p.name() and p.status() != "zombie"]


def test_a_browser_whose_python_side_lags_behind_its_page_still_draws_the_charts(tmp_path, monkeypatch):
    """The hang seen three times (a Chromium "that never answered", twice in CI, once in a local update): kaleido
    1.5.0 asked Chromium to load its page, then to report page events; a Python thread that lagged behind a page
    loaded in the meantime waited forever for a load event already gone. Here every Page.navigate is followed by
    `lag` seconds (the page loads in 0.6-1 s: in a bare kaleido 1.5.0, a lag of 0.6 s drew, 1 s and 3 s always
    hung). With 1.5.0 the charts did not come in 2 of 3 runs of this test, 4 of 7 with lags of 2 to 5 s (why the
    others drew was not found); with 1.5.2 (page events enabled before the page is loaded) they always do."""
    import asyncio

    import plotly.graph_objects as go
    from choreographer.protocol.devtools_async import Target

    from assets.publish import cil_charts

    lag = 5

    send = Target.send_command

    async def lagging(self, command, *args, **kwargs):
        answer = await send(self, command, *args, **kwargs)
        if command == "Page.navigate":
            await asyncio.sleep(lag)
        return answer

    monkeypatch.setattr(Target, "send_command", lagging)
    monkeypatch.setattr(cil_charts, "PATIENCE_SECONDS", 30)
    with cil_charts.Browser() as browser:
        browser.draw([go.Figure(go.Bar(x=["T1"], y=[3]))], [tmp_path / "pack.png"])
    assert (tmp_path / "pack.png").read_bytes().startswith(b"\x89PNG")


def test_the_workbook_pauses_the_garbage_collector_only_while_it_writes_even_when_writing_fails():
    import gc

    from assets.publish.cil_workbook import no_gc

    assert gc.isenabled()
    with no_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with no_gc():
            raise OSError("disque plein")
    except OSError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with no_gc():
            pass
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()

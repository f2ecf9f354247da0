"""The réservataire meetings' briefs as `observatoire run` publishes them (the internal publication asset on
the shared small run): one page and one workbook per programme of the latest programmes file not yet
delivered, one residence watch (page and workbook) per landlord × commune of these programmes under
residences/, and their index, private under published/interne/programmes/; the figures read from the
warehouse's own definitions (the demand equals D1 of fct_indicateurs); the default scenario is the file's
orientation, an analyst's scenario file replaces it, a faulty one stops the briefs with its French reason;
the pages open in Chromium without error, their scenario table visible and readable at a phone's width."""

from __future__ import annotations

import datetime as dt
import shutil
import stat

import duckdb
import openpyxl
import pytest

from assets.publish.interne import interne_dir
from assets.publish.programmes import publish_programmes, years_before
from assets.publish.scenarios import ScenariosInvalides
from assets.settings import load_settings
from tests.dashboards.test_site_in_browser import BLOCKING, browser, read_pages  # noqa: F401  (browser: a fixture)

QUARTER = (2025, 4)


@pytest.fixture(scope="module")
def folder(warehouse, published_quarter):
    return interne_dir(load_settings(warehouse)) / "programmes"


UNDELIVERED = "from raw.programmes where _date_fichier = (select max(_date_fichier) from raw.programmes) and "\
              "date_livraison is null"  # fmt: skip


def fetch(warehouse, sql: str) -> list[tuple]:
    con = duckdb.connect(str(load_settings(warehouse).warehouse), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def undelivered(warehouse) -> dict[str, dict[str, int]]:
    """Programme → réservataire → dwellings of the latest programmes file's rows without a delivery date."""
    out: dict[str, dict[str, int]] = {}
    for pid, res, n in fetch(warehouse, f"select programme_id, reservataire, sum(nb_logements)::int {UNDELIVERED} "
                                        "group by all"):  # fmt: skip
        out.setdefault(pid, {})[res] = n
    return out


@pytest.fixture(scope="module")
def watches(warehouse) -> dict[str, set[str]]:
    """`<landlord>_<commune>` → the undelivered programmes of that landlord in that commune."""
    out: dict[str, set[str]] = {}
    for name, pid in fetch(warehouse, f"select distinct bailleur_siren || '_' || commune, programme_id {UNDELIVERED}"):
        out.setdefault(name, set()).add(pid)
    return out


def test_the_run_publishes_a_page_and_a_workbook_per_undelivered_programme_and_their_index(folder, undelivered):
    assert undelivered  # the small territory has a programme to deliver
    expected = {f"{pid}.{ext}" for pid in undelivered for ext in ("html", "xlsx")} | {"index.html", "residences"}
    assert {p.name for p in folder.iterdir()} == expected
    assert all(stat.S_IMODE(d.stat().st_mode) == 0o700 for d in (folder, folder / "residences"))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.rglob("*") if p.is_file())
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{pid}.html"' in index and f'href="{pid}.xlsx"' in index for pid in undelivered)


def test_each_landlord_and_commune_has_one_residence_watch_that_its_briefs_and_the_index_link(folder, watches):
    expected = {f"{name}.{ext}" for name in watches for ext in ("html", "xlsx")}
    assert {p.name for p in (folder / "residences").iterdir()} == expected
    index = (folder / "index.html").read_text(encoding="utf-8")
    for name, pids in watches.items():
        assert f'href="residences/{name}.html"' in index and f'href="residences/{name}.xlsx"' in index
        watch = (folder / "residences" / f"{name}.html").read_text(encoding="utf-8")
        rows = openpyxl.load_workbook(folder / "residences" / f"{name}.xlsx")["Residences"].max_row - 3
        assert watch.count('<tr><th scope="row">') == rows  # the page and the workbook show the same residences
        for pid in pids:
            assert f'href="../{pid}.html"' in watch
            brief = (folder / f"{pid}.html").read_text(encoding="utf-8")
            assert f'href="residences/{name}.html"' in brief and f'href="residences/{name}.xlsx" download' in brief
            summary = openpyxl.load_workbook(folder / f"{pid}.xlsx")["Residences"]
            assert summary["B4"].value == rows  # the brief's count of residences is its watch's


def test_the_default_scenario_in_the_workbook_is_the_orientation_of_the_programmes_file(folder, undelivered):
    for pid, orientation in undelivered.items():
        wb = openpyxl.load_workbook(folder / f"{pid}.xlsx")
        assert wb.sheetnames[:4] == ["Note", "Programme", "Demande", "Residences"]
        ws = wb["Scenario 1"]
        assert ws["A1"].value == "Scénario « Orientation du fichier des programmes » : quotas par réservataire"
        assert {r[1].value: r[2].value for r in ws.iter_rows(min_row=4)} == orientation


def test_the_demand_of_the_brief_is_d1_of_its_commune_by_typology(folder, undelivered, warehouse):
    con = duckdb.connect(str(load_settings(warehouse).warehouse), read_only=True)
    try:
        for pid in undelivered:
            [(commune,)] = con.sql(
                f"select distinct commune from raw.programmes where programme_id = '{pid}'"
            ).fetchall()
            d1 = dict(con.sql(
                "select replace(modalite, 'typologie=', ''), valeur::int from marts.fct_indicateurs where indicateur = "
                "'D1' and niveau_geo = 'COMMUNE' and code_geo = $c and modalite like 'typologie=%' and valeur > 0 "
                "and annee = 2025 and trimestre = 4", params={"c": commune}).fetchall())  # fmt: skip
            ws = openpyxl.load_workbook(folder / f"{pid}.xlsx")["Demande"]
            assert {r[0].value: r[1].value for r in ws.iter_rows(min_row=4)} == d1
    finally:
        con.close()


def test_an_analysts_scenarios_replace_the_default_and_a_faulty_file_is_refused_in_french(
    warehouse, undelivered, tmp_path
):
    settings = load_settings(warehouse)
    pid, orientation = next(iter(undelivered.items()))
    total = sum(orientation.values())
    path = settings.scenarios_programmes
    try:
        path.write_text(
            f"programmes:\n  {pid}:\n    qpv: oui\n    typologies: {{T3: {total}}}\n    scenarios:\n"
            f"      - nom: Tout au préfet\n        repartition: {{PPRIOR: {total}}}\n",
            encoding="utf-8",
        )
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        try:
            publish_programmes(con, settings, *QUARTER, tmp_path / "ok")
            path.write_text(f"programmes:\n  {pid}:\n    scenarios:\n      - repartition: {{CASA: {total}}}\n")
            with pytest.raises(ScenariosInvalides, match=f"scenarios_programmes.yaml : programme {pid} : .*CASA"):
                publish_programmes(con, settings, *QUARTER, tmp_path / "faux")
        finally:
            con.close()
    finally:
        path.unlink()
    wb = openpyxl.load_workbook(tmp_path / "ok" / f"{pid}.xlsx")
    assert wb["Scenario 1"]["A1"].value == "Scénario « Tout au préfet » : quotas par réservataire"
    assert [[c.value for c in r[:3]] for r in wb["Scenario 1"].iter_rows(min_row=4)][0][1:] == ["PPRIOR", total]
    note = {r[0].value: r[1].value for r in wb["Note"].iter_rows(min_row=4) if r[0].value}
    assert note["QPV"] == "en QPV (déclaré)" and note["Typologies"] == f"T3 : {total} (« déclaré »)"
    assert not (tmp_path / "faux").exists()


def test_two_programmes_of_a_landlord_in_a_commune_share_one_watch(warehouse, undelivered, watches, tmp_path):
    settings = load_settings(warehouse)
    shutil.copy(settings.warehouse, tmp_path / "warehouse.duckdb")
    pid = sorted(undelivered)[0]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:  # a second programme of the same landlord in the same commune, in the latest programmes file
        con.execute(
            "insert into raw.programmes select * replace ('PRG-TEST-0002' as programme_id) from raw.programmes "
            "where programme_id = $p and _date_fichier = (select max(_date_fichier) from raw.programmes)",
            {"p": pid},
        )
        [(name,)] = con.sql("select distinct bailleur_siren || '_' || commune from raw.programmes "
                            "where programme_id = $p", params={"p": pid}).fetchall()  # fmt: skip
        written = publish_programmes(con, settings, *QUARTER, tmp_path / "notes")
    finally:
        con.close()
    shared = [p for p in written if p.parent.name == "residences"]
    assert len(shared) == 2 * len({p.stem for p in shared}) == 2 * len(watches)  # once per landlord × commune
    watch = (tmp_path / "notes" / "residences" / f"{name}.html").read_text(encoding="utf-8")
    assert f'href="../{pid}.html"' in watch and 'href="../PRG-TEST-0002.html"' in watch
    for brief in (pid, "PRG-TEST-0002"):
        assert f'href="residences/{name}.html"' in (tmp_path / "notes" / f"{brief}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_briefs_and_watches_open_in_chromium_without_error_their_main_table_visible(folder, browser, width):  # noqa: F811
    pages, watches = sorted(folder.glob("*.html")), sorted(folder.glob("residences/*.html"))
    assert watches  # the landlord × commune residence watches open too
    visits = read_pages(browser, folder, pages + watches, width)
    for v in visits:
        assert not v.errors and not v.outside, v.where
        assert v.probe["scroll_width"] <= v.probe["inner_width"], (v.where, v.probe["overflowing"])
        assert not [x["id"] for x in v.violations if x["impact"] in BLOCKING], v.where
    tab = browser.new_page(viewport={"width": width, "height": 900})
    try:  # the briefs' scenario table (index.html sorts last), the watches' residences
        for page, section in [(p, "#scenario-1") for p in pages[:-1]] + [(p, "#residences") for p in watches]:
            tab.goto(page.as_uri())
            table = tab.locator(f"{section} table")
            assert table.is_visible() and table.locator("tbody tr").count() >= 1, page
            box = tab.locator(f"{section} .tableau").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the table scrolls in its box
    finally:
        tab.close()


def test_a_re_export_gives_the_same_bytes(warehouse, folder, tmp_path):
    settings = load_settings(warehouse)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        publish_programmes(con, settings, *QUARTER, tmp_path)
    finally:
        con.close()

    def files(root):
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert any(p.parts[0] == "residences" for p in files(tmp_path)) and files(tmp_path) == files(folder)


@pytest.mark.parametrize(
    "t, annees, expected",
    [
        (dt.date(2026, 9, 30), 3, dt.date(2023, 9, 30)),
        (dt.date(2028, 2, 29), 1, dt.date(2027, 2, 28)),  # no 29 February in 2027
        (dt.date(2028, 2, 29), 4, dt.date(2024, 2, 29)),
    ],
)
def test_years_before_keeps_the_day_and_a_29_february_falls_on_the_28th_of_a_common_year(t, annees, expected):
    assert years_before(t, annees) == expected

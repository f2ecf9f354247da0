"""The public site as Dagster materializes it with the pack: in the publication group, served from
published/site/ and archived per quarter, drawn from the public's rows (cached per quarter, recomputed
when what they depend on changes), each secret row saying why."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from assets.publish.confidentiality import publishable, read_reference
from assets.publish.public_rows import cache_dir, public_quarters
from assets.publish.site import _ahead as site_ahead
from assets.publish.site import archives_dir, close_ahead, publish_site, read_site_data, site_dir, start_ahead
from assets.settings import load_settings
from dashboards.site import build
from pipelines.summary import publication_lines

QUARTER = (2025, 4)  # the fixture warehouse's one quarter


@pytest.fixture(scope="module")
def published(published_quarter):
    return published_quarter


def test_the_site_is_materialized_with_the_pack_in_the_publication_group(published, warehouse):
    from pipelines.definitions import defs

    key = dg.AssetKey(["published", "site"])
    node = defs.resolve_assets_def(key)
    assert node.group_names_by_key[key] == "publication"
    assert node.partitions_def.name == "trimestres_cil"
    done = {e.asset_key.path[-1]: e.partition for e in published.get_asset_materialization_events()}
    assert done["site"] == done["pack_cil"] == "2025T4"
    settings = load_settings(warehouse)
    assert (site_dir(settings) / "index.html").is_file()
    assert (archives_dir(settings) / "2025T4" / "index.html").is_file()
    assert (site_dir(settings) / "static" / "plotly.min.js").is_file()


def test_the_run_summary_says_where_the_site_s_home_page_is(published, warehouse):
    lines = publication_lines(published)
    index = archives_dir(load_settings(warehouse)) / "2025T4" / "index.html"
    assert any(line.startswith("Site public 2025T4 (") and line.endswith(f" : {index}") for line in lines)
    assert any(line.startswith("Pack CIL 2025T4") for line in lines)


def test_an_older_quarter_is_archived_without_replacing_the_site_of_a_later_one(published, warehouse):
    settings = load_settings(warehouse)
    later = archives_dir(settings) / "2026T1"
    later.mkdir()
    served = (site_dir(settings) / "index.html").stat().st_ino
    try:
        archive, pages = publish_site(settings, *QUARTER)
        assert archive == archives_dir(settings) / "2025T4" and (archive / "index.html") in pages
        assert (site_dir(settings) / "index.html").stat().st_ino == served  # the served site was left alone
    finally:
        later.rmdir()
    publish_site(settings, *QUARTER)
    assert (site_dir(settings) / "index.html").stat().st_ino != served  # the latest archive is served again
    assert not [p for p in settings.published.iterdir() if p.name.startswith(".")]  # no work folder left


def _public(warehouse, settings):
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        reference = read_reference(con)
        rows = con.sql("select * from marts.fct_indicateurs where annee = 2025 and trimestre = 4").pl()
        return public_quarters(con, settings, [QUARTER], reference), rows, reference
    finally:
        con.close()


def test_the_public_rows_are_cached_per_quarter_and_recomputed_when_the_threshold_changes(published, warehouse):
    settings = load_settings(warehouse)
    [cached] = cache_dir(settings).glob("2025T4-*.parquet")
    first, rows, reference = _public(warehouse, settings)
    assert list(cache_dir(settings).glob("2025T4-*.parquet")) == [cached]  # read back, not recomputed
    assert first.drop("secret").equals(publishable(rows, "public", settings, *reference))
    stricter = dataclasses.replace(settings, seuil_secret_public=20)
    again, _, _ = _public(warehouse, stricter)
    [recomputed] = cache_dir(settings).glob("2025T4-*.parquet")
    assert recomputed != cached
    assert (again["statut"] == "secret").sum() > (first["statut"] == "secret").sum()
    _public(warehouse, settings)  # leave the fixture's cache as the site's threshold wants it


def test_each_secret_row_says_whether_it_is_small_itself_or_hidden_to_protect_another(published, warehouse):
    settings = load_settings(warehouse)
    public, rows, _ = _public(warehouse, settings)
    assert (
        public.filter(pl.col("statut") != "secret")["secret"].null_count()
        == public.filter(pl.col("statut") != "secret").height
    )
    keys = ["indicateur", "niveau_geo", "code_geo", "modalite"]
    secret = public.filter(pl.col("statut") == "secret").join(
        rows.select(*keys, "valeur", "statut"), on=keys, suffix="_avant"
    )
    assert set(secret["secret"]) == {"primaire", "secondaire"}
    small_counts = secret.filter(
        pl.col("indicateur").is_in(["D1", "D5", "D2"]) & (pl.col("valeur_avant") > 0) & (pl.col("valeur_avant") < 11)
    )
    assert small_counts.height and set(small_counts["secret"]) == {"primaire"}
    big_counts = secret.filter(pl.col("indicateur").is_in(["D1", "D5", "D2"]) & (pl.col("valeur_avant") >= 11))
    assert set(big_counts["secret"]) <= {"secondaire"}


def test_uncached_releases_computed_in_parallel_processes_equal_the_same_computed_in_this_one(warehouse, tmp_path):
    from assets.publish.public_rows import _compute

    settings = load_settings(warehouse)
    _, rows, reference = _public(warehouse, settings)
    other = rows.with_columns(valeur=pl.col("valeur") * 2, numerateur=pl.col("numerateur") * 2)
    todo = {((2025, 4), "public"): (rows, tmp_path / "a"), ((2025, 3), "cil"): (other, tmp_path / "b")}
    parallel = dict(_compute(todo, settings, reference))
    assert parallel[(2025, 4), "public"].equals(publishable(rows, "public", settings, *reference, reasons=True))
    assert parallel[(2025, 3), "cil"].equals(publishable(other, "cil", settings, *reference, reasons=True))


class _Counted(ProcessPoolExecutor):
    """A real helper process that counts the pages handed to it."""

    def __init__(self):
        super().__init__(1, mp_context=multiprocessing.get_context("spawn"))
        self.handed = 0

    def submit(self, fn, /, *args, **kwargs):
        self.handed += 1
        return super().submit(fn, *args, **kwargs)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site_data(published, warehouse):
    settings = load_settings(warehouse)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return read_site_data(con, settings, *QUARTER)


def test_a_site_drawn_with_a_helper_process_is_byte_for_byte_the_site_drawn_in_one(site_data, tmp_path):
    alone, shared = tmp_path / "seul", tmp_path / "partage"
    alone.mkdir(), shared.mkdir()
    pages = build(site_data, alone)
    with _Counted() as helper:
        helped = build(site_data, shared, helper)
    assert helper.handed >= 2  # the helper drew pages from the last (2 in flight at least)
    assert [p.relative_to(alone) for p in pages] == [p.relative_to(shared) for p in helped]
    assert len(pages) > 25 and _files(alone) == _files(shared)


def test_the_pages_of_a_helper_whose_process_died_are_drawn_here(site_data, tmp_path):
    alone, shared = tmp_path / "seul", tmp_path / "partage"
    alone.mkdir(), shared.mkdir()
    helper = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    with pytest.raises(BrokenProcessPool):
        helper.submit(os._exit, 1).result()
    build(site_data, shared, helper)
    build(site_data, alone)
    assert _files(alone) == _files(shared)


def test_the_site_s_helper_is_one_other_process_started_once_and_ended_with_the_publication(published):
    assert site_ahead == []  # the one publish_quarter started for the fixture's site was ended with it
    start_ahead()
    start_ahead()
    [pool] = site_ahead
    assert pool.submit(os.getpid).result() != os.getpid()
    close_ahead()
    assert site_ahead == []
    with pytest.raises(RuntimeError):  # shut down: it takes no more pages
        pool.submit(os.getpid)

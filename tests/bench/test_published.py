"""The comparison of two copies of `published/` (bench/published.py) sees every change of a published value
and nothing else: what proves that a faster publication left its files as they were."""

from __future__ import annotations

import shutil

import polars as pl
import xlsxwriter

from tests.bench import load_script


def _workbook(path, value) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Ensemble").write_row(0, 0, ["D1", value])
    book.close()


def _published(folder, value=1.0, rows=(1, 2)):
    (folder / "cil").mkdir(parents=True)
    (folder / "cil" / "pack.csv").write_bytes(b"\xef\xbb\xbfindicateur;valeur\nD1;12\n")
    _workbook(folder / "cil" / "pack.xlsx", value)
    (folder / "site").mkdir()
    (folder / "site" / "index.html").write_text("<p>Demandes : 12</p>", encoding="utf-8")
    pl.DataFrame({"n": list(rows)}).write_parquet(folder / "donnees.parquet")


def test_the_same_publication_written_again_is_found_identical(tmp_path):
    compare = load_script("published")
    _published(tmp_path / "avant")
    _published(tmp_path / "apres", rows=(2, 1))  # another workbook zip (its time), rows in another order
    assert compare.differences(tmp_path / "avant", tmp_path / "apres") == []


def test_a_changed_value_a_missing_file_and_a_new_file_are_each_reported(tmp_path):
    compare = load_script("published")
    _published(tmp_path / "avant")
    _published(tmp_path / "apres", value=1.5)
    (tmp_path / "apres" / "site" / "index.html").write_text("<p>Demandes : 13</p>", encoding="utf-8")
    (tmp_path / "apres" / "cil" / "pack.csv").unlink()
    (tmp_path / "apres" / "nouveau.csv").write_text("x\n")
    shutil.copy(tmp_path / "apres" / "nouveau.csv", tmp_path / "apres" / ".cache.tmp")  # hidden: not published
    assert compare.differences(tmp_path / "avant", tmp_path / "apres") == [
        "absent après : cil/pack.csv",
        "nouveau : nouveau.csv",
        "différent : cil/pack.xlsx",
        "différent : site/index.html",
    ]

"""The files of a generated territory follow the feed contracts: names, headers, values, dialects."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import polars as pl

from expectations.contract import all_contracts, contract

from .filecheck import check, decode, duplicates, parse_date

MONTHS = [(y, m) for y in (2024, 2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 9)]


def _month_end(y: int, m: int) -> str:
    return f"{y}{m:02d}{calendar.monthrange(y, m)[1]:02d}"


def _landlords(feeds) -> pl.DataFrame:
    return feeds["bailleurs"]


def test_report_lists_every_file_written(territory):
    report, out = territory
    on_disk = sorted(p.name for p in out.iterdir())
    assert sorted(p.name for p in report.files) == on_disk
    assert report.total_bytes == sum(p.stat().st_size for p in out.iterdir())
    assert set(report.rows) == set(on_disk)


def test_every_file_matches_a_feed_and_the_expected_names_are_there(territory, feeds):
    _, out = territory
    names = {p.name for p in out.iterdir()}
    assert all(any(c.match(n) for c in all_contracts()) for n in names)
    for y, m in MONTHS:
        assert f"sne_demandes_{_month_end(y, m)}.csv" in names
        assert f"sne_radiations_{_month_end(y, m)}.csv" in names
        assert f"positionnements_{y}{m:02d}.csv" in names
    b = _landlords(feeds)
    assert b.height == 17
    ended = {
        r["siren"]: parse_date(r["date_fin"]) for r in b.filter(pl.col("date_fin").is_not_null()).iter_rows(named=True)
    }
    for r in b.iter_rows(named=True):
        siren = r["siren"]
        for y, m in MONTHS:
            active = siren not in ended or ended[siren] >= dt.date(y, m, 1)
            mv = f"mouvements_{siren}_{y}{m:02d}.csv" in names
            assert mv == (active and r["envoie_mouvements"] == "OUI"), (siren, y, m)
            cal = f"cal_{siren}_{y}{m:02d}.csv" in names
            assert cal == (active and r["perimetre_cal"] != "AUCUN"), (siren, y, m)
    # Stock: the whole territory's file for the first year, one file per landlord afterwards.
    assert "rpls_2024.csv" in names and not any(re.match(r"rpls_\d{9}_2024\.csv", n) for n in names)
    for y in (2025, 2026):
        assert f"rpls_{y}.csv" not in names
        expected = {f"rpls_{s}_{y}.csv" for s in b["siren"] if s not in ended or ended[s] >= dt.date(y, 1, 1)}
        assert expected == {n for n in names if re.match(rf"rpls_\d{{9}}_{y}\.csv", n)}
    # Complete years only for the flux report; every year for the CIA.
    assert {n[-8:-4] for n in names if n.startswith("bilan_flux_")} == {"2024", "2025"}
    assert {f"engagements_cia_{y}.csv" for y in (2024, 2025, 2026)} <= names
    prog = sorted(n for n in names if n.startswith("programmes_"))
    assert 2 <= len([n for n in prog if n[11:15] == "2025"]) <= 6


def test_headers_are_the_contracts_columns_in_order(parsed):
    for feed, files in parsed.items():
        c = contract(feed)
        names = [col.name for col in c.columns]
        for pf in files:
            assert pf.header == [n for n in names if n in pf.header], pf.path.name
            missing = set(names) - set(pf.header)
            assert all(not c.column(n).header_required for n in missing), pf.path.name
            assert missing <= {"nom", "prenom"}, pf.path.name


def test_every_value_parses_per_the_contract(parsed):
    for feed, files in parsed.items():
        problems = check(files)
        assert problems == [], f"{feed}: {problems[:10]}"


def test_no_duplicate_keys_within_a_file(parsed):
    for files in parsed.values():
        for pf in files:
            assert duplicates(pf) == (0, []), pf.path.name


def test_dialects_vary_like_real_extracts(territory, parsed):
    _, out = territory
    enc = {pf.path.name: pf.encoding for files in parsed.values() for pf in files}
    cp = [n for n, e in enc.items() if e == "cp1252"]
    assert cp and len(cp) < len(enc)
    # Windows-1252 files hold accented text (œ, ’, é) in counters, names, landlords' wordings.
    texts = {n: decode((out / n).read_bytes())[0] for n in cp}
    legacy = [n for n in cp if n.startswith("sne_demandes_")]
    assert legacy
    joined = "".join(texts[n] for n in legacy[:1])
    assert "’" in joined and "é" in joined and "œ" in joined.lower()
    cal_cp = "".join(t for n, t in texts.items() if n.startswith("cal_"))
    assert "é" in cal_cp and "’" in cal_cp
    raw = [(out / n).read_bytes() for n in cp]
    assert all(any(b > 0x7F for b in r) for r in raw[:5])
    # Both date spellings, a BOM somewhere, decimal commas, lists, booleans.
    fr = re.compile(r"(^|;)\d{2}/\d{2}/\d{4}(;|$)", re.M)
    iso = re.compile(r"(^|;)\d{4}-\d{2}-\d{2}(;|$)", re.M)
    d = texts[legacy[0]]
    assert fr.search(d) and not iso.search(d)
    current = decode((out / "sne_demandes_20260930.csv").read_bytes())[0]
    assert iso.search(current) and not fr.search(current)
    assert any((out / n).read_bytes().startswith(b"\xef\xbb\xbf") for n in enc)
    assert re.search(r";\d+,\d{2};", current) and "|" in current and ";OUI;" in current


def test_some_extracts_carry_names(parsed):
    files = parsed["sne_demandes"]
    with_names = [pf for pf in files if "nom" in pf.header]
    assert 0 < len(with_names) < len(files)
    df = with_names[0].frame
    assert df["nom"].null_count() == 0 and df["prenom"].n_unique() > 20


def test_landlords_are_fictitious(feeds):
    b = feeds["bailleurs"]
    assert b.height == 17 and b["siren"].n_unique() == 17
    for r in b.iter_rows(named=True):
        s = r["siren"]
        assert s[0] == "9"
        digits = [int(x) * (2 if i % 2 else 1) for i, x in enumerate(s)]
        assert sum(d - 9 if d > 9 else d for d in digits) % 10 == 0, s  # Luhn-valid
        assert "(fictif)" in r["nom"]
    assert set(b["type"]) == {"OPH", "ESH", "SEM"}
    assert (b["envoie_mouvements"] == "NON").sum() == 4
    counts = dict(b["perimetre_cal"].value_counts().iter_rows())
    assert counts["CANDIDATS_CASA"] == 4 and counts["AUCUN"] == 2 and counts["TOUS"] == 11
    merged = b.filter(pl.col("date_fin").is_not_null())
    assert merged.height == 1 and merged["successeur_siren"][0] in set(b["siren"])

"""``--defauts`` injects exactly what its report says, and nothing else changes."""

from __future__ import annotations

import pytest

from pipelines.generator.api import generate

from .filecheck import check, duplicates, parse

ARGS = dict(seed=3, scale=0.1, debut="2024-12", fin="2025-03")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("defauts")
    clean = generate(base / "propre", **ARGS)
    faulty = generate(base / "defauts", defauts=True, **ARGS)
    return clean, faulty


def test_the_report_says_where_the_faults_are(runs):
    clean, faulty = runs
    assert clean.defauts == {} and clean.quarantaine_attendue == {}
    names = {p.name for p in faulty.files}
    sne = {n for n in names if n.startswith(("sne_demandes_", "sne_radiations_"))}
    assert sne <= set(faulty.defauts)  # at least one fault in every SNE file
    kinds = {k for counts in faulty.defauts.values() for k in counts}
    assert kinds == {
        "code_invalide",
        "date_impossible",
        "doublon_identique",
        "doublon_conflictuel",
        "champs_manquants",
        "champs_en_trop",
        "revenu_negatif",
        "enfants_incoherents",
    }
    for name in faulty.defauts:
        assert name.split("_")[0] in ("sne", "rpls", "mouvements", "cal", "positionnements")
    # About 0.5 % of the rows of a large SNE file.
    big = max((n for n in sne if n.startswith("sne_demandes_")), key=faulty.rows.get)
    assert 0.003 <= sum(faulty.defauts[big].values()) / faulty.rows[big] <= 0.008


def test_an_independent_reader_finds_exactly_the_reported_faults(runs):
    _, faulty = runs
    by_feed: dict[str, list] = {}
    for path in faulty.files:
        pf = parse(path)
        by_feed.setdefault(pf.contract.feed, []).append(pf)
    for files in by_feed.values():
        bad_lines: dict[str, set[int]] = {}
        for name, line, _, _ in check(files):
            bad_lines.setdefault(name, set()).add(line)
        for pf in files:
            name = pf.path.name
            identical, conflicting = duplicates(pf)
            lines = bad_lines.get(name, set()) | set(conflicting)
            counts = faulty.defauts.get(name, {})
            assert len(lines) == faulty.quarantaine_attendue.get(name, 0), (name, counts)
            assert identical == counts.get("doublon_identique", 0), name
            assert len(pf.bad_field_count) == counts.get("champs_manquants", 0) + counts.get("champs_en_trop", 0)


def test_faults_leave_headers_and_other_files_alone(runs):
    clean, faulty = runs
    for a, b in zip(clean.files, faulty.files, strict=True):
        assert a.name == b.name
        ra, rb = a.read_bytes(), b.read_bytes()
        if b.name not in faulty.defauts:
            assert ra == rb, b.name
            continue
        assert ra.splitlines()[0] == rb.splitlines()[0]
        counts = faulty.defauts[b.name]
        extra = counts.get("doublon_identique", 0) + counts.get("doublon_conflictuel", 0)
        assert len(rb.splitlines()) == len(ra.splitlines()) + extra

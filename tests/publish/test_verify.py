"""The suppression's own check by linear programming (assets/publish/verify.py) on systems solved by hand."""

from __future__ import annotations

import polars as pl

from assets.publish.verify import narrow

# counts a = 2 and c = 1 are hidden for being small, b = 10 is a complement; T, S and U are published
A, B, C, T, S, U = range(6)
VALUES = {A: 2, B: 10, C: 1, T: 12, S: 11, U: 3}


def relations(*rels: tuple[int, list[int]]) -> pl.DataFrame:
    """Members of `total = Σ parts` relations, numbered in order."""
    return pl.DataFrame(
        [
            (f"cut|{i}", cls, float(VALUES[cls]), cls == total, 0.0)
            for i, (total, parts) in enumerate(rels)
            for cls in (total, *parts)
        ],
        schema=["rel", "cls", "v", "total", "reste"],
        orient="row",
    )


def test_a_small_count_each_relation_protects_but_their_combination_pins_is_found():
    # T = a + b and S = b + c leave a in [1, 12]; with U = a + c, a − c = 1 and a + c = 3 pin a = 2, c = 1
    members = relations((T, [A, B]), (S, [B, C]), (U, [A, C]))
    found = narrow(members, pl.Series([T, S, U]), pl.Series([A, C]), threshold=5)
    assert found["cls"].unique().sort().to_list() == [A, C]
    # each comes with the relations that bind its range, where a complement would widen it: all three here
    assert set(found.filter(cls=A)["rel"]) == {"cut|0", "cut|1", "cut|2"}


def test_small_counts_free_to_move_by_the_threshold_are_not_reported():
    # c = a − 1 ≥ 0: a in [1, 12] and c in [0, 11], each free over 11
    members = relations((T, [A, B]), (S, [B, C]))
    assert narrow(members, pl.Series([T, S]), pl.Series([A, C]), threshold=11).is_empty()
    assert narrow(members, pl.Series([T, S]), pl.Series([A, C]), threshold=12)["cls"].unique().sort().to_list() == [
        A,
        C,
    ]

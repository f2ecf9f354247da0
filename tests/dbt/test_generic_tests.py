"""The project's generic data tests, run by dbt on hand-made rows against the real DuckDB."""

from __future__ import annotations

import json

import pytest

from tests.dbt.conftest import dbt


def failing_rows(home, test: str, **arguments) -> list[dict]:
    """The rows the generic data test `test` returns (a failure each) with these arguments."""
    args = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    call = "{{ test_" + test + "(" + args + ") }}"
    out, _ = dbt(home, "show", "--inline", call, "--output", "json", "--log-format", "json")
    shown = [json.loads(line) for line in out.stdout.splitlines() if '"ShowNode"' in line]
    assert out.returncode == 0 and shown, out.stdout[-3000:]
    return json.loads(shown[0]["data"]["preview"])


def failures(home, model: str, **checks) -> list[tuple]:
    rows = failing_rows(home, "controles", model=model, **checks)
    return sorted((r["controle"], r["colonne"], r["valeur"], r["lignes"]) for r in rows)


# Rows that pass every check below: `date` is a keyword (quoted), `r` refers to PARENT's `siren`.
CLEAN = "(select 1 as a, 'x' as s, 'OPH' as t, '900' as r, date '2025-01-01' as \"date\")"
PARENT = "(select '900' as siren union all select null)"
CHECKS = {
    "non_nuls": ["a", "date"],
    "unique": ["a"],
    "combinaisons_uniques": [["s", "t"]],
    "valeurs": {"s": ["x", "z"]},
    "codes": {"t": "type_bailleur"},
    "references": {"r": {"to": PARENT, "field": "siren"}},
}

# For each check, rows that break it alone (one more row: nulls pass every check but non_nuls) and the
# one failure expected.
BROKEN = {
    "non_nuls": ("select 2, 'z', null, null, null", ("valeur nulle", "date", None, 1)),
    "unique": ("select 1, 'z', null, null, date '2025-01-02'", ("valeur en double", "a", "1", 2)),
    "combinaisons_uniques": (
        "select 2, 'x', 'OPH', null, date '2025-01-02'",
        ("combinaison en double", "s, t", "x | OPH", 2),
    ),
    "valeurs": ("select 2, 'y', null, null, date '2025-01-02'", ("valeur non admise", "s", "y", 1)),
    "codes": ("select 2, null, 'HLM', null, date '2025-01-02'", ("code hors liste", "t", "HLM", 1)),
    "references": ("select 2, null, null, '901', date '2025-01-02'", ("référence absente", "r", "901", 1)),
}


def test_controles_passes_rows_that_keep_every_check(empty_warehouse):
    model = CLEAN[:-1] + " union all select 2, null, null, null, date '2025-01-02')"
    assert failures(empty_warehouse, model, **CHECKS) == []


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_controles_fails_on_rows_that_break_one_of_its_checks_and_names_it(empty_warehouse, check):
    rows, expected = BROKEN[check]
    model = CLEAN[:-1] + f" union all {rows})"
    assert failures(empty_warehouse, model, **CHECKS) == [expected]


def test_controles_counts_the_nulls_of_each_column(empty_warehouse):
    model = '(select 1 as a, null::int as b, null::int as "date" union all select null, null, 3)'
    found = failures(empty_warehouse, model, non_nuls=["a", "b", "date"])
    assert found == [("valeur nulle", c, None, n) for c, n in (("a", 1), ("b", 2), ("date", 1))]


def test_controles_keeps_the_null_semantics_of_the_tests_it_replaces(empty_warehouse):
    """dbt's unique ignores nulls; unique_combination sees two null keys as the same key."""
    model = "(select null::int as a, null::int as b union all select null, null)"
    assert failures(empty_warehouse, model, unique=["a"]) == []
    assert failures(empty_warehouse, model, combinaisons_uniques=[["a", "b"]]) == [
        ("combinaison en double", "a, b", "", 2)
    ]

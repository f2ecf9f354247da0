"""The project's generic data tests, run by dbt on hand-made rows against the real DuckDB."""

from __future__ import annotations

import json

from tests.dbt.conftest import dbt


def failing_rows(home, test: str, **arguments) -> list[dict]:
    """The rows the generic data test `test` returns (a failure each) with these arguments."""
    args = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    call = "{{ test_" + test + "(" + args + ") }}"
    out, _ = dbt(home, "show", "--inline", call, "--output", "json", "--log-format", "json")
    shown = [json.loads(line) for line in out.stdout.splitlines() if '"ShowNode"' in line]
    assert out.returncode == 0 and shown, out.stdout[-3000:]
    return json.loads(shown[0]["data"]["preview"])


ROWS = '(select 1 as a, null::int as b, null::int as "date" union all select null, null, 3)'


def test_non_nuls_returns_each_column_with_nulls_and_how_many(empty_warehouse):
    rows = failing_rows(empty_warehouse, "non_nuls", model=ROWS, columns=["a", "b", "date"])
    assert sorted((r["colonne"], r["lignes_nulles"]) for r in rows) == [("a", 1), ("b", 2), ("date", 1)]


def test_non_nuls_passes_when_the_listed_columns_have_no_null(empty_warehouse):
    assert failing_rows(empty_warehouse, "non_nuls", model="(select 1 as a, 2 as b)", columns=["a", "b"]) == []

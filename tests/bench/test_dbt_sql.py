"""The SQL replay of a home's last dbt build (bench/dbt_sql.py) runs its SQL models and data tests in the order
dbt started them, on a copy of the warehouse, and leaves out the Python models."""

from __future__ import annotations

import json

import duckdb

from tests.bench import load_script


def _node(uid: str, kind: str, sql: str, relation: str | None = None, language: str = "sql") -> dict:
    return {
        "unique_id": uid,
        "resource_type": kind,
        "language": language,
        "compiled_code": sql,
        "relation_name": relation,
        "config": {"materialized": "table"},
    }


def _home(tmp_path):
    home = tmp_path / "home"
    target = home / "dbt" / "target"
    target.mkdir(parents=True)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("create schema intermediate; create table intermediate.a as select 1 as x")
    con.close()
    nodes = [
        _node(
            "model.p.b",
            "model",
            'select x + 1 as y from "warehouse"."intermediate"."a"',
            '"warehouse"."intermediate"."b"',
        ),
        _node("test.p.b_positif", "test", 'select * from "warehouse"."intermediate"."b" where y <= 0'),
        _node("model.p.survie", "model", "def model(dbt, session): ...", '"warehouse"."intermediate"."s"', "python"),
    ]
    started = {
        "model.p.b": "2026-12-06T10:00:01",
        "test.p.b_positif": "2026-12-06T10:00:02",
        "model.p.survie": "2026-12-06T10:00:00",
    }
    results = [
        {"unique_id": n["unique_id"], "timing": [{"name": "execute", "started_at": started[n["unique_id"]]}]}
        for n in reversed(nodes)
    ]
    (target / "manifest.json").write_text(json.dumps({"nodes": {n["unique_id"]: n for n in nodes}}), encoding="utf-8")
    (target / "run_results.json").write_text(json.dumps({"results": results}), encoding="utf-8")
    return home


def test_the_sql_nodes_are_replayed_in_dbt_order_without_the_python_model(tmp_path, capsys):
    dbt_sql = load_script("dbt_sql")
    home = _home(tmp_path)

    todo = dbt_sql.statements(home / "dbt" / "target")
    assert [node for node, _ in todo] == ["model.p.b", "test.p.b_positif"]
    assert todo[0][1].startswith('create or replace table "intermediate"."b" as (')

    assert dbt_sql.main(["--home", str(home), "--fils", "1"]) == 0
    assert "2 nœuds SQL sur 1 fil(s)" in capsys.readouterr().out
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*) from information_schema.tables where table_name = 'b'").fetchall() == [
        (0,)
    ]  # a copy

{#- The table and view materializations on DuckDB: the model's relation replaced in place, in one transaction
(drop, create, commit), instead of dbt's build under a temporary name, rename of the old relation to a backup,
rename of the new one and drop of the backup after the commit. Each of those is an adapter macro call, whose
Python (a macro context built, events fired) holds the interpreter lock that dbt's threads share: ~2 s of the
build at scale 1. A SQL model's transaction is one statement sent to DuckDB (begin; drop; create; commit), not
four queries through dbt's connection manager, each with its events. It keeps what the swap gave: a failed
model leaves the previous relation (the rest of its transaction is not run, and dbt closes the node's cursor,
which rolls it back). Hooks and model contracts as in dbt-duckdb's; no grants, indexes, persisted docs,
partitioning, foreign keys or DuckLake: the project uses none. -#}
{% materialization table, adapter="duckdb", supported_languages=["sql", "python"] %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type="table") -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {% if model["language"] == "python" %}
        {#- dbt-duckdb writes a Python model's frame through a cursor of its own, outside this transaction: built
        under the temporary name, then the old table dropped and the new one renamed in the transaction -#}
        {%- set build_relation = make_intermediate_relation(target_relation) -%}
        {{ run_hooks(pre_hooks, inside_transaction=True) }}
        {{ drop_relation_if_exists(load_cached_relation(build_relation)) }}
        {% call statement("main", language="python") -%}
            {{- create_table_as(False, build_relation, compiled_code, "python") }}
        {%- endcall %}
        {% if existing_relation is not none %}
            {% call statement("drop_existing") -%}
                drop {{ existing_relation.type }} {{ existing_relation }}
            {%- endcall %}
        {% endif %}
        {% call statement("rename_built") -%}
            alter table {{ build_relation }} rename to {{ adapter.quote_as_configured(target_relation.identifier, "identifier") }}
        {%- endcall %}
        {{ run_hooks(post_hooks, inside_transaction=True) }}
        {{ adapter.commit() }}
    {% else %}
        {% call statement("main", auto_begin=False) -%}
            {{- replace_in_transaction(existing_relation, create_table_as(False, target_relation, compiled_code)) }}
        {%- endcall %}
    {% endif %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type="view") -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {% call statement("main", auto_begin=False) -%}
        {{- replace_in_transaction(existing_relation, get_create_view_as_sql(target_relation, sql)) }}
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}

{#- One statement: the transaction that replaces `relation` (none on a first build) by what `create` makes, with the
model's in-transaction hooks around it -#}
{% macro replace_in_transaction(relation, create) -%}
    begin transaction;
    {{ hooks_sql(pre_hooks) }}
    {% if relation is not none -%}
        drop {{ relation.type }} {{ relation }};
    {%- endif %}
    {{ create | trim | trim(";") }};
    {{ hooks_sql(post_hooks) }}
    commit;
{%- endmacro %}

{% macro hooks_sql(hooks) -%}
    {%- for hook in hooks | selectattr("transaction") %}
        {{ render(hook.get("sql")) | trim | trim(";") }};
    {%- endfor %}
{%- endmacro %}

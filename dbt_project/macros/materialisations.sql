{#- The table and view materializations on DuckDB: the model's relation replaced in place, in one transaction
(drop, create, commit), instead of dbt's build under a temporary name, rename of the old relation to a backup,
rename of the new one and drop of the backup after the commit. Each of those is an adapter macro call, whose
Python (a macro context built, events fired) holds the interpreter lock that dbt's threads share: ~2 s of the
build at scale 1. The transaction keeps what the swap gave: a failed model is rolled back and leaves the
previous relation. Hooks and model contracts as in dbt-duckdb's; no grants, indexes, persisted docs,
partitioning, foreign keys or DuckLake: the project uses none. -#}
{% materialization table, adapter="duckdb", supported_languages=["sql", "python"] %}
    {%- set language = model["language"] -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type="table") -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% if language == "python" %}
        {#- dbt-duckdb writes a Python model's frame through a cursor of its own, outside this transaction: built
        under the temporary name, then the old table dropped and the new one renamed in the transaction -#}
        {%- set build_relation = make_intermediate_relation(target_relation) -%}
        {{ drop_relation_if_exists(load_cached_relation(build_relation)) }}
        {% call statement("main", language="python") -%}
            {{- create_table_as(False, build_relation, compiled_code, "python") }}
        {%- endcall %}
        {{ drop_existing(existing_relation) }}
        {% call statement("rename_built") -%}
            alter table {{ build_relation }} rename to {{ adapter.quote_as_configured(target_relation.identifier, "identifier") }}
        {%- endcall %}
    {% else %}
        {{ drop_existing(existing_relation) }}
        {% call statement("main") -%}
            {{- create_table_as(False, target_relation, compiled_code) }}
        {%- endcall %}
    {% endif %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type="view") -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {{ drop_existing(existing_relation) }}
    {% call statement("main") -%}
        {{ get_create_view_as_sql(target_relation, sql) }}
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}

{% macro drop_existing(relation) %}
    {#- in the model's transaction (a statement opens it) -#}
    {% if relation is not none %}
        {% call statement("drop_existing") -%}
            drop {{ relation.type }} {{ relation }}
        {%- endcall %}
    {% endif %}
{% endmacro %}

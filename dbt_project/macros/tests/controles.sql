{#- Generic data test: a model's checks of its own rows in one node. dbt's cost per test node (~35-45 ms of
    CPU, plus three Dagster events, against ~2 ms for the query) made its 163 one-check tests the bulk of the
    build's nodes. Each argument keeps the semantics of the test it replaces:
    - non_nuls: [columns]                      not_null
    - unique: [columns]                        dbt's unique (nulls are not compared)
    - combinaisons_uniques: [[columns], ...]   no two rows share the combination (nulls compare equal)
    - valeurs: {column: [values]}              dbt's accepted_values (nulls pass)
    - codes: {column: liste}                   the value is a code of the contract's list `liste` (labels
                                               written at ingestion from expectations/contracts/codes.yml)
    - references: {column: {to, field}}        dbt's relationships (nulls pass)
    One row per failure: the check, the column(s), the value at fault and its row count. -#}
{% test controles(model, non_nuls=[], unique=[], combinaisons_uniques=[], valeurs={}, codes={}, references={}) %}
{%- set parts = [] -%}
{%- if non_nuls -%}
    {%- do parts.append(_controle_non_nuls(model, non_nuls)) -%}
{%- endif -%}
{%- for c in unique -%}
    {%- do parts.append(_controle_doublons(model, [c], 'valeur en double', 'where "' ~ c ~ '" is not null')) -%}
{%- endfor -%}
{%- for cs in combinaisons_uniques -%}
    {%- do parts.append(_controle_doublons(model, cs, 'combinaison en double')) -%}
{%- endfor -%}
{%- for c, vals in valeurs.items() -%}
    {%- set admises = "'" ~ (vals | join("', '")) ~ "'" -%}
    {%- do parts.append(_controle_valeurs(model, c, 'valeur non admise', 'not in (' ~ admises ~ ')')) -%}
{%- endfor -%}
{%- for c, liste in codes.items() -%}
    {%- set la_liste = "select code from " ~ ref('stg_observatoire__codes') ~ " where liste = '" ~ liste ~ "'" -%}
    {%- do parts.append(_controle_valeurs(model, c, 'code hors liste', 'not in (' ~ la_liste ~ ')')) -%}
{%- endfor -%}
{%- for c, r in references.items() -%}
    {%- set absente = 'not in (select "' ~ r.field ~ '" from ' ~ r.to ~ ' where "' ~ r.field ~ '" is not null)' -%}
    {%- do parts.append(_controle_valeurs(model, c, 'référence absente', absente)) -%}
{%- endfor -%}
{{ parts | join('\nunion all\n') }}
{% endtest %}

{% macro _controle_non_nuls(model, columns) -%}
(
    select 'valeur nulle' as controle, colonne, null::varchar as valeur, lignes
    from (
        select
            {%- for c in columns %}
            count(*) filter (where "{{ c }}" is null) as "{{ c }}"{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }}
    ) unpivot (lignes for colonne in ("{{ columns | join('", "') }}"))
    where lignes > 0
)
{%- endmacro %}

{% macro _controle_doublons(model, columns, controle, ou='') -%}
(
    select
        '{{ controle }}' as controle,
        '{{ columns | join(", ") }}' as colonne,
        concat_ws(' | ', "{{ columns | join('", "') }}") as valeur,
        count(*) as lignes
    from {{ model }}
    {{ ou }}
    group by "{{ columns | join('", "') }}"
    having count(*) > 1
)
{%- endmacro %}

{% macro _controle_valeurs(model, column, controle, condition) -%}
(
    select '{{ controle }}' as controle, '{{ column }}' as colonne, "{{ column }}"::varchar as valeur, count(*) as lignes
    from {{ model }}
    where "{{ column }}" is not null and "{{ column }}" {{ condition }}
    group by all
)
{%- endmacro %}

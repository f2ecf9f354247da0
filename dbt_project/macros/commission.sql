{#- Commission and CAL family (INDICATORS.md C1-C4, S1). -#}

{#- The modalite of a row: the key=value parts in the key order of INDICATORS.md, 'ensemble' when none.
    Pass the parts already ordered (empty strings and nulls are skipped). -#}
{% macro com_modalite(parts) -%}
    coalesce(nullif(concat_ws(',', {% for p in parts %}nullif({{ p }}, ''){% if not loop.last %}, {% endif %}{% endfor %}), ''), 'ensemble')
{%- endmacro %}

{#- Aggregates the facts (one row per observation: num, den, x) of the level `niveau`, grouped by `code` and,
    when `par_typologie`, by the dwelling's type. -#}
{% macro com_agreger(faits, niveau, code, par_typologie=false) -%}
    select
        indicateur, annee, trimestre, '{{ niveau }}' as niveau,
        {{ code }} as code_geo,
        {% if par_typologie %}typologie{% else %}''{% endif %} as typologie,
        cle,
        sum(num) as num, sum(den) as den,
        quantile_cont(x, 0.5) as mediane, count(x) as n_obs
    from {{ faits }}
    where {{ code }} is not null{% if par_typologie %} and typologie is not null{% endif %}
    group by all
{%- endmacro %}

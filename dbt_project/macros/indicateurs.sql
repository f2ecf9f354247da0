{#- The columns of fct_indicateurs (INDICATORS.md, Appendix A encoding), in order, with their types:
    every int_indicateurs_<famille> model selects exactly these. -#}
{% macro colonnes_indicateurs() -%}
    annee, trimestre, niveau_geo, code_geo, libelle_geo, indicateur, modalite, valeur, numerateur, denominateur, statut
{%- endmacro %}

{#- An empty result with the long table's columns and types. -#}
{% macro indicateurs_vides() -%}
    select
        null::integer as annee, null::integer as trimestre, null::varchar as niveau_geo, null::varchar as code_geo,
        null::varchar as libelle_geo, null::varchar as indicateur, null::varchar as modalite, null::double as valeur,
        null::double as numerateur, null::double as denominateur, null::varchar as statut
    where false
{%- endmacro %}

{#- The encoding of one row by nature (INDICATORS.md, Appendix A), over a grouped relation with the long
    table's keys. -#}

{#- A share or ratio row: valeur = num / den when den >= seuil, else non_calculable (null valeur);
    `non_calculable_si` adds a condition (no snapshot, typology C...). -#}
{% macro ligne_ratio(indicateur, num, den, seuil=1, non_calculable_si='false') -%}
    annee, trimestre, niveau_geo, code_geo, libelle_geo,
    '{{ indicateur }}' as indicateur,
    modalite,
    case when not ({{ non_calculable_si }}) and {{ den }} >= {{ seuil }} then {{ num }}::double / {{ den }} end as valeur,
    ({{ num }})::double as numerateur,
    ({{ den }})::double as denominateur,
    case when not ({{ non_calculable_si }}) and {{ den }} >= {{ seuil }} then 'ok' else 'non_calculable' end as statut
{%- endmacro %}

{#- A count row: valeur = numerateur = the count (0 when no event), ok unless `non_calculable_si`. -#}
{% macro ligne_compte(indicateur, compte, non_calculable_si='false') -%}
    annee, trimestre, niveau_geo, code_geo, libelle_geo,
    '{{ indicateur }}' as indicateur,
    modalite,
    case when not ({{ non_calculable_si }}) then ({{ compte }})::double end as valeur,
    case when not ({{ non_calculable_si }}) then ({{ compte }})::double end as numerateur,
    null::double as denominateur,
    case when not ({{ non_calculable_si }}) then 'ok' else 'non_calculable' end as statut
{%- endmacro %}

{#- A median or mean row: denominateur = number of observations; none -> non_calculable. -#}
{% macro ligne_statistique(indicateur, statistique, n, non_calculable_si='false') -%}
    annee, trimestre, niveau_geo, code_geo, libelle_geo,
    '{{ indicateur }}' as indicateur,
    modalite,
    case when not ({{ non_calculable_si }}) and {{ n }} > 0 then {{ statistique }} end as valeur,
    null::double as numerateur,
    ({{ n }})::double as denominateur,
    case when not ({{ non_calculable_si }}) and {{ n }} > 0 then 'ok' else 'non_calculable' end as statut
{%- endmacro %}

{#- A mean that does not depend on the order DuckDB's threads add values in: a plain avg of doubles differs
    in its last digits from run to run, and a re-run on the same data must publish the same figures. -#}
{% macro moyenne(expr) -%}
    avg({{ expr }} order by {{ expr }})
{%- endmacro %}

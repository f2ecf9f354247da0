{#- The columns of fct_indicateurs (INDICATORS.md, Appendix A encoding), in order: the published table
    selects exactly these from int_indicateurs (which adds the reason of each row that is not ok). -#}
{% macro colonnes_indicateurs() -%}
    annee, trimestre, niveau_geo, code_geo, libelle_geo, indicateur, modalite, valeur, numerateur, denominateur, statut
{%- endmacro %}

{#- A mean that does not depend on the order DuckDB's threads add values in: a plain avg of doubles differs
    in its last digits from run to run, and a re-run on the same data must publish the same figures. -#}
{% macro moyenne(expr) -%}
    avg({{ expr }} order by {{ expr }})
{%- endmacro %}

{#- Social stock family (P1–P4, R1): the réservataire of a dwelling from its RPLS CONTRESLOG contingent
    (1 État fonctionnaires → PFONCT, 2 and 5 État prioritaires / conventions → PPRIOR, 3 Action Logement →
    COLACT, 4 collectivités → COLTER, 6 autres → AUTRES, 7 non réservé → AUCUN). -#}
{% macro reservataire_de_contreslog(col) -%}
    case {{ col }}
        when '1' then 'PFONCT' when '2' then 'PPRIOR' when '3' then 'COLACT' when '4' then 'COLTER'
        when '5' then 'PPRIOR' when '6' then 'AUTRES' when '7' then 'AUCUN'
    end
{%- endmacro %}

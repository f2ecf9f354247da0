{#- Social stock family (P1–P4, R1): the réservataire of a dwelling from its RPLS CONTRESLOG contingent
    (reference/codes.md: 1 État fonctionnaires and 5 réservations État par convention → PFONCT, 2 État
    prioritaires → PPRIOR, 3 Action Logement → COLACT, 4 collectivités → COLTER, 6 autres → AUTRES, 7 non
    réservé → AUCUN). -#}
{% macro reservataire_de_contreslog(col) -%}
    case {{ col }}
        when '1' then 'PFONCT' when '2' then 'PPRIOR' when '3' then 'COLACT' when '4' then 'COLTER'
        when '5' then 'PFONCT' when '6' then 'AUTRES' when '7' then 'AUCUN'
    end
{%- endmacro %}

{#- Typology conventions of INDICATORS.md: order C < T1 < ... < T5 < T6P; a dwelling's type is its rooms
    (T6 and more -> T6P); a demand counts on the smallest type it wishes. -#}
{% macro typologie_logement(col) -%}
    case when {{ col }} in ('T1', 'T2', 'T3', 'T4', 'T5') then {{ col }} when {{ col }} is not null then 'T6P' end
{%- endmacro %}

{% macro typologie_de_pieces(nbpiece) -%}
    case when {{ nbpiece }} >= 6 then 'T6P' when {{ nbpiece }} >= 1 then 'T' || {{ nbpiece }} end
{%- endmacro %}

{% macro plus_petite_typologie(list_col) -%}
    (['C', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6P'])[1 + list_min(list_transform({{ list_col }}, lambda x:
        case x when 'C' then 0 when 'T1' then 1 when 'T2' then 2 when 'T3' then 3 when 'T4' then 4
               when 'T5' then 5 when 'T6P' then 6 end))]
{%- endmacro %}

{#- Consumption units, modified OECD scale (CONTRACTS.md §1). -#}
{% macro unites_consommation(nb_personnes, nb_enfants) -%}
    (1 + 0.5 * ({{ nb_personnes }} - 1 - {{ nb_enfants }}) + 0.3 * {{ nb_enfants }})
{%- endmacro %}

{#- Months between two dates (INDICATORS.md: days / 30.4375). -#}
{% macro mois_entre(debut, fin) -%}
    (date_diff('day', {{ debut }}, {{ fin }}) / 30.4375)
{%- endmacro %}

{#- Typology conventions of INDICATORS.md: a dwelling's type is its rooms (T6 and more -> T6P); a demand counts
    on the smallest type it wishes. -#}
{% macro typologie_logement(col) -%}
    case when {{ col }} in ('T1', 'T2', 'T3', 'T4', 'T5') then {{ col }} when {{ col }} is not null then 'T6P' end
{%- endmacro %}

{% macro typologie_de_pieces(nbpiece) -%}
    case when {{ nbpiece }} >= 6 then 'T6P' when {{ nbpiece }} >= 1 then 'T' || {{ nbpiece }} end
{%- endmacro %}

{#- The smallest type of a list of wished types, in the order of the contract's list typologie_demande
    (C < T1 < ... < T6P); a code outside the list is ignored. -#}
{% macro plus_petite_typologie(list_col) -%}
    (
        select arg_min(c.code, c.ordre)
        from unnest({{ list_col }}) as souhait (typologie)
        inner join {{ ref('stg_observatoire__codes') }} as c
            on c.liste = 'typologie_demande' and c.code = souhait.typologie
    )
{%- endmacro %}

{#- Consumption units, modified OECD scale (CONTRACTS.md §1). -#}
{% macro unites_consommation(nb_personnes, nb_enfants) -%}
    (1 + 0.5 * ({{ nb_personnes }} - 1 - {{ nb_enfants }}) + 0.3 * {{ nb_enfants }})
{%- endmacro %}

{#- Months between two dates (INDICATORS.md: days / 30.4375). -#}
{% macro mois_entre(debut, fin) -%}
    (date_diff('day', {{ debut }}, {{ fin }}) / 30.4375)
{%- endmacro %}

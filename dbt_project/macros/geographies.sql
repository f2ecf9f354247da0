{#- The geographies of the indicators (int_geographies); the EPCI's identity is the seed `epci`. -#}

{#- The EPCI's SIREN (code_geo of the EPCI rows), read from the seed: a scalar subquery, usable wherever
    a literal was. -#}
{% macro epci_siren() -%}
    (select siren from {{ ref('epci') }})
{%- endmacro %}

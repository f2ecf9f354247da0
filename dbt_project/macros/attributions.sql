{#- Helpers of the attribution family (int_indicateurs_attributions); its row encodings are in indicateurs.sql. -#}

{#- The territorial row keys a fact counts under, as {niveau_geo, code_geo, modalite} structs of an unnest
    list: EPCI, commune (the column `commune`) and its sector (column code_secteur), each overall and by
    the fact's `typologie`. The attributions add their own keys beside these (QPV, réservataire...). -#}
{% macro att_cles_territoires(commune) -%}
    {'niveau_geo': 'EPCI', 'code_geo': {{ epci_siren() }}, 'modalite': 'ensemble'},
    {'niveau_geo': 'EPCI', 'code_geo': {{ epci_siren() }}, 'modalite': 'typologie=' || typologie},
    {'niveau_geo': 'COMMUNE', 'code_geo': {{ commune }}, 'modalite': 'ensemble'},
    {'niveau_geo': 'COMMUNE', 'code_geo': {{ commune }}, 'modalite': 'typologie=' || typologie},
    {'niveau_geo': 'SECTEUR', 'code_geo': code_secteur, 'modalite': 'ensemble'},
    {'niveau_geo': 'SECTEUR', 'code_geo': code_secteur, 'modalite': 'typologie=' || typologie}
{%- endmacro %}

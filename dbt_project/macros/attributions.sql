{#- Helpers of the attribution family (int_indicateurs_attributions). -#}

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

{#- Demand-side indicators (INDICATORS.md D1-D11, I2): shared pieces of the int_ind_demande_* models. -#}

{#- Active demands of each quarter's snapshot (the quarter's date_extraction), with t = the quarter's last
    day; `dans_epci`: only those whose 1st choice is one of the EPCI's communes. -#}
{% macro dem_actives(dans_epci=false) -%}
    select
        t.annee,
        t.trimestre,
        t.fin,
        d.id_demande,
        d.commune_choix1 as commune,
        d.typologie,
        d.mutation,
        d.date_depot,
        d.communes_souhaitees,
        d.commune_residence,
        d.commune_travail,
        d.cotation
    from {{ ref('int_trimestres') }} t
    inner join {{ ref('int_demandes_enrichies') }} d on d.date_extraction = t.date_extraction
    {%- if dans_epci %}
    inner join {{ ref('int_geographies') }} g on g.niveau_geo = 'COMMUNE' and g.code_geo = d.commune_choix1
    {%- endif %}
{%- endmacro %}

{#- Boolean as a modalite value (contract spelling OUI / NON). -#}
{% macro dem_oui_non(col) -%}
    case when {{ col }} then 'OUI' else 'NON' end
{%- endmacro %}

{#- The prefectoral "délai anormalement long" (dbt var `delai_anormalement_long`, typology -> months) as
    rows (typologie, delai_mois); unset, empty or a typology not given -> no row (never a made-up value). The
    settings check the typologies against the contract's code list (assets/settings.py). -#}
{% macro dem_delais() -%}
    {%- set delais = var('delai_anormalement_long', {}) -%}
    {%- if delais is string -%}{%- set delais = fromjson(delais) if delais | trim else {} -%}{%- endif -%}
    {%- set lignes = [] -%}
    {%- if delais is mapping -%}
        {%- for typo, mois in delais.items() -%}
            {%- if mois is not none and (mois | string | trim) != '' -%}
                {%- set ligne = "select '" ~ typo ~ "' as typologie, " ~ (mois | float) ~ "::double as delai_mois" -%}
                {%- do lignes.append(ligne) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if lignes -%}
        {{ lignes | join(' union all ') }}
    {%- else -%}
        select null::varchar as typologie, null::double as delai_mois where false
    {%- endif -%}
{%- endmacro %}

{#- The seniority bands of D7_tranche (INDICATORS.md: [0,1) [1,2) [2,3) [3,5) [5,∞) years), by calendar years
    before t, as (code, lower bound in years): the one place they are listed. -#}
{% macro dem_bornes_tranches() -%}
    {{ return([('0-1', 0), ('1-2', 1), ('2-3', 2), ('3-5', 3), ('5+', 5)]) }}
{%- endmacro %}

{#- The band of a deposit date at t. -#}
{% macro dem_tranche(date_depot, t) -%}
    {%- set bandes = dem_bornes_tranches() %}
    case
        {%- for code, debut in (bandes[1:] | reverse) %}
        when {{ date_depot }} <= {{ t }} - interval {{ debut }} year then '{{ code }}'
        {%- endfor %}
        else '{{ bandes[0][0] }}'
    end
{%- endmacro %}

{#- The bands as the encoder's modality `tranche`. -#}
{% macro domaine_tranches() -%}
    select null::varchar as indicateur, 'tranche' as dimension, unnest([
        {%- for code, _ in dem_bornes_tranches() %}'{{ code }}'{{ ', ' if not loop.last }}{% endfor -%}
    ]) as valeur, null::varchar as libelle, null::varchar as raison, null::integer as annee,
        null::integer as trimestre
{%- endmacro %}

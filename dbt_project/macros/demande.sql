{#- Demand-side indicators (INDICATORS.md D1-D11, I2): shared pieces of the int_dem_* models. -#}

{#- The geographic levels of a fact CTE (one row per counted unit, with `commune`, and `typologie` when
    `avec_typologie`): EPCI overall, EPCI x typology, commune overall, commune x typology (INDICATORS.md,
    "Rows"). `extra_epci` adds EPCI x one more dimension: an SQL expression giving the modalite. Every fact
    must already be restricted to the EPCI (1st choice in one of its communes). -#}
{% macro dem_niveaux(faits, avec_typologie=true, extra_epci=none, suffixe=none) -%}
    {%- set suf = (" || ',' || " ~ suffixe) if suffixe else "" -%}
    {%- set seul = suffixe if suffixe else "'ensemble'" -%}
    select 'EPCI' as niveau_geo, {{ epci_siren() }} as code_geo, {{ seul }} as modalite, f.* from {{ faits }} f
    union all
    select 'COMMUNE' as niveau_geo, f.commune as code_geo, {{ seul }} as modalite, f.* from {{ faits }} f
    {%- if avec_typologie %}
    union all
    select 'EPCI' as niveau_geo, {{ epci_siren() }} as code_geo, 'typologie=' || f.typologie{{ suf }} as modalite, f.*
    from {{ faits }} f
    union all
    select 'COMMUNE' as niveau_geo, f.commune as code_geo, 'typologie=' || f.typologie{{ suf }} as modalite, f.*
    from {{ faits }} f
    {%- endif %}
    {%- if extra_epci %}
    union all
    select 'EPCI' as niveau_geo, {{ epci_siren() }} as code_geo, {{ extra_epci }} as modalite, f.* from {{ faits }} f
    {%- endif %}
{%- endmacro %}

{#- Active demands of each quarter's snapshot (the quarter's date_extraction), 1st choice in the EPCI,
    with t = the quarter's last day. -#}
{% macro dem_actives() -%}
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
{%- endmacro %}

{#- Boolean as a modalite value (contract spelling OUI / NON). -#}
{% macro dem_oui_non(col) -%}
    case when {{ col }} then 'OUI' else 'NON' end
{%- endmacro %}

{#- The prefectoral "délai anormalement long" (dbt var `delai_anormalement_long`, typology -> months) as
    rows (typologie, delai_mois); unset, empty or a typology not given -> no row (never a made-up value). -#}
{% macro dem_delais() -%}
    {%- set delais = var('delai_anormalement_long', {}) -%}
    {%- if delais is string -%}{%- set delais = fromjson(delais) if delais | trim else {} -%}{%- endif -%}
    {%- set lignes = [] -%}
    {%- if delais is mapping -%}
        {%- for typo, mois in delais.items() -%}
            {%- if typo in ['C', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6P'] and mois is not none and (mois | string | trim) != '' -%}
                {%- do lignes.append("select '" ~ typo ~ "' as typologie, " ~ (mois | float) ~ "::double as delai_mois") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if lignes -%}
        {{ lignes | join(' union all ') }}
    {%- else -%}
        select null::varchar as typologie, null::double as delai_mois where false
    {%- endif -%}
{%- endmacro %}

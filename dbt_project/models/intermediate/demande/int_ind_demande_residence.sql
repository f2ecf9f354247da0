-- Where applicants live (INDICATORS.md D11), for the active demands of the quarter's snapshot whose 1st
-- choice is in the EPCI: D11 by commune of residence, D11_travail by commune of work (where known), both
-- restricted to EPCI communes (EPCI row = those living / working in the EPCI); D11_flux the residence ->
-- 1st-choice matrix (code_geo = residence, modalite choix=<INSEE of the 1st choice>; the EPCI row per
-- choice = demands for it living in the EPCI, so exogenous demand = D1 of the commune − that row).
with actives_epci as (
    {{ dem_actives(dans_epci=true) }}
),

communes as (
    select code_geo as commune from {{ ref('int_geographies') }}
    where niveau_geo = 'COMMUNE'
),

-- only the EPCI's communes of residence and work: the EPCI row counts those living (working) in the EPCI
faits as (
    select annee, trimestre, 'D11' as indicateur, commune_residence as commune, null as choix
    from actives_epci
    where commune_residence in (select commune from communes)
    union all
    select annee, trimestre, 'D11_flux', commune_residence, commune
    from actives_epci
    where commune_residence in (select commune from communes)
    union all
    select annee, trimestre, 'D11_travail', commune_travail, null
    from actives_epci
    where commune_travail in (select commune from communes)
),

domaines as (
    {{ domaines_territoires() }}
    union all
    select 'D11_flux', 'choix', valeur, libelle, raison, annee, trimestre
    from ({{ domaines_territoires() }})
    where dimension = 'commune'
),

raisons as (
    {{ raisons_sans_extraction(['D11', 'D11_flux', 'D11_travail']) }}
),

{{ encoder_indicateurs(['D11', 'D11_flux', 'D11_travail'], raisons='raisons', dimensions=['commune', 'choix']) }}

select * from enc_final

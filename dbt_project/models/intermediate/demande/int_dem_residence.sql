-- Where applicants live (INDICATORS.md D11), for the active demands of the quarter's snapshot whose 1st
-- choice is in the EPCI: D11 by commune of residence, D11_travail by commune of work (where known), both
-- restricted to EPCI communes (EPCI row = those living / working in the EPCI); D11_flux the residence ->
-- 1st-choice matrix (code_geo = residence, modalite choix=<INSEE of the 1st choice>; the EPCI row per
-- choice = demands for it living in the EPCI, so exogenous demand = D1 of the commune − that row).
with actives as (
    {{ dem_actives() }}
),

communes as (
    select code_insee from {{ ref('communes') }}
),

actives_epci as (
    select * from actives where commune in (select code_insee from communes)
),

residence as (
    select annee, trimestre, commune_residence as commune, commune as commune_choix
    from actives_epci
    where commune_residence in (select code_insee from communes)
),

travail as (
    select annee, trimestre, commune_travail as commune
    from actives_epci
    where commune_travail in (select code_insee from communes)
),

comptes as (
    select annee, trimestre, niveau_geo, code_geo, 'D11' as indicateur, modalite, count(*) as n
    from ({{ dem_niveaux('residence', avec_typologie=false) }})
    group by all
    union all
    select annee, trimestre, niveau_geo, code_geo, 'D11_travail', modalite, count(*)
    from ({{ dem_niveaux('travail', avec_typologie=false) }})
    group by all
    union all
    select annee, trimestre, niveau_geo, code_geo, 'D11_flux', modalite, count(*)
    from ({{ dem_niveaux('residence', avec_typologie=false, suffixe="'choix=' || f.commune_choix") }})
    where modalite <> 'ensemble'
    group by all
),

final as (
    select annee, trimestre, niveau_geo, code_geo, indicateur, modalite,
        n::double as valeur, n::double as numerateur, null::double as denominateur, 'ok' as statut
    from comptes
)

select * from final

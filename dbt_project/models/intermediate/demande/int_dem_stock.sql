-- Stock of active demands at each quarter's snapshot (INDICATORS.md D1, D10): D1 on the 1st-choice commune
-- (EPCI overall, x typology, x mutation; commune overall, x typology), D1_toutes_communes (a demand counts
-- once in every EPCI commune it wishes, whatever its 1st choice; commune rows only: not summable, and a
-- demand whose 1st choice is outside the EPCI belongs to no EPCI row), D10_demandes = mutations / D1. Only groups with demands appear: int_indicateurs_demande fills
-- the rest of the grid.
with actives as (
    {{ dem_actives() }}
),

communes as (
    select code_insee from {{ ref('communes') }}
),

actives_epci as (
    select * from actives where commune in (select code_insee from communes)
),

d1 as (
    select annee, trimestre, niveau_geo, code_geo, modalite, count(*) as n
    from (
        {{ dem_niveaux('actives_epci', extra_epci="'mutation=' || " ~ dem_oui_non('f.mutation')) }}
    )
    group by all
),

-- every EPCI commune a demand wishes, once (a commune listed twice counts once)
voeux as (
    select distinct a.annee, a.trimestre, a.id_demande, a.typologie, v.commune
    from actives a, unnest(a.communes_souhaitees) as v(commune)
    where v.commune in (select code_insee from communes)
),

toutes_communes as (
    select annee, trimestre, 'COMMUNE' as niveau_geo, commune as code_geo, 'ensemble' as modalite, count(*) as n
    from voeux group by all
    union all
    select annee, trimestre, 'COMMUNE', commune, 'typologie=' || typologie, count(*)
    from voeux group by all
),

d10 as (
    select annee, trimestre, niveau_geo, code_geo, modalite,
        count(*) filter (where mutation) as numerateur, count(*) as denominateur
    from ({{ dem_niveaux('actives_epci', avec_typologie=false) }})
    group by all
),

final as (
    select annee, trimestre, niveau_geo, code_geo, 'D1' as indicateur, modalite,
        n::double as valeur, n::double as numerateur, null::double as denominateur, 'ok' as statut
    from d1
    union all
    select annee, trimestre, niveau_geo, code_geo, 'D1_toutes_communes', modalite,
        n::double, n::double, null::double, 'ok'
    from toutes_communes
    union all
    select annee, trimestre, niveau_geo, code_geo, 'D10_demandes', modalite,
        numerateur / denominateur, numerateur::double, denominateur::double, 'ok'
    from d10
)

select * from final

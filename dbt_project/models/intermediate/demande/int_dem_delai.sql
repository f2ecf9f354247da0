-- Abnormally long waits (INDICATORS.md D9): active demands of the quarter's snapshot strictly older than
-- the prefectoral "délai anormalement long" of their typology (dbt var delai_anormalement_long, typology ->
-- months; months = days / 30.4375 from date_depot to t, the quarter's last day) ÷ D1. A group holding a
-- demand whose typology has no délai (var unset, or typology missing from it) is non_calculable: no value
-- is ever assumed. So with a délai for T2 only, the T2 rows are computed and the overall rows are not.
with actives as (
    {{ dem_actives() }}
),

communes as (
    select code_insee from {{ ref('communes') }}
),

delais as (
    {{ dem_delais() }}
),

faits as (
    select a.*, {{ mois_entre('a.date_depot', 'a.fin') }} as mois, dl.delai_mois
    from actives a
    left join delais dl on dl.typologie = a.typologie
    where a.commune in (select code_insee from communes)
),

groupes as (
    select annee, trimestre, niveau_geo, code_geo, modalite,
        count(*) as n,
        count(*) filter (where mois > delai_mois) as n_long,
        bool_and(delai_mois is not null) as calculable
    from ({{ dem_niveaux('faits') }})
    group by all
),

final as (
    select annee, trimestre, niveau_geo, code_geo, 'D9' as indicateur, modalite,
        case when calculable then n_long / n end::double as valeur,
        case when calculable then n_long end::double as numerateur,
        case when calculable then n end::double as denominateur,
        case when calculable then 'ok' else 'non_calculable' end as statut
    from groupes
)

select * from final

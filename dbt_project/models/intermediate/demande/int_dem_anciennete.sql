-- Seniority of the active demands at t, the quarter's last day (INDICATORS.md D7, D9): months = days / 30.4375
-- from date_depot to t; "≥ 5 years" = date_depot ≤ t − 5 years; bands [0,1) [1,2) [2,3) [3,5) [5,∞) years
-- on calendar years the same way (codes 0-1, 1-2, 2-3, 3-5, 5+); D7_tranche is the band's count of demands
-- (a count, summable over bands to D1; expectations/indicateurs.yml declares it `compte`).
with actives as (
    {{ dem_actives() }}
),

communes as (
    select code_insee from {{ ref('communes') }}
),

faits as (
    select
        a.*,
        {{ mois_entre('a.date_depot', 'a.fin') }} as mois,
        a.date_depot <= a.fin - interval 5 year as plus_5ans,
        case
            when a.date_depot > a.fin - interval 1 year then '0-1'
            when a.date_depot > a.fin - interval 2 year then '1-2'
            when a.date_depot > a.fin - interval 3 year then '2-3'
            when a.date_depot > a.fin - interval 5 year then '3-5'
            else '5+'
        end as tranche
    from actives a
    where a.commune in (select code_insee from communes)
),

niveaux as (
    {{ dem_niveaux('faits') }}
),

groupes as (
    select annee, trimestre, niveau_geo, code_geo, modalite,
        count(*) as n,
        quantile_cont(mois, 0.5) as mediane,
        {{ moyenne('mois') }} as moyenne,
        count(*) filter (where plus_5ans) as n_5ans
    from niveaux
    group by all
),

tranches as (
    select n.annee, n.trimestre, n.niveau_geo, n.code_geo,
        case when n.modalite = 'ensemble' then '' else n.modalite || ',' end || 'tranche=' || n.tranche as modalite,
        count(*) as n_tranche
    from niveaux n
    group by all
),

final as (
    select annee, trimestre, niveau_geo, code_geo, 'D7_median' as indicateur, modalite,
        mediane as valeur, null::double as numerateur, n::double as denominateur, 'ok' as statut
    from groupes
    union all
    select annee, trimestre, niveau_geo, code_geo, 'D7_moyenne', modalite, moyenne, null, n, 'ok' from groupes
    union all
    select annee, trimestre, niveau_geo, code_geo, 'D7_part_5ans', modalite, n_5ans / n, n_5ans, n, 'ok'
    from groupes
    union all
    select annee, trimestre, niveau_geo, code_geo, 'D7_tranche', modalite, n_tranche, n_tranche, null, 'ok'
    from tranches
)

select * from final

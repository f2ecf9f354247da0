-- Scores of similar demands (INDICATORS.md I2): quartiles (continuous) of the cotation of the active demands
-- of the quarter's snapshot, on the 1st-choice commune x typology; denominateur = demands with a score.
with actives as (
    {{ dem_actives() }}
),

communes as (
    select code_insee from {{ ref('communes') }}
),

faits as (
    select * from actives
    where commune in (select code_insee from communes) and cotation is not null
),

groupes as (
    select annee, trimestre, niveau_geo, code_geo, modalite,
        count(*) as n,
        quantile_cont(cotation, 0.25) as q1,
        quantile_cont(cotation, 0.5) as mediane,
        quantile_cont(cotation, 0.75) as q3
    from ({{ dem_niveaux('faits') }})
    group by all
),

final as (
    select annee, trimestre, niveau_geo, code_geo, 'I2_q1' as indicateur, modalite,
        q1::double as valeur, null::double as numerateur, n::double as denominateur, 'ok' as statut
    from groupes
    union all
    select annee, trimestre, niveau_geo, code_geo, 'I2_mediane', modalite, mediane, null, n, 'ok' from groupes
    union all
    select annee, trimestre, niveau_geo, code_geo, 'I2_q3', modalite, q3, null, n, 'ok' from groupes
)

select * from final

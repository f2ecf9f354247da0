-- Demand-side indicators in the long table's encoding (INDICATORS.md D1-D4, D7, D9-D11, I2): the figures
-- of the int_dem_* models on a complete grid, so every quarter has the same rows. A cell with no figure:
-- a count -> 0 (ok); a share, median, mean or quartile -> non_calculable (no observation). Snapshot
-- figures of a quarter without a snapshot (date_extraction null) -> non_calculable, valeur null.
with trimestres as (
    select annee, trimestre, date_extraction is not null as avec_cliche from {{ ref('int_trimestres') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo from {{ ref('int_geographies') }}
),

figures as (
    select * from {{ ref('int_dem_stock') }}
    union all
    select * from {{ ref('int_dem_flux') }}
    union all
    select * from {{ ref('int_dem_anciennete') }}
    union all
    select * from {{ ref('int_dem_delai') }}
    union all
    select * from {{ ref('int_dem_cotation') }}
    union all
    select * from {{ ref('int_dem_residence') }}
),

-- indicator, kind (comptage / autre), snapshot figure, grid shape
indicateurs as (
    select * from (values
        ('D1', 'comptage', true, 'typologie'),
        ('D1_toutes_communes', 'comptage', true, 'typologie'),
        ('D2', 'comptage', false, 'typologie'),
        ('D3', 'comptage', false, 'ensemble'),
        ('D4', 'comptage', false, 'motif'),
        ('D7_median', 'autre', true, 'typologie'),
        ('D7_moyenne', 'autre', true, 'typologie'),
        ('D7_part_5ans', 'autre', true, 'typologie'),
        ('D7_tranche', 'comptage', true, 'tranche'),
        ('D9', 'autre', true, 'typologie'),
        ('D10_demandes', 'autre', true, 'ensemble'),
        ('D11', 'comptage', true, 'ensemble'),
        ('D11_flux', 'comptage', true, 'choix'),
        ('D11_travail', 'comptage', true, 'ensemble'),
        ('I2_q1', 'autre', true, 'typologie'),
        ('I2_mediane', 'autre', true, 'typologie'),
        ('I2_q3', 'autre', true, 'typologie')
    ) as v(indicateur, nature, instantane, forme)
),

geo as (
    select niveau_geo, code_geo, libelle_geo from geographies where niveau_geo in ('EPCI', 'COMMUNE')
),

typologies as (
    select unnest(['C', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6P']) as typologie
),

tranches as (
    select unnest(['0-1', '1-2', '2-3', '3-5', '5+']) as tranche
),

modalites as (
    select 'typologie' as forme, 'ensemble' as modalite
    union all
    select 'typologie', 'typologie=' || typologie from typologies
    union all
    select 'ensemble', 'ensemble'
    union all
    select 'motif', 'ensemble'
    union all
    select 'motif', 'motif=' || m from (select unnest(['RADATT', 'RADABA', 'RADCON', 'RADIRR', 'RADREN']) as m)
    union all
    select 'tranche', 'tranche=' || tranche from tranches
    union all
    select 'tranche', 'typologie=' || typologie || ',tranche=' || tranche from typologies, tranches
    union all
    select 'choix', 'choix=' || code_geo from geographies where niveau_geo = 'COMMUNE'
),

grille as (
    select t.annee, t.trimestre, t.avec_cliche, g.niveau_geo, g.code_geo, g.libelle_geo,
        i.indicateur, i.nature, i.instantane, m.modalite
    from trimestres t
    cross join indicateurs i
    inner join modalites m on m.forme = i.forme
    cross join geo g
    -- D1_toutes_communes is per commune only (not summable; no EPCI row)
    where not (i.indicateur = 'D1_toutes_communes' and g.niveau_geo = 'EPCI')
    union all
    -- D1 split mutation / hors mutation at the EPCI level
    select t.annee, t.trimestre, t.avec_cliche, g.niveau_geo, g.code_geo, g.libelle_geo,
        'D1', 'comptage', true, 'mutation=' || m
    from trimestres t, (select unnest(['NON', 'OUI']) as m), geo g
    where g.niveau_geo = 'EPCI'
),

final as (
    select
        g.annee::integer as annee,
        g.trimestre::integer as trimestre,
        g.niveau_geo::varchar as niveau_geo,
        g.code_geo::varchar as code_geo,
        g.libelle_geo::varchar as libelle_geo,
        g.indicateur::varchar as indicateur,
        g.modalite::varchar as modalite,
        case
            when g.instantane and not g.avec_cliche then null
            when f.indicateur is not null then f.valeur
            when g.nature = 'comptage' then 0
        end::double as valeur,
        case
            when g.instantane and not g.avec_cliche then null
            when f.indicateur is not null then f.numerateur
            when g.nature = 'comptage' then 0
        end::double as numerateur,
        case
            when g.instantane and not g.avec_cliche then null
            when f.indicateur is not null then f.denominateur
        end::double as denominateur,
        case
            when g.instantane and not g.avec_cliche then 'non_calculable'
            when f.indicateur is not null then f.statut
            when g.nature = 'comptage' then 'ok'
            else 'non_calculable'
        end::varchar as statut
    from grille g
    left join figures f
        on f.annee = g.annee and f.trimestre = g.trimestre and f.niveau_geo = g.niveau_geo
        and f.code_geo = g.code_geo and f.indicateur = g.indicateur and f.modalite = g.modalite
)

select * from final

-- The attribution target per year x landlord x réservataire x quota (INDICATORS.md, "Targets").
-- Precedence, for each cell: 1) the engagements_cia row of that year that matches most specifically
-- (exact landlord and exact réservataire > exact landlord with réservataire `*` > landlord `*` with exact
-- réservataire > `*`/`*`: the landlord counts more than the réservataire, the CIA committing each
-- landlord); 2) failing any matching CIA row for the cell, the legal default of the seed
-- objectifs_legaux (exact réservataire > `*`); 3) else no target (null: Q1 for PFONCT and AUTRES).
with trimestres as (
    select distinct annee from {{ ref('int_trimestres') }}
),

engagements as (
    select * from {{ ref('stg_commission__engagements_cia') }}
),

legaux as (
    select * from {{ ref('objectifs_legaux') }}
),

bailleurs as (
    select bailleur_siren from {{ ref('stg_bailleurs__bailleurs') }}
),

reservataires as (
    select code as reservataire from {{ ref('stg_observatoire__codes') }}
    where liste = 'reservataire'
),

quotas as (
    select unnest(['Q1_PRIORITAIRES', 'Q2_PREMIER_QUARTILE_HORS_QPV', 'Q3_QUARTILES_2_4_EN_QPV', 'FLUX_PART']) as quota
),

annees as (
    select annee from trimestres
    union
    select annee from engagements
),

cellules as (
    select a.annee, b.bailleur_siren, r.reservataire, q.quota
    from annees as a
    cross join bailleurs as b
    cross join reservataires as r
    cross join quotas as q
),

cia as (
    select
        c.annee, c.bailleur_siren, c.reservataire, c.quota,
        e.taux_cible,
        e.source_engagement as source,
        row_number() over (
            partition by c.annee, c.bailleur_siren, c.reservataire, c.quota
            order by (e.bailleur_siren <> '*')::int * 2 + (e.reservataire <> '*')::int desc
        ) as rang
    from cellules as c
    inner join engagements as e
        on
            c.annee = e.annee
            and c.quota = e.quota
            and e.bailleur_siren in (c.bailleur_siren, '*')
            and e.reservataire in (c.reservataire, '*')
),

defauts as (
    select
        c.annee, c.bailleur_siren, c.reservataire, c.quota,
        l.taux_cible,
        l.source,
        row_number() over (
            partition by c.annee, c.bailleur_siren, c.reservataire, c.quota
            order by (l.reservataire <> '*')::int desc
        ) as rang
    from cellules as c
    inner join legaux as l
        on
            c.quota = l.quota
            and l.reservataire in (c.reservataire, '*')
),

final as (
    select
        c.annee,
        c.bailleur_siren,
        c.reservataire,
        c.quota,
        coalesce(cia.taux_cible, defauts.taux_cible) as taux_cible,
        coalesce(cia.source, defauts.source) as source,
        case when cia.taux_cible is not null then 'CIA' when defauts.taux_cible is not null then 'LEGAL' end as origine,
        -- Q1-Q3 are minimums; FLUX_PART is the convention's share (CIA) or, by default, the legal ceiling
        case
            when cia.taux_cible is null and defauts.taux_cible is null then null
            when c.quota <> 'FLUX_PART' then 'minimum'
            when cia.taux_cible is not null then 'part_conventionnelle'
            else 'plafond'
        end as nature_objectif
    from cellules as c
    left join cia
        on
            c.annee = cia.annee and c.bailleur_siren = cia.bailleur_siren
            and c.reservataire = cia.reservataire and c.quota = cia.quota and cia.rang = 1
    left join defauts
        on
            c.annee = defauts.annee and c.bailleur_siren = defauts.bailleur_siren
            and c.reservataire = defauts.reservataire and c.quota = defauts.quota and defauts.rang = 1
)

select * from final

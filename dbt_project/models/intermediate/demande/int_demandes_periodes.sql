-- Demand spells: one row per demand (its pseudonymized numéro unique), from its deposit to the radiation
-- that ended it, or still running. A demand is followed through every snapshot that holds it and every
-- radiation of it; a radiation cancelled by a déradiation did not happen (the spell goes on). A demand
-- deposited and radiated between two snapshots has a spell known only through its radiation.
-- statut: attribuee (ended by RADATT), radiee (any other motif), active (in the latest snapshot, no
-- radiation), sortie_sans_radiation (gone from the snapshots with no radiation on record: a gap to explain).
-- The latest evidence wins: a radiation followed by a snapshot still holding the demand was undone (a
-- déradiation missing from the extracts); it does not end the spell and is flagged radiation_contredite.
-- Attributes are those of the latest observation (snapshot, else radiation); the deposit's commune and type
-- are those of the first observation, as D2 counts them. duree_mois runs from the deposit to the radiation,
-- else to the latest snapshot holding the demand.
with demandes as (
    select * from {{ ref('int_demandes_enrichies') }}
),

radiations as (
    select * from {{ ref('stg_sne__radiations') }}
),

derniere_extraction as (
    select max(date_extraction) as date_extraction from demandes
),

-- one line per observation of a demand, snapshot (source 0) before radiation (source 1) on the same day
observations as (
    select
        id_demande, date_extraction as date_observation, 0 as source, date_depot, date_renouvellement,
        commune_choix1, typologie, mutation, prioritaire_declare, dalo, nb_personnes
    from demandes
    union all
    select
        id_demande, date_radiation, 1, date_depot, date_renouvellement,
        communes_souhaitees[1], {{ plus_petite_typologie('typologies_souhaitees') }},
        logement_actuel = 'HLM',
        coalesce(statut_dalo in ('ACTIF', 'ACTREL'), false) or coalesce(len(publics_prioritaires) > 0, false),
        statut_dalo in ('ACTIF', 'ACTREL'),
        nb_personnes
    from radiations
    where not est_deradiation
),

suivi as (
    select
        id_demande,
        arg_max(date_depot, (date_observation, source)) as date_depot,
        arg_min(commune_choix1, (date_observation, source)) as commune_depot,
        arg_min(typologie, (date_observation, source)) as typologie_depot,
        arg_max(commune_choix1, (date_observation, source)) as commune_choix1,
        arg_max(typologie, (date_observation, source)) as typologie,
        arg_max(mutation, (date_observation, source)) as mutation,
        arg_max(prioritaire_declare, (date_observation, source)) as prioritaire_declare,
        arg_max(dalo, (date_observation, source)) as dalo,
        arg_max(nb_personnes, (date_observation, source)) as nb_personnes,
        count(distinct date_renouvellement) filter (where date_renouvellement > date_depot) as nb_renouvellements,
        min(date_observation) filter (where source = 0) as premiere_extraction,
        max(date_observation) filter (where source = 0) as derniere_extraction,
        count(*) filter (where source = 0) as nb_extractions
    from observations
    group by id_demande
),

-- the radiation that ends the spell unless a later snapshot contradicts it: the latest one not cancelled
derniere_radiation as (
    select id_demande, date_radiation, motif_radiation
    from radiations
    where not est_deradiation and not coalesce(annulee, false)
    qualify row_number() over (partition by id_demande order by date_radiation desc, motif_radiation asc) = 1
),

final as (
    select
        s.id_demande,
        s.date_depot,
        s.commune_depot,
        s.typologie_depot,
        s.commune_choix1,
        s.commune_choix1 in (select code_insee from {{ ref('communes') }}) as dans_epci,
        s.typologie,
        s.mutation,
        s.prioritaire_declare,
        s.dalo,
        s.nb_personnes,
        s.nb_renouvellements,
        s.premiere_extraction,
        s.derniere_extraction,
        s.nb_extractions,
        f.date_radiation as date_fin,
        f.motif_radiation as motif_fin,
        case
            when f.motif_radiation = 'RADATT' then 'attribuee'
            when f.motif_radiation is not null then 'radiee'
            when s.derniere_extraction = x.date_extraction then 'active'
            else 'sortie_sans_radiation'
        end as statut,
        s.radiation_contredite,
        {{ mois_entre('s.date_depot', 'coalesce(f.date_radiation, s.derniere_extraction)') }} as duree_mois
    from (
        select s.*, coalesce(s.derniere_extraction > r.date_radiation, false) as radiation_contredite
        from suivi as s
        left join derniere_radiation as r on s.id_demande = r.id_demande
    ) as s
    cross join derniere_extraction as x
    left join derniere_radiation as f on s.id_demande = f.id_demande and not s.radiation_contredite
)

select * from final

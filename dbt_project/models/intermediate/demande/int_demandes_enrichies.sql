-- Every demand of every snapshot with what the indicators count it by (INDICATORS.md, "Conventions"):
-- the 1st-choice commune (and whether it is in the EPCI), the smallest type wished, mutation, declared
-- priority, resources per consumption unit and the 1st-quartile test against the threshold of the
-- snapshot's year (strictly below; no threshold that year -> null).
with demandes as (
    select * from {{ ref('stg_sne__demandes') }}
),

communes as (
    select code_insee from {{ ref('communes') }}
),

seuils as (
    select annee, q1 from {{ ref('seuils_quartiles') }}
),

-- the smallest type of each distinct list of wished types: a few hundred lists for hundreds of thousands of
-- demand-snapshots (computed per row, this lookup was two thirds of the model's time)
plus_petites as (
    select listes.typologies_souhaitees, {{ plus_petite_typologie('listes.typologies_souhaitees') }} as typologie
    from (select distinct typologies_souhaitees from demandes) as listes
),

final as (
    select
        d.date_extraction,
        d.id_demande,
        d.date_depot,
        d.date_renouvellement,
        d.communes_souhaitees[1] as commune_choix1,
        d.communes_souhaitees[1] in (select code_insee from communes) as dans_epci,
        d.communes_souhaitees,
        p.typologie,
        d.logement_actuel = 'HLM' as mutation,
        coalesce(d.statut_dalo in ('ACTIF', 'ACTREL'), false)
        or coalesce(len(d.publics_prioritaires) > 0, false) as prioritaire_declare,
        d.statut_dalo in ('ACTIF', 'ACTREL') as dalo,
        d.handicap,
        d.motif_principal,
        d.logement_actuel,
        d.commune_residence,
        d.commune_travail,
        d.nb_personnes,
        d.revenu_mensuel,
        d.revenu_mensuel * 12 / {{ unites_consommation('d.nb_personnes', 'd.nb_enfants_moins_14_ans') }}
            as ressources_annuelles_uc,
        case
            when s.q1 is null or d.revenu_mensuel is null then null
            else d.revenu_mensuel * 12 / {{ unites_consommation('d.nb_personnes', 'd.nb_enfants_moins_14_ans') }} < s.q1
        end as premier_quartile,
        d.cotation,
        {{ mois_entre('d.date_depot', 'd.date_extraction') }} as anciennete_mois
    from demandes as d
    left join seuils as s on s.annee = year(d.date_extraction)
    left join plus_petites as p on d.typologies_souhaitees = p.typologies_souhaitees
)

select * from final

-- CAL attributions for the commission's monthly table (INDICATORS.md S1): one row per candidate to whom a
-- CAL's attribution decision led to an offer (the same "attribué" as C4), with the household's profile: the
-- motives of the commission's latest positioning of that household on that dwelling at or before the CAL,
-- else the household's SNE demand in the latest snapshot at or before the CAL (DALO, declared priority,
-- 1st quartile, mutation; urban renewal is only known from a positioning). 1st quartile outside QPV needs the
-- dwelling's QPV status from the stock (unknown -> not counted).
with examens as (
    select * from {{ ref('int_examens_cal') }}
    where est_offre
),

positionnements as (
    select bailleur_siren, ident_rep, id_demande, date_commission, motifs_positionnement
    from {{ ref('stg_commission__positionnements') }}
),

demandes as (
    select date_extraction, id_demande, dalo, prioritaire_declare, premier_quartile, mutation
    from {{ ref('int_demandes_enrichies') }}
),

positionnement_choisi as (
    select e.bailleur_siren, e.date_cal, e.ident_rep, e.id_demande, p.motifs_positionnement
    from examens as e
    inner join positionnements as p
        on
            e.bailleur_siren = p.bailleur_siren and e.ident_rep = p.ident_rep and e.id_demande = p.id_demande
            and e.date_cal >= p.date_commission
    qualify row_number() over (
        partition by e.bailleur_siren, e.date_cal, e.ident_rep, e.id_demande order by p.date_commission desc
    ) = 1
),

demande_choisie as (
    select
        e.bailleur_siren, e.date_cal, e.ident_rep, e.id_demande, d.dalo, d.prioritaire_declare,
        d.premier_quartile, d.mutation
    from examens as e
    inner join demandes as d on e.id_demande = d.id_demande and e.date_cal >= d.date_extraction
    qualify row_number() over (
        partition by e.bailleur_siren, e.date_cal, e.ident_rep, e.id_demande order by d.date_extraction desc
    ) = 1
),

final as (
    select
        e.bailleur_siren,
        e.date_cal,
        date_trunc('month', e.date_cal)::date as mois,
        e.ident_rep,
        e.id_demande,
        e.reservataire,
        e.qpv,
        p.motifs_positionnement is not null as positionne,
        coalesce(
            case when p.motifs_positionnement is not null then list_contains(p.motifs_positionnement, 'DALO') end,
            d.dalo, false
        ) as dalo,
        coalesce(case
            when p.motifs_positionnement is not null
                then
                    list_contains(p.motifs_positionnement, 'PRIORITAIRE')
                    or list_contains(p.motifs_positionnement, 'DALO')
        end,
        d.prioritaire_declare or d.dalo, false) as prioritaire,
        coalesce(
            case
                when p.motifs_positionnement is not null then list_contains(p.motifs_positionnement, 'PREMIER_QUARTILE')
            end,
            d.premier_quartile, false
        ) as premier_quartile,
        coalesce(
            case when p.motifs_positionnement is not null then list_contains(p.motifs_positionnement, 'MUTATION') end,
            d.mutation, false
        ) as mutation,
        coalesce(list_contains(p.motifs_positionnement, 'RELOGEMENT_RU'), false) as relogement_ru
    from examens as e
    left join positionnement_choisi as p
        on
            e.bailleur_siren = p.bailleur_siren and e.date_cal = p.date_cal
            and e.ident_rep = p.ident_rep and e.id_demande = p.id_demande
    left join demande_choisie as d
        on
            e.bailleur_siren = d.bailleur_siren and e.date_cal = d.date_cal
            and e.ident_rep = d.ident_rep and e.id_demande = d.id_demande
)

select * from final

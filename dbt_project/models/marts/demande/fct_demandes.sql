-- One row per demand (its spell, int_demandes_periodes) with the attribution that ended it: the grain an
-- analyst filters by hand (statut, 1st-choice commune, typology, priority, duration) to check a figure.
with periodes as (
    select * from {{ ref('int_demandes_periodes') }}
),

attributions as (
    select * from {{ ref('int_attributions') }}
),

final as (
    select
        p.id_demande,
        p.statut,
        p.date_depot,
        p.date_fin,
        p.motif_fin,
        p.duree_mois,
        p.commune_depot,
        p.typologie_depot,
        p.commune_choix1,
        p.dans_epci,
        p.typologie,
        p.mutation,
        p.prioritaire_declare,
        p.dalo,
        p.nb_personnes,
        p.nb_renouvellements,
        p.premiere_extraction,
        p.derniere_extraction,
        p.nb_extractions,
        p.radiation_contredite,
        a.date_signature_bail,
        a.bailleur_siren as bailleur_attribution,
        a.commune_logement as commune_attribution,
        a.typologie as typologie_attribuee,
        a.reservataire as reservataire_attribution
    from periodes as p
    left join
        attributions as a
        on p.id_demande = a.id_demande and p.date_fin = a.date_radiation and p.statut = 'attribuee'
)

select * from final

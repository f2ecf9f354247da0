-- One row per attribution (int_attributions: RADATT not cancelled), dated by its lease, on the dwelling's
-- commune and type, with the household's situation that the quotas and balances count. Incomes stay out:
-- the 1st-quartile flags (SNE, recomputed, retained) say what the indicators need.
with attributions as (
    select * from {{ ref('int_attributions') }}
),

final as (
    select
        id_demande,
        date_radiation,
        date_signature_bail,
        annee_bail,
        trimestre_bail,
        bailleur_siren,
        ident_rep,
        commune_logement,
        typologie,
        qpv,
        reservataire,
        reservataire_id,
        mutation,
        mutation_interne,
        prioritaire_attribution,
        source_priorite,
        relogement_ru,
        dalo,
        sortie_hebergement_rue,
        logement_actuel,
        commune_choix1,
        date_depot,
        attente_mois,
        premier_quartile_sne,
        premier_quartile_calcule,
        premier_quartile
    from attributions
)

select * from final

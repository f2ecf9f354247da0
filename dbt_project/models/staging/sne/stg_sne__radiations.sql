with source as (
    select * from {{ source('sne', 'sne_radiations') }}
),

final as (
    select
        _date_fichier as date_extraction,
        id_demande,
        date_radiation,
        motif_radiation,
        sous_motif,
        motif_radiation is null as est_deradiation,
        _annulee as annulee,
        date_depot,
        date_renouvellement,
        communes_souhaitees,
        typologies_souhaitees,
        age,
        nb_personnes,
        nb_enfants_moins_14_ans,
        revenu_mensuel,
        logement_actuel,
        motif_principal,
        statut_dalo,
        publics_prioritaires,
        commune_residence,
        date_signature_bail,
        bailleur_siren,
        ident_rep,
        commune_logement,
        typologie_logement,
        qpv,
        reservataire,
        reservataire_id,
        deja_locataire_bailleur,
        prioritaire_attribution,
        source_priorite,
        relogement_ru,
        premier_quartile,
        accord_collectif,
        _fichier as fichier
    from source
)

select * from final

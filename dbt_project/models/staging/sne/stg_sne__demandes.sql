with source as (
    select * from {{ source('sne', 'sne_demandes') }}
),

final as (
    select
        _date_fichier as date_extraction,
        id_demande,
        date_depot,
        date_renouvellement,
        guichet,
        canal,
        communes_souhaitees,
        typologies_souhaitees,
        age,
        situation_familiale,
        situation_professionnelle,
        nb_personnes,
        nb_enfants_moins_14_ans,
        revenu_mensuel,
        revenu_fiscal_reference,
        logement_actuel,
        motif_principal,
        statut_dalo,
        publics_prioritaires,
        handicap,
        cotation,
        commune_residence,
        commune_travail,
        _fichier as fichier
    from source
)

select * from final

with source as (
    select * from {{ source('bailleurs', 'cal') }}
),

final as (
    select
        bailleur_siren,
        date_cal,
        ident_rep,
        id_demande,
        reservataire,
        decision,
        rang,
        motif_decision,
        exemption_trois_candidats,
        proposition_faite,
        reponse_candidat,
        date_reponse,
        motif_refus,
        motif_refus_libelle,
        _date_fichier as mois_fichier,
        _fichier as fichier
    from source
)

select * from final

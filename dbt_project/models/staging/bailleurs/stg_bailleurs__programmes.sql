with source as (
    select * from {{ source('bailleurs', 'programmes') }}
),

final as (
    select
        _date_fichier as date_photographie,
        programme_id,
        nom_programme,
        bailleur_siren,
        commune,
        date_livraison_prevue,
        date_livraison,
        financement,
        reservataire,
        reservataire_id,
        nb_logements,
        _fichier as fichier
    from source
)

select * from final

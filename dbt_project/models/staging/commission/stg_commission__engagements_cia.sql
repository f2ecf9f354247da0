with source as (
    select * from {{ source('commission', 'engagements_cia') }}
),

final as (
    select
        annee,
        bailleur_siren,
        reservataire,
        quota,
        taux_cible,
        source as source_engagement,
        _fichier as fichier
    from source
)

select * from final

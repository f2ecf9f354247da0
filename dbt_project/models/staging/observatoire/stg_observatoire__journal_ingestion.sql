with source as (
    select * from {{ source('observatoire', 'journal_ingestion') }}
),

final as (
    select
        fichier,
        flux,
        sha256,
        statut,
        lignes_lues,
        lignes_chargees,
        lignes_quarantaine,
        debut as traite_le,
        date_fichier,
        bailleur_siren
    from source
)

select * from final

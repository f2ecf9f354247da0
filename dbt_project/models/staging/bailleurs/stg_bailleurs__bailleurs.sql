with source as (
    select * from {{ source('bailleurs', 'bailleurs') }}
),

final as (
    select
        siren as bailleur_siren,
        nom_bailleur,
        type as type_bailleur,
        date_debut,
        date_fin,
        successeur_siren,
        envoie_mouvements,
        perimetre_cal
    from source
)

select * from final

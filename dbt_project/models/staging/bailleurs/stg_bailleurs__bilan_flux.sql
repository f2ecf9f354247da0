with source as (
    select * from {{ source('bailleurs', 'bilan_flux') }}
),

final as (
    select
        bailleur_siren,
        year(_date_fichier) as annee,
        reservataire,
        reservataire_id,
        commune,
        typologie,
        financement,
        qpv,
        logements_proposes,
        logements_attribues,
        _fichier as fichier
    from source
)

select * from final

with source as (
    select * from {{ source('bailleurs', 'mouvements') }}
),

final as (
    select
        bailleur_siren,
        ident_rep,
        date_evenement,
        type_evenement,
        id_demande,
        motif,
        programme_id,
        depcom as commune,
        nbpiece,
        finan,
        nullif(qpv, '') as qpv_code,
        contreslog,
        groupe_immobilier,
        _fichier as fichier
    from source
)

select * from final

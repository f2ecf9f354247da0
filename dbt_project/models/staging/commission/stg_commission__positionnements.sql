with source as (
    select * from {{ source('commission', 'positionnements') }}
),

final as (
    select
        date_commission,
        bailleur_siren,
        ident_rep,
        commune_logement,
        typologie_logement,
        reservataire,
        reservataire_id,
        id_demande,
        rang_propose,
        motifs_positionnement,
        avis_commission,
        reponse_avant_cal,
        motif_refus_avant_cal,
        _fichier as fichier
    from source
)

select * from final

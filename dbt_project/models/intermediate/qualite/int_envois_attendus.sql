-- The expected landlord files as the completude_flux check and the run summary show them: each landlord,
-- month and feed of int_flux_completude, received or not, with the landlord's name.
with completude as (
    select * from {{ ref('int_flux_completude') }}
),

bailleurs as (
    select bailleur_siren, nom_bailleur from {{ ref('stg_bailleurs__bailleurs') }}
),

final as (
    select
        c.bailleur_siren,
        b.nom_bailleur,
        c.mois,
        c.flux,
        c.recu
    from completude as c
    left join bailleurs as b using (bailleur_siren)
)

select * from final

-- The attributions whose 1st-quartile status is known both ways: the SNE's flag (which the indicators keep)
-- and its recomputation from resources per consumption unit and the lease year's threshold
-- (INDICATORS.md, "1st quartile": the flag wins, divergences are reported).
with attributions as (
    select * from {{ ref('int_attributions') }}
),

bailleurs as (
    select bailleur_siren, nom_bailleur from {{ ref('stg_bailleurs__bailleurs') }}
),

final as (
    select
        a.id_demande,
        a.date_signature_bail,
        a.annee_bail,
        a.bailleur_siren,
        b.nom_bailleur,
        a.premier_quartile_sne,
        a.premier_quartile_calcule,
        a.premier_quartile_sne <> a.premier_quartile_calcule as desaccord
    from attributions as a
    left join bailleurs as b using (bailleur_siren)
    where a.premier_quartile_sne is not null and a.premier_quartile_calcule is not null
)

select * from final

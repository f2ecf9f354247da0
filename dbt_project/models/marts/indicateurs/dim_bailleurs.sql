-- The social landlords (bailleurs.csv): identity, merger (date_fin, successor) and the feeds each one sends,
-- with the size of its stock in the latest RPLS vintage it sent.
with bailleurs as (
    select * from {{ ref('stg_bailleurs__bailleurs') }}
),

stock as (
    select bailleur_siren, millesime, count(*) as logements
    from {{ ref('stg_bailleurs__rpls') }}
    group by bailleur_siren, millesime
    qualify row_number() over (partition by bailleur_siren order by millesime desc) = 1
),

final as (
    select
        b.bailleur_siren,
        b.nom_bailleur,
        b.type_bailleur,
        b.date_debut,
        b.date_fin,
        b.successeur_siren,
        b.envoie_mouvements,
        b.perimetre_cal,
        s.millesime as dernier_millesime,
        coalesce(s.logements, 0) as logements_dernier_millesime
    from bailleurs as b
    left join stock as s on b.bailleur_siren = s.bailleur_siren
)

select * from final

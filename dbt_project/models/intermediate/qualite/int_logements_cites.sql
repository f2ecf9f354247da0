-- Cross-feed consistency (CONTRACTS.md): each dwelling a feed names (positionings, CAL returns, attributions)
-- and whether the stock knows it: in a stock file (any vintage) or commissioned by a MISE_EN_SERVICE event.
with rpls as (
    select * from {{ ref('stg_bailleurs__rpls') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
),

cal as (
    select * from {{ ref('stg_bailleurs__cal') }}
),

radiations as (
    select * from {{ ref('stg_sne__radiations') }}
),

parc as (
    select bailleur_siren, ident_rep from rpls
    union
    select bailleur_siren, ident_rep from mouvements
    where type_evenement = 'MISE_EN_SERVICE'
),

cites as (
    select 'positionnements' as flux, bailleur_siren, ident_rep from positionnements
    union
    select 'cal' as flux, bailleur_siren, ident_rep from cal
    union
    select 'sne_radiations' as flux, bailleur_siren, ident_rep from radiations
    where motif_radiation = 'RADATT' and not annulee
),

final as (
    select
        c.flux,
        c.bailleur_siren,
        c.ident_rep,
        p.ident_rep is not null as connu_du_parc
    from cites as c
    left join parc as p on c.bailleur_siren = p.bailleur_siren and c.ident_rep = p.ident_rep
)

select * from final

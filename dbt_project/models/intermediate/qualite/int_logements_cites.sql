-- Cross-feed consistency (CONTRACTS.md): each dwelling a feed names (positionings, CAL returns, attributions)
-- and whether the stock knows it: in a stock file (any vintage) or commissioned by a MISE_EN_SERVICE event.
-- It can be checked only where the files could know it (like the ENTREE and the accepted offer of an
-- attribution): a stock file of its landlord later than its first citation, or the landlord's events since
-- its last stock file before that citation. Else the dwelling may have been delivered in between, unseen (a
-- landlord that sends no events, 1,189 dwellings over 3 months at scale 100, issue 13).
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

millesimes as (
    select distinct bailleur_siren, millesime from rpls
),

couverture as (
    -- where each landlord's events start: the month of its first loaded events file
    select bailleur_siren, debut as debut_mouvements from {{ ref('int_couvertures') }}
    where flux = 'mouvements' and bailleur_siren is not null
),

citations as (
    select 'positionnements' as flux, bailleur_siren, ident_rep, date_commission as date_citation
    from positionnements
    union all
    select 'cal' as flux, bailleur_siren, ident_rep, date_cal as date_citation from cal
    union all
    select 'sne_radiations' as flux, bailleur_siren, ident_rep, date_signature_bail as date_citation
    from radiations
    where motif_radiation = 'RADATT' and not annulee
),

cites as (
    select flux, bailleur_siren, ident_rep, min(date_citation) as premiere_citation
    from citations
    group by all
),

final as (
    select
        c.flux,
        c.bailleur_siren,
        c.ident_rep,
        p.ident_rep is not null as connu_du_parc,
        coalesce(
            exists (
                select 1 from millesimes as m
                where m.bailleur_siren = c.bailleur_siren and m.millesime > c.premiere_citation
            )
            or k.debut_mouvements <= (
                select max(m.millesime) from millesimes as m
                where m.bailleur_siren = c.bailleur_siren and m.millesime <= c.premiere_citation
            ),
            false
        ) as verifiable
    from cites as c
    left join parc as p on c.bailleur_siren = p.bailleur_siren and c.ident_rep = p.ident_rep
    left join couverture as k on c.bailleur_siren = k.bailleur_siren
)

select * from final

-- Cross-feed consistency (CONTRACTS.md): each attribution (RADATT not cancelled by a déradiation) and what
-- the landlord's other feeds say of it. An ENTREE of the same dwelling and household within 31 days of the
-- lease is expected where the landlord sends events, from its first events file on; an accepted offer is
-- expected in its CAL returns where it sends them for that candidate (every candidate, or only those the
-- commission positioned on that dwelling), for a lease signed from the month after its first CAL return on:
-- the offer is accepted in the weeks before the lease, so a lease of the first month may follow an acceptance
-- that no received return holds (a quarter of the attributions of a 3-month history, issue 13).
with radiations as (
    select * from {{ ref('stg_sne__radiations') }}
),

bailleurs as (
    select bailleur_siren, envoie_mouvements, perimetre_cal from {{ ref('stg_bailleurs__bailleurs') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

cal as (
    select * from {{ ref('stg_bailleurs__cal') }}
),

positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
),

couvertures as (
    -- where each landlord's events and CAL returns start: the month of its first loaded file
    select * from {{ ref('int_couvertures') }}
    where flux in ('mouvements', 'cal') and bailleur_siren is not null
),

attributions as (
    select
        r.bailleur_siren,
        r.ident_rep,
        r.id_demande,
        r.date_signature_bail,
        coalesce(b.envoie_mouvements and r.date_signature_bail >= m.debut, false) as entree_attendue,
        coalesce(r.date_signature_bail >= k.debut + interval 1 month and (
            b.perimetre_cal = 'TOUS' or (b.perimetre_cal = 'CANDIDATS_CASA' and exists (
                select 1 from positionnements as p
                where
                    p.bailleur_siren = r.bailleur_siren and p.ident_rep = r.ident_rep and p.id_demande = r.id_demande
            ))
        ), false) as offre_attendue
    from radiations as r
    inner join bailleurs as b on r.bailleur_siren = b.bailleur_siren
    left join couvertures as m on r.bailleur_siren = m.bailleur_siren and m.flux = 'mouvements'
    left join couvertures as k on r.bailleur_siren = k.bailleur_siren and k.flux = 'cal'
    where r.motif_radiation = 'RADATT' and not r.annulee
),

final as (
    select
        a.*,
        exists(
            select 1 from mouvements as m
            where
                m.bailleur_siren = a.bailleur_siren and m.ident_rep = a.ident_rep and m.id_demande = a.id_demande
                and m.type_evenement = 'ENTREE' and abs(date_diff('day', m.date_evenement, a.date_signature_bail)) <= 31
        ) as entree_trouvee,
        exists(
            select 1 from cal as c
            where
                c.bailleur_siren = a.bailleur_siren and c.ident_rep = a.ident_rep and c.id_demande = a.id_demande
                and c.reponse_candidat = 'ACCEPTE'
        ) as offre_acceptee
    from attributions as a
)

select * from final

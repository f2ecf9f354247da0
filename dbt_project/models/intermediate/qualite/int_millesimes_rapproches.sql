-- Cross-feed consistency (CONTRACTS.md): at each new stock vintage of a landlord whose events replay the
-- stock, how many dwellings the replay (int_logements_etats) leaves in a state other than the new stock
-- file's. Counted per landlord and vintage: a dwelling-level table would be as large as the stock.
with etats as (
    select * from {{ ref('int_logements_etats') }}
),

dernier_etat as (
    -- the replayed state at the end of each vintage (its last interval ends at the next vintage)
    select bailleur_siren, ident_rep, fin as millesime_suivant, etat
    from etats
    where suivi_par_mouvements  -- without events there is no replay to compare
    qualify row_number() over (partition by bailleur_siren, ident_rep, millesime order by debut desc) = 1
),

depart as (
    select bailleur_siren, ident_rep, millesime as millesime_suivant, etat
    from etats
    where origine = 'stock'
),

millesimes as (
    -- vintages ended by the landlord's next file (not by a merger's takeover: no file to compare)
    select distinct bailleur_siren, millesime_suivant from depart
),

final as (
    select
        f.bailleur_siren,
        f.millesime_suivant as millesime,
        count(*) as logements,
        count(*) filter (where d.etat is distinct from f.etat) as ecarts
    from dernier_etat as f
    inner join millesimes using (bailleur_siren, millesime_suivant)
    left join depart as d using (bailleur_siren, ident_rep, millesime_suivant)
    where not (f.etat = 'hors_parc' and d.etat is null)  -- left the stock, absent from the next file
    group by 1, 2
)

select * from final

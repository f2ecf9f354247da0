-- The state of every dwelling over time (CONTRACTS.md §4), as intervals [debut, fin):
-- the latest stock file at 1 January gives the starting state, then the landlord's events after that
-- 1 January apply in date order (same day: SORTIE_PATRIMOINE, DEBUT_INDISPONIBILITE, DEPART,
-- FIN_INDISPONIBILITE, MISE_EN_SERVICE, ENTREE). Each new stock vintage of the landlord resets the state.
-- State at date d: debut <= d and (fin is null or fin > d).
with stock as (
    select * from {{ ref('stg_bailleurs__rpls') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

bailleurs as (
    select bailleur_siren, envoie_mouvements from {{ ref('stg_bailleurs__bailleurs') }}
),

millesimes as (
    select
        bailleur_siren,
        millesime,
        lead(millesime) over (partition by bailleur_siren order by millesime) as millesime_suivant
    from (select distinct bailleur_siren, millesime from stock)
),

depart_stock as (
    select
        s.bailleur_siren,
        s.ident_rep,
        s.millesime,
        s.millesime as date_etat,
        0 as rang_jour,
        case s.mode
            when '1' then 'occupe'
            when '4' then 'occupe_autrement'
            when '5' then 'occupe_autrement'
            when '2' then 'vacant'
            when '3' then 'indisponible'
            when '9' then 'hors_parc'
        end as etat,
        case when s.mode = '2' then coalesce(s.remlocdate, s.millesime) end as vacant_depuis,
        s.mode = '2' and s.remlocdate is null as debut_inconnu,
        'stock' as origine
    from stock s
),

evenements as (
    -- each event belongs to the landlord's latest vintage strictly before it
    select
        m.bailleur_siren,
        m.ident_rep,
        v.millesime,
        m.date_evenement as date_etat,
        case m.type_evenement
            when 'SORTIE_PATRIMOINE' then 1
            when 'DEBUT_INDISPONIBILITE' then 2
            when 'DEPART' then 3
            when 'FIN_INDISPONIBILITE' then 4
            when 'MISE_EN_SERVICE' then 5
            when 'ENTREE' then 6
        end as rang_jour,
        case m.type_evenement
            when 'ENTREE' then 'occupe'
            when 'DEBUT_INDISPONIBILITE' then 'indisponible'
            when 'SORTIE_PATRIMOINE' then 'hors_parc'
            else 'vacant'
        end as etat,
        case when m.type_evenement in ('DEPART', 'FIN_INDISPONIBILITE', 'MISE_EN_SERVICE') then m.date_evenement end
            as vacant_depuis,
        false as debut_inconnu,
        lower(m.type_evenement) as origine
    from mouvements m
    asof join millesimes v
        on m.bailleur_siren = v.bailleur_siren and m.date_evenement > v.millesime
),

transitions as (
    select * from depart_stock
    union all
    select * from evenements
),

intervalles as (
    select
        t.*,
        lead(t.date_etat) over w as prochaine_date
    from transitions t
    window w as (partition by t.bailleur_siren, t.ident_rep, t.millesime order by t.date_etat, t.rang_jour)
),

final as (
    select
        i.bailleur_siren,
        i.ident_rep,
        i.millesime,
        i.etat,
        i.date_etat as debut,
        coalesce(i.prochaine_date, v.millesime_suivant) as fin,
        i.vacant_depuis,
        i.debut_inconnu,
        i.origine,
        coalesce(b.envoie_mouvements, false) as suivi_par_mouvements
    from intervalles i
    join millesimes v using (bailleur_siren, millesime)
    left join bailleurs b using (bailleur_siren)
    -- several events the same day: only the last one's state lasts
    where i.prochaine_date is null or i.prochaine_date > i.date_etat
)

select * from final

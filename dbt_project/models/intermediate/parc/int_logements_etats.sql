-- The state of every dwelling over time (CONTRACTS.md §4), as intervals [debut, fin):
-- the latest stock file at 1 January gives the starting state, then the landlord's events after that
-- 1 January apply in date order (same day: SORTIE_PATRIMOINE, DEBUT_INDISPONIBILITE, DEPART,
-- FIN_INDISPONIBILITE, MISE_EN_SERVICE, ENTREE). Each new stock vintage of the landlord resets the state.
-- Mergers (bailleurs.csv: date_fin, successeur_siren): a ceased landlord's intervals end the day after its
-- date_fin (its last day on the territory); that day its dwellings still in the stock pass to the successor
-- with their state (origine 'fusion'), in the successor's latest vintage before that day, where the
-- successor's events and next vintage take over. So a dwelling has one state at a time. Without a successor
-- (or before the successor's first vintage) the dwellings leave with the landlord; chains are not followed (the
-- dwellings a ceased landlord had itself taken over end with it).
-- State at date d: debut <= d and (fin is null or fin > d).
with stock as (
    select * from {{ ref('stg_bailleurs__rpls') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

bailleurs as (
    select bailleur_siren, envoie_mouvements, date_fin, successeur_siren from {{ ref('stg_bailleurs__bailleurs') }}
),

cessations as (
    select bailleur_siren, successeur_siren, date_fin + 1 as date_reprise
    from bailleurs
    where date_fin is not null
),

millesimes as (
    select
        bailleur_siren,
        millesime,
        lead(millesime) over (partition by bailleur_siren order by millesime) as millesime_suivant
    from (select distinct bailleur_siren, millesime from stock) as millesimes_recus
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
    from stock as s
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
    from mouvements as m
    asof join millesimes as v
        on m.bailleur_siren = v.bailleur_siren and m.date_evenement > v.millesime
),

transitions_propres as (
    -- what each landlord's own files say
    select * from depart_stock
    union all
    select * from evenements
),

vintage_a_la_cessation as (
    -- the ceased landlord's stock vintage in force on its last day
    select c.*, v.millesime
    from cessations as c
    asof join millesimes as v
        on c.bailleur_siren = v.bailleur_siren and c.date_reprise > v.millesime
),

etats_a_la_cessation as (
    -- its dwellings' state on that day, from its own files (same day: the last event's)
    select
        c.successeur_siren,
        c.date_reprise,
        t.ident_rep,
        t.etat,
        t.vacant_depuis,
        t.debut_inconnu
    from transitions_propres as t
    inner join vintage_a_la_cessation as c
        on t.bailleur_siren = c.bailleur_siren and t.millesime = c.millesime and t.date_etat < c.date_reprise
    qualify row_number() over (
        partition by t.bailleur_siren, t.ident_rep order by t.date_etat desc, t.rang_jour desc
    ) = 1
),

reprises as (
    -- the successor starts from the ceased landlord's state, like a stock file (before same-day events)
    select
        e.successeur_siren as bailleur_siren,
        e.ident_rep,
        v.millesime,
        e.date_reprise as date_etat,
        0 as rang_jour,
        e.etat,
        e.vacant_depuis,
        e.debut_inconnu,
        'fusion' as origine
    from etats_a_la_cessation as e
    asof join millesimes as v
        on e.successeur_siren = v.bailleur_siren and e.date_reprise > v.millesime
    where e.etat <> 'hors_parc'
),

transitions as (
    select * from transitions_propres
    union all
    select * from reprises
),

intervalles as (
    select
        t.*,
        lead(t.date_etat) over w as prochaine_date
    from transitions as t
    window w as (partition by t.bailleur_siren, t.ident_rep, t.millesime order by t.date_etat, t.rang_jour)
),

final as (
    select
        i.bailleur_siren,
        i.ident_rep,
        i.millesime,
        i.etat,
        i.date_etat as debut,
        -- a ceased landlord's intervals end at the takeover (least ignores a null fin)
        least(coalesce(i.prochaine_date, v.millesime_suivant), c.date_reprise) as fin,
        i.vacant_depuis,
        i.debut_inconnu,
        i.origine,
        coalesce(b.envoie_mouvements, false) as suivi_par_mouvements
    from intervalles as i
    inner join millesimes as v using (bailleur_siren, millesime)
    left join bailleurs as b using (bailleur_siren)
    left join cessations as c using (bailleur_siren)
    -- several events the same day: only the last one's state lasts
    where (i.prochaine_date is null or i.prochaine_date > i.date_etat)
    -- nothing of a ceased landlord from the takeover on
    and (c.date_reprise is null or i.date_etat < c.date_reprise)
    -- an interval ending where it starts holds no state (e.g. a takeover on the successor's 1 January:
    -- its stock file wins)
    and (v.millesime_suivant is null or i.date_etat < v.millesime_suivant)
)

select * from final

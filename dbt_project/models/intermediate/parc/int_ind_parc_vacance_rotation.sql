-- P1 (vacancy), P1_structurelle, P2 (rotation) at t, on the dwelling's commune, landlord and typology.
-- P1: vacant ÷ offered for letting (occupe + vacant) at t. P1_structurelle: vacant since (vacant_depuis:
-- REMLOCDATE, 1 January when unknown, DEPART, FIN_INDISPONIBILITE, MISE_EN_SERVICE) more than 3 months
-- before t (vacant_depuis < t − 3 months) ÷ offered. A landlord without events: its state is known only at
-- its latest stock file's date (millesime), so both are those of that file at its date (vacant since more
-- than 3 months before 1 January), never the 1 January state aged to t (INDICATORS.md P1).
-- P2: dwellings offered at t and in service for >= 12 months (mise_en_service <= t − 12 months); numerator:
-- those of them let in the 12 months before t (a dwelling let twice counts once, so that P2 is a share and
-- both sources count alike): landlords sending events: an ENTREE event dated in (t − 12 months, t]; landlords
-- without events: those dwellings whose stock file's BAIL (start of the current lease, MM/AAAA → 1st of the
-- month) falls in the 12 months before the latest stock file at or before t: millesime − 12 months <= BAIL
-- < millesime (the file of 1 January N: leases of January–December N−1). The yearly file only shows the
-- current lease, so a dwelling let twice in the year counts once. The 12 months must be covered
-- (INDICATORS.md, "Quarters"): a landlord sending events whose first events file (int_couvertures) starts
-- after the window's first day (t − 12 months + 1 day) gives its facts the reason fenetre_non_couverte, so
-- its rows and those pooling it are non_calculable, never a rotation on a truncated window; the stock
-- files' BAIL dates of a landlord without events cover any window.
-- Published where dwellings are offered: a commune, landlord or typology without any has no row.
with parc as (
    select * from {{ ref('int_logements_trimestres') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

communes as (
    select code_geo as commune from {{ ref('int_geographies') }}
    where niveau_geo = 'COMMUNE'
),

-- dwellings offered for letting in the EPCI's communes
offerts as (
    select *
    from parc
    where etat in ('occupe', 'vacant') and commune in (select commune from communes)
),

entrees as (
    select ident_rep, date_evenement from mouvements
    where type_evenement = 'ENTREE'
),

couvertures_mouvements as (
    select bailleur_siren, debut from {{ ref('int_couvertures') }}
    where flux = 'mouvements'
),

rotation as (
    select
        o.annee, o.trimestre, o.commune, o.bailleur_siren, o.typologie,
        case
            when o.suivi_par_mouvements
                then (
                    select least(count(*), 1) from entrees as e
                    where
                        e.ident_rep = o.ident_rep
                        and e.date_evenement > o.t - interval 12 month and e.date_evenement <= o.t
                )
            when o.debut_bail >= o.millesime_stock - interval 12 month and o.debut_bail < o.millesime_stock then 1
            else 0
        end as loue,
        case
            when o.suivi_par_mouvements and not coalesce(c.debut <= o.t - interval 12 month + interval 1 day, false)
                then 'fenetre_non_couverte'
        end as raison
    from offerts as o
    left join couvertures_mouvements as c on o.bailleur_siren = c.bailleur_siren
    where o.mise_en_service <= o.t - interval 12 month
),

faits as (
    select
        annee, trimestre, 'P1' as indicateur, commune, bailleur_siren as bailleur, typologie,
        (etat = 'vacant')::int as num, 1 as den, null as raison
    from offerts
    union all
    select
        annee, trimestre, 'P1_structurelle', commune, bailleur_siren, typologie,
        (
            etat = 'vacant'
            and vacant_depuis < case when suivi_par_mouvements then t else millesime end - interval 3 month
        )::int,
        1,
        null
    from offerts
    union all
    select annee, trimestre, 'P2', commune, bailleur_siren, typologie, loue, 1, raison
    from rotation
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_bilan') }}
),

-- a share of no dwelling is no row: communes, sectors, landlords and typologies only where dwellings are offered
observes as (
    select
        null::varchar as indicateur, unnest(['commune', 'secteur', 'bailleur', 'typologie']) as dimension,
        null::varchar as valeur, null::integer as annee, null::integer as trimestre
),

{{ encoder_indicateurs(['P1', 'P1_structurelle', 'P2'], observes='observes',
                       dimensions=['commune', 'bailleur', 'typologie'], mesures=['num', 'den', 'raison']) }}

select * from enc_final

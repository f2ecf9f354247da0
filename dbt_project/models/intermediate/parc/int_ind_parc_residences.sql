-- R1 residence watch ("veille et suivi des résidences"), niveau_geo RESIDENCE, at each quarter's t.
-- Residence = the dwelling's landlord at t and groupe_immobilier: code_geo `<SIREN>:<groupe_immobilier>`;
-- dwellings with an empty groupe_immobilier are grouped per commune: `<SIREN>:COMMUNE-<INSEE>` (libelle
-- "<landlord> – logements sans résidence, <commune>"). Dwellings in the stock at t in the EPCI's communes;
-- the CAL offers and attributions of the window are tied to a residence through their dwelling (ident_rep).
--   R1_vacance: vacant ÷ offered for letting (occupe + vacant) at t (denominateur = the residence's
--     dwellings offered for letting).
-- The window of the windowed figures (all but R1_vacance): the 36 months before t, or the months the feeds
-- cover when at least 12 (int_fenetres_residences, per landlord: N months from debut_fenetre to t); under
-- 12 months covered, the residence's windowed figures and its flag are non_calculable (fenetre_non_couverte)
-- and it is not ranked.
--   R1_rotation: yearly rotation over the window's whole years (Y = N div 12: 1, 2 or 3), the mean of the
--     12-month rates ending at t: Σ over the residence's dwellings offered at t of the 12-month periods
--     ending at t, t − 12 and t − 24 months (the first Y of them) in which the dwelling was let (an ENTREE
--     event, landlords sending events) ÷ (dwellings offered at t × Y); landlords without events: 1 for a
--     dwelling whose current lease (stock file's BAIL) began in the 12 × Y months before the file's date (a
--     lower bound: the file shows the current lease only). A period cut at the window's start weighed a
--     letting as a year against a fraction of a year: 1.6 for a dwelling let in both periods of 15 months.
--   R1_refus: CAL offers on its dwellings (CAL held in the window, proposition_faite): refused (REFUSE,
--     SANS_REPONSE) ÷ answered or expired; pending offers count in neither. A CAL line re-sent in a later
--     month's file counts once (the latest file).
--   R1_part_q1: attributions (lease in the window) to 1st-quartile households ÷ attributions whose quartile
--     is known; non_calculable (sans_seuil_quartile, not ranked) when the window holds an attribution whose
--     quartile is unknown in a lease year without a threshold (INDICATORS.md, "1st quartile"; as Q2 and Q3):
--     left out, a 36-month history starting in a year without a threshold would compute it on the later
--     years alone. R1_part_prioritaires: prioritaire_attribution ÷ attributions.
--   R1_alerte: per residence, modalite ensemble = 1 if flagged else 0, plus one row per reason
--     (motif=VACANCE|REFUS|PREMIER_QUARTILE) valeur 1: the residence's value is in the EPCI's top decile
--     among the residences (value >= the 0.9 continuous quantile of the residences' values, and > 0), only
--     residences with a denominator of at least 5 and a covered window being ranked (a single vacant flat
--     is not a signal). The
--     flags depend on every residence's value: they are computed here and given as facts (num 1), a motif
--     row existing only where the residence is flagged for it.
-- Every residence with dwellings in the stock at t has its rows, labelled "<landlord> – <groupe>".
with fenetres as (
    select annee, trimestre, bailleur_siren, mois_fenetre, debut_fenetre from {{ ref('int_fenetres_residences') }}
),

parc as (
    select * from {{ ref('int_logements_trimestres') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

cal as (
    select * from {{ ref('stg_bailleurs__cal') }}
),

attributions as (
    select * from {{ ref('int_attributions') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo from {{ ref('int_geographies') }}
),

-- the EPCI's communes
communes as (
    select code_geo as code_insee, libelle_geo as nom from geographies
    where niveau_geo = 'COMMUNE'
),

bailleurs as (
    select code_geo as bailleur_siren, libelle_geo as nom_bailleur from geographies
    where niveau_geo = 'BAILLEUR'
),

logements as (
    select
        p.*,
        p.bailleur_siren || ':' || coalesce(p.groupe_immobilier, 'COMMUNE-' || p.commune) as residence,
        coalesce(b.nom_bailleur, p.bailleur_siren) || ' – '
        || coalesce(p.groupe_immobilier, 'logements sans résidence, ' || c.nom) as libelle_residence
    from parc as p
    inner join communes as c on p.commune = c.code_insee
    left join bailleurs as b on p.bailleur_siren = b.bailleur_siren
),

tr_logements as (
    select
        l.*, f.mois_fenetre, f.debut_fenetre, f.mois_fenetre // 12 as annees_rotation,
        (l.t + interval 1 day - to_months(12 * (f.mois_fenetre // 12)))::date as debut_rotation
    from logements as l
    left join fenetres as f using (annee, trimestre, bailleur_siren)
),

entrees as (
    select ident_rep, date_evenement from mouvements
    where type_evenement = 'ENTREE'
),

offres as (
    select *
    from cal
    where proposition_faite
    qualify row_number() over (
        partition by bailleur_siren, date_cal, ident_rep, id_demande order by mois_fichier desc
    ) = 1
),

faits_logements as (
    select
        l.annee, l.trimestre, l.residence, l.mois_fenetre, l.annees_rotation,
        (l.etat in ('occupe', 'vacant'))::integer as offert,
        (l.etat = 'vacant')::integer as vacant,
        case
            when l.etat not in ('occupe', 'vacant') then 0
            when l.suivi_par_mouvements
                then (
                    -- the 12-month periods of the window (ending at t) in which the dwelling was let
                    select
                        count(distinct case
                            when e.date_evenement > l.t - interval 12 month then 1
                            when e.date_evenement > l.t - interval 24 month then 2
                            else 3
                        end)
                    from entrees as e
                    where e.ident_rep = l.ident_rep and e.date_evenement >= l.debut_rotation and e.date_evenement <= l.t
                )
            when
                l.debut_bail >= l.millesime_stock - to_months(12 * l.annees_rotation)
                and l.debut_bail < l.millesime_stock
                then 1
            else 0
        end as locations,
        (
            select count(*) from offres as o
            where
                o.ident_rep = l.ident_rep and o.date_cal >= l.debut_fenetre and o.date_cal <= l.t
                and o.reponse_candidat in ('REFUSE', 'SANS_REPONSE')
        ) as refus,
        (
            select count(*) from offres as o
            where
                o.ident_rep = l.ident_rep and o.date_cal >= l.debut_fenetre and o.date_cal <= l.t
                and o.reponse_candidat is not null
        ) as reponses,
        (
            select count(*) from attributions as a
            where a.ident_rep = l.ident_rep and a.date_signature_bail between l.debut_fenetre and l.t
        ) as attributions,
        (
            select count(*) from attributions as a
            where
                a.ident_rep = l.ident_rep and a.date_signature_bail between l.debut_fenetre and l.t
                and a.premier_quartile is not null
        ) as attributions_quartile_connu,
        (
            select count(*) from attributions as a
            where
                a.ident_rep = l.ident_rep and a.date_signature_bail between l.debut_fenetre and l.t
                and a.premier_quartile is null and not a.seuil_quartile_connu
        ) as attributions_sans_seuil,
        (
            select count(*) from attributions as a
            where
                a.ident_rep = l.ident_rep and a.date_signature_bail between l.debut_fenetre and l.t
                and a.premier_quartile
        ) as attributions_q1,
        (
            select count(*) from attributions as a
            where
                a.ident_rep = l.ident_rep and a.date_signature_bail between l.debut_fenetre and l.t
                and a.prioritaire_attribution
        ) as attributions_prioritaires
    from tr_logements as l
),

residences as (
    select
        annee, trimestre, residence,
        case when any_value(mois_fenetre) is null then 'fenetre_non_couverte' end as raison,
        sum(offert) as offerts,
        sum(offert) * any_value(annees_rotation) as annees_logements_offerts,
        sum(vacant) as vacants,
        sum(locations) as locations,
        sum(refus) as refus,
        sum(reponses) as reponses,
        sum(attributions) as attributions,
        sum(attributions_quartile_connu) as attributions_quartile_connu,
        sum(attributions_sans_seuil) as attributions_sans_seuil,
        sum(attributions_q1) as attributions_q1,
        sum(attributions_prioritaires) as attributions_prioritaires
    from faits_logements
    group by all
),

-- the residences' shares, as facts (one per residence); the windowed ones carry the window's reason
mesures as (
    select
        annee, trimestre, residence, 'R1_vacance' as indicateur, vacants as num, offerts as den,
        null as raison
    from residences
    union all
    select annee, trimestre, residence, 'R1_rotation', locations, annees_logements_offerts, raison from residences
    union all
    select annee, trimestre, residence, 'R1_refus', refus, reponses, raison from residences
    union all
    select
        annee, trimestre, residence, 'R1_part_q1', attributions_q1, attributions_quartile_connu,
        coalesce(raison, case when attributions_sans_seuil > 0 then 'sans_seuil_quartile' end)
    from residences
    union all
    select annee, trimestre, residence, 'R1_part_prioritaires', attributions_prioritaires, attributions, raison
    from residences
),

-- the residences ranked: a denominator of at least 5, a covered window and a computable value
classees as (
    select m.*
    from mesures as m
    inner join residences as r using (annee, trimestre, residence)
    where
        m.den >= 5 and m.indicateur in ('R1_vacance', 'R1_refus', 'R1_part_q1') and r.raison is null
        and m.raison is null
),

seuils as (
    -- the EPCI's top decile among the residences ranked
    select annee, trimestre, indicateur, quantile_cont(num / den, 0.9) as seuil
    from classees
    group by all
),

motifs as (
    select
        m.annee, m.trimestre, m.residence,
        case m.indicateur when 'R1_vacance' then 'VACANCE' when 'R1_refus' then 'REFUS' else 'PREMIER_QUARTILE' end
            as motif
    from classees as m
    inner join seuils as s using (annee, trimestre, indicateur)
    where m.num / m.den >= s.seuil and m.num > 0
),

faits as (
    select annee, trimestre, residence, indicateur, null as motif, num, den, raison
    from mesures
    union all
    -- a flag: 1 for each reason the residence is signalled for (its ensemble row: their max, else 0)
    select annee, trimestre, residence, 'R1_alerte', motif, 1, null, null
    from motifs
    union all
    -- no flag where the window is not covered
    select annee, trimestre, residence, 'R1_alerte', null, 0, null, raison
    from residences
    where raison is not null
),

-- every residence of the quarter, with one label whatever the quarter
domaines as (
    select distinct
        null::varchar as indicateur, 'residence' as dimension, residence as valeur,
        min(libelle_residence) over (partition by residence) as libelle, null::varchar as raison, annee, trimestre
    from logements
    union all
    select distinct 'R1_alerte', 'motif', motif as valeur, motif as libelle, null, null, null
    from motifs
),

-- a reason has a row only where the residence is flagged for it
observes as (
    select
        'R1_alerte' as indicateur, 'motif' as dimension, null::varchar as valeur, null::integer as annee,
        null::integer as trimestre
),

{{ encoder_indicateurs(['R1_vacance', 'R1_rotation', 'R1_refus', 'R1_part_q1', 'R1_part_prioritaires', 'R1_alerte'],
                       observes='observes', dimensions=['residence', 'motif'], mesures=['num', 'den', 'raison']) }}

select * from enc_final

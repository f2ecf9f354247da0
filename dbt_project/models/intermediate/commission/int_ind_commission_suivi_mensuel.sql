-- S1, the commission's monthly table ("tableau de suivi", INDICATORS.md): one row per month of each quarter of
-- the history (modalite mois=AAAA-MM, then the cut), EPCI and per réservataire.
-- S1_positionnements: positionings of the month, all, by motive (a positioning with several motives counts
-- under each: not summable), by opinion, by motive x opinion. S1_attributions_cal: CAL attributions (an
-- attribution decision that led to an offer, int_attributions_cal) of CALs held in the month; S1_baux:
-- leases signed in the month (int_attributions); both in total and for the household categories DALO, priority
-- (recognised at attribution for leases), 1st quartile outside QPV (qpv=NON,motif=PREMIER_QUARTILE), urban
-- renewal, mutation, written with the positioning motives' codes. S1_part_ytd: leases from 1 January to the
-- end of the month in the category ÷ leases of that period, to read against the targets (25 %, 25 %): the
-- 1st quartile as Q2 reads it (outside QPV, 1st-quartile or urban-renewal households, among the leases whose
-- quartile is known or that rehouse under urban renewal); the EPCI's priority share over the réservataires
-- bound by the 25 % target only (the prefect's contingent, all priority, has its own row).
with trimestres as (
    select annee, trimestre, debut from {{ ref('int_trimestres') }}
),

positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
),

attributions_cal as (
    select * from {{ ref('int_attributions_cal') }}
),

baux as (
    select * from {{ ref('int_attributions') }}
),

-- the réservataires whose priority target is a share of their attributions (L.441-1: COLTER, COLACT, AUCUN);
-- the prefect's contingent (target: all of it) is not pooled with them
reservataires_quota_25 as (
    select reservataire from {{ ref('objectifs_legaux') }}
    where quota = 'Q1_PRIORITAIRES' and reservataire <> '*' and taux_cible < 1
),

codes as (
    select liste, code from {{ ref('stg_observatoire__codes') }}
),

mois as (
    select t.annee, t.trimestre, (t.debut + to_months(decalage.mois_du_trimestre))::date as mois
    from trimestres as t
    cross join unnest([0, 1, 2]) as decalage (mois_du_trimestre)
),

-- the household categories: the positioning motives but DROIT_COMMUN (1st quartile: outside QPV)
categories as (
    select code as motif, case when code = 'PREMIER_QUARTILE' then 'NON' end as qpv_cle
    from codes
    where liste = 'motif_positionnement' and code <> 'DROIT_COMMUN'
),

-- the categories, and none (the cuts without a category)
categories_ou_ensemble as (
    select motif, qpv_cle from categories
    union all
    select null, null
),

-- a lease once overall (motif null) and once per category, with whether it is in the category and in the
-- category's denominator (the 1st quartile is read outside QPV, among the leases whose quartile is known);
-- `dans_part`, `dans_denominateur_part`: the same for the year-to-date share, where the 1st quartile is Q2's
baux_categories as (
    select
        b.*, null as motif, null as qpv_cle, true as dans_categorie, true as dans_denominateur, true as dans_part,
        true as dans_denominateur_part
    from baux as b
    union all
    select
        b.*, c.motif, c.qpv_cle,
        coalesce(case c.motif
            when 'DALO' then b.dalo
            when 'PRIORITAIRE' then b.prioritaire_attribution
            when 'PREMIER_QUARTILE' then b.premier_quartile
            when 'RELOGEMENT_RU' then b.relogement_ru
            when 'MUTATION' then b.mutation
        end, false),
        case when c.motif = 'PREMIER_QUARTILE' then b.qpv = false and b.premier_quartile is not null else true end,
        case when c.motif = 'PREMIER_QUARTILE' then coalesce(b.premier_quartile, false) or b.relogement_ru end,
        case
            when c.motif = 'PREMIER_QUARTILE'
                then b.qpv = false and (b.premier_quartile is not null or b.relogement_ru)
            else true
        end
    from baux as b
    cross join categories as c
),

baux_categories_part as (
    select * replace (coalesce(dans_part, dans_categorie) as dans_categorie)
    from baux_categories
    where motif is not null and dans_denominateur_part
),

faits_reservataires as (
    select
        year(p.date_commission) as annee, quarter(p.date_commission) as trimestre,
        'S1_positionnements' as indicateur, strftime(p.date_commission, '%Y-%m') as mois, p.reservataire,
        p.avis_commission as avis, m.motif, null as qpv, 1 as num, null as den
    from positionnements as p
    -- once per motive, and once without (the cuts without a motive)
    cross join unnest(list_append(p.motifs_positionnement, null)) as m (motif)
    union all
    select
        year(a.mois), quarter(a.mois), 'S1_attributions_cal', strftime(a.mois, '%Y-%m'), a.reservataire, null,
        c.motif, c.qpv_cle, 1, null
    from attributions_cal as a
    inner join categories_ou_ensemble as c
        on
            c.motif is null or case c.motif
                when 'DALO' then a.dalo
                when 'PRIORITAIRE' then a.prioritaire
                when 'PREMIER_QUARTILE' then a.premier_quartile and a.qpv = false
                when 'RELOGEMENT_RU' then a.relogement_ru
                when 'MUTATION' then a.mutation
            end
    union all
    select
        year(date_signature_bail), quarter(date_signature_bail), 'S1_baux', strftime(date_signature_bail, '%Y-%m'),
        reservataire, null, motif, qpv_cle, 1, null
    from baux_categories
    where dans_categorie and dans_denominateur
    union all
    -- year to date: the leases from 1 January to the end of the month, in the category's denominator
    select
        m.annee, m.trimestre, 'S1_part_ytd', strftime(m.mois, '%Y-%m'), b.reservataire, null, b.motif, b.qpv_cle,
        b.dans_categorie::int, 1
    from mois as m
    inner join baux_categories_part as b
        on date_trunc('month', b.date_signature_bail) between make_date(year(m.mois), 1, 1) and m.mois
),

-- each fact once for the réservataire rows, once for the EPCI's (dimensions_multiples); the EPCI's
-- year-to-date priority share leaves out the réservataires not bound by the 25 % target
faits as (
    select f.* replace (case when r.par_reservataire then f.reservataire end as reservataire)
    from faits_reservataires as f
    cross join (values (true), (false)) as r (par_reservataire)
    where
        case
            when r.par_reservataire then f.reservataire is not null
            when f.indicateur = 'S1_part_ytd' and f.motif = 'PRIORITAIRE'
                then f.reservataire in (select q.reservataire from reservataires_quota_25 as q)
            else true
        end
),

domaines as (
    select 'reservataire' as dimension, code_geo as valeur, libelle_geo as libelle
    from {{ ref('int_geographies') }}
    where niveau_geo = 'RESERVATAIRE'
    union all by name
    select 'mois' as dimension, strftime(mois, '%Y-%m') as valeur, annee, trimestre
    from mois
    union all by name
    select 'avis' as dimension, code as valeur from codes
    where liste = 'avis_commission'
    union all by name
    select 'S1_positionnements' as indicateur, 'motif' as dimension, code as valeur
    from codes
    where liste = 'motif_positionnement'
    union all by name
    -- the categories of the leases: PREMIER_QUARTILE only outside QPV, the others without a QPV cut
    select
        i.indicateur, n.niveau || ':mois+motif' || case when c.qpv_cle is not null then '+qpv' else '' end
            as decoupage, d.dimension, case d.dimension when 'motif' then c.motif else c.qpv_cle end as valeur
    from categories as c
    cross join (values ('S1_attributions_cal'), ('S1_baux'), ('S1_part_ytd')) as i (indicateur)
    cross join (values ('epci'), ('reservataire')) as n (niveau)
    cross join (values ('motif'), ('qpv')) as d (dimension)
    where d.dimension = 'motif' or c.qpv_cle is not null
),

{{ encoder_indicateurs(['S1_positionnements', 'S1_attributions_cal', 'S1_baux', 'S1_part_ytd'],
                       dimensions=['reservataire', 'mois', 'avis', 'motif', 'qpv'], mesures=['num', 'den'],
                       dimensions_multiples=['motif', 'reservataire']) }}

select * from enc_final

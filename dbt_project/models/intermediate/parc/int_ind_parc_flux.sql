-- P5 flux by réservataire, per landlord x réservataire for the year of t (INDICATORS.md P5):
--   P5_proposes: dwellings oriented to the réservataire in the year, from the landlord's yearly flux report
--     (bilan_flux, logements_proposes, dwellings in the EPCI's communes). A yearly count: published at the
--     year's last quarter only; the year's other quarters keep their rows, non_calculable (annee_incomplete),
--     without the year's count. The report of year N arrives before 28 February N+1: until then the
--     landlord's rows are non_calculable; the réservataire and EPCI rows sum the reports received (coverage
--     per landlord is given in the pack's Lisez-moi), and are non_calculable while no report of the year has
--     arrived.
--   P5_attribues: attributions imputed to the réservataire in the SNE (int_attributions: RADATT on a
--     dwelling of the EPCI, lease from 1 January to t of the year of t, i.e. year to date). The flux
--     excludes internal mutations and urban-renewal rehousing (CCH R.441-5), here and in P5_part_flux's
--     numerator and denominator (an unknown flag counts in the flux).
--   P5_part_flux: the réservataire's share of the landlord's attributions year to date (P5_attribues ÷ the
--     landlord's attributions); réservataire rows: its share of all the EPCI's attributions. valeur is the
--     share, with or without a convention row: the convention's share (engagements_cia, quota FLUX_PART) is
--     set beside it by the pages, not folded into valeur.
-- Landlords: every one active in the year (bailleurs.date_fin empty or in the year or after); another one
-- (ceased, or outside the referential, labelled by its SIREN) only where it has figures.
with trimestres as (
    select annee, trimestre, debut_ytd, fin as t from {{ ref('int_trimestres') }}
),

bilan_flux as (
    select * from {{ ref('stg_bailleurs__bilan_flux') }}
),

attributions as (
    select * from {{ ref('int_attributions') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo from {{ ref('int_geographies') }}
),

referentiel as (
    select bailleur_siren, date_fin from {{ ref('stg_bailleurs__bailleurs') }}
),

communes as (
    select code_geo as commune from geographies
    where niveau_geo = 'COMMUNE'
),

reservataires as (
    select code_geo as reservataire from geographies
    where niveau_geo = 'RESERVATAIRE'
),

-- the landlords whose report of the year has arrived
rapports as (
    select distinct bailleur_siren, annee from bilan_flux
),

attributions_ytd as (
    select tr.annee, tr.trimestre, a.bailleur_siren, a.reservataire
    from trimestres as tr
    inner join attributions as a
        on a.date_signature_bail between tr.debut_ytd and tr.t
    where
        a.commune_logement in (select commune from communes)
        and not coalesce(a.mutation_interne, false)
        and not coalesce(a.relogement_ru, false)
),

faits as (
    -- oriented dwellings of the year's report, at the year's last quarter
    select
        tr.annee, tr.trimestre, 'P5_proposes' as indicateur, f.bailleur_siren as bailleur, f.reservataire,
        f.logements_proposes as num, null as den
    from trimestres as tr
    inner join bilan_flux as f on tr.annee = f.annee
    where tr.trimestre = 4 and f.commune in (select commune from communes)
    union all
    select annee, trimestre, 'P5_attribues', bailleur_siren, reservataire, 1, null
    from attributions_ytd
    union all
    -- each attribution counts in its landlord's denominator for every réservataire
    select
        a.annee, a.trimestre, 'P5_part_flux', a.bailleur_siren, r.reservataire,
        (a.reservataire = r.reservataire)::int, 1
    from attributions_ytd as a
    cross join reservataires as r
),

bailleurs as (
    select code_geo as bailleur, libelle_geo as libelle from geographies
    where niveau_geo = 'BAILLEUR'
    union
    select bailleur, bailleur as libelle
    from faits
    where bailleur not in (
        select code_geo from geographies
        where niveau_geo = 'BAILLEUR'
    )
),

domaines as (
    select indicateur, dimension, valeur, libelle, raison, annee, trimestre
    from ({{ domaines_territoires() }})
    where dimension = 'reservataire'
    union all
    select null, 'bailleur', bailleur, libelle, null, null, null
    from bailleurs
    union all
    -- a landlord whose report of the year has not arrived: its P5_proposes rows are not computable
    select
        'P5_proposes', 'bailleur', b.bailleur, b.libelle,
        case when r.bailleur_siren is null then 'sans_bilan_flux' end, tr.annee, tr.trimestre
    from trimestres as tr
    cross join bailleurs as b
    left join rapports as r on b.bailleur = r.bailleur_siren and tr.annee = r.annee
),

-- a landlord not active in the year has rows only where it has figures
observes as (
    select null::varchar as indicateur, 'bailleur' as dimension, b.bailleur as valeur, tr.annee, tr.trimestre
    from trimestres as tr
    cross join bailleurs as b
    left join referentiel as f on b.bailleur = f.bailleur_siren
    where f.bailleur_siren is null or f.date_fin < tr.debut_ytd
),

-- the year not over at t: no yearly count; no report of the year yet: no EPCI or réservataire sum either
raisons as (
    select
        annee, trimestre, 'P5_proposes' as indicateur,
        case when trimestre < 4 then 'annee_incomplete' else 'sans_bilan_flux' end as raison
    from trimestres
    where trimestre < 4 or annee not in (select annee from rapports)
),

{{ encoder_indicateurs(['P5_proposes', 'P5_attribues', 'P5_part_flux'], raisons='raisons', observes='observes',
                       dimensions=['bailleur', 'reservataire'], mesures=['num', 'den']) }}

select * from enc_final

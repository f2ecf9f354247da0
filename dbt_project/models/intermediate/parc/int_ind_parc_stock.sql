-- P4 (dwellings in service under the L.441-1 regime at t), P4_hors_l441 (PLI and non-conventionné:
-- CONV = NON, shown apart), P4_demandes_pour_100 (D1 ÷ P4 × 100), on the dwelling's commune and typology.
-- In service = in the stock at t and not hors_parc (occupied, occupied otherwise, vacant, unavailable).
-- P4, P4_hors_l441: EPCI; EPCI x financing group (finan_rpls), x typology (typologie_bilan), x QPV
-- (oui_non); commune; commune x typology. A financing outside the indicator's regime (PLI under L.441-1, a
-- conventioned group outside it) has a row only where such dwellings are.
-- P4_demandes_pour_100: EPCI; EPCI x typology; commune; commune x typology. D1 = demands of the quarter's
-- snapshot (int_trimestres.date_extraction) by 1st-choice commune of the EPCI x smallest wished typology
-- (numerator only); P4 dwellings (denominator only); no snapshot: non_calculable; a demand typology without
-- a dwelling counterpart (C) is non_calculable, with its rows every quarter (INDICATORS.md, "Typology").
with trimestres as (
    select annee, trimestre, date_extraction from {{ ref('int_trimestres') }}
),

parc as (
    select * from {{ ref('int_logements_trimestres') }}
),

demandes as (
    select * from {{ ref('int_demandes_enrichies') }}
),

communes as (
    select code_geo as commune from {{ ref('int_geographies') }}
    where niveau_geo = 'COMMUNE'
),

codes as (
    select * from {{ ref('stg_observatoire__codes') }}
),

financements as (
    select distinct libelle as financement from codes
    where liste = 'finan_rpls'
),

typologies_logement as (
    select code as typologie from codes
    where liste = 'typologie_bilan'
),

-- a demand's typologies, with those without a dwelling counterpart
typologies_demande as (
    select code as typologie, code not in (select typologie from typologies_logement) as sans_logement
    from codes
    where liste in ('typologie_bilan', 'typologie_demande')
    group by all
),

parc_epci as (
    select * from parc
    where commune in (select commune from communes)
),

faits as (
    select
        annee, trimestre, case when regime_l441 then 'P4' else 'P4_hors_l441' end as indicateur,
        commune, typologie, financement, qpv, 1 as num, null as den
    from parc_epci
    union all
    -- the demand side counts in the numerator only, the dwelling side in the denominator only
    select tr.annee, tr.trimestre, 'P4_demandes_pour_100', d.commune_choix1, d.typologie, null, null, 1, null
    from trimestres as tr
    inner join demandes as d on tr.date_extraction = d.date_extraction
    where d.commune_choix1 in (select commune from communes)
    union all
    select annee, trimestre, 'P4_demandes_pour_100', commune, typologie, null, null, null, 1
    from parc_epci
    where regime_l441
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_bilan') }}
    union all
    {{ domaine_codes('qpv', 'oui_non') }}
    union all
    select i.indicateur, 'financement', f.financement as valeur, f.financement as libelle, null, null, null
    from financements as f
    cross join unnest(['P4', 'P4_hors_l441']) as i (indicateur)
    union all
    select
        'P4_demandes_pour_100', 'typologie', typologie as valeur, typologie as libelle,
        case when sans_logement then 'typologie_sans_logement' end, null, null
    from typologies_demande
),

observes as (
    -- PLI is outside the L.441-1 regime: under P4, and a conventioned group under P4_hors_l441, exceptions
    select
        i.indicateur, 'financement' as dimension, f.financement as valeur, null::integer as annee,
        null::integer as trimestre
    from financements as f
    cross join unnest(['P4', 'P4_hors_l441']) as i (indicateur)
    where (f.financement = 'PLI') = (i.indicateur = 'P4')
),

raisons as (
    {{ raisons_sans_extraction(['P4_demandes_pour_100']) }}
),

{{ encoder_indicateurs(['P4', 'P4_hors_l441', 'P4_demandes_pour_100'], raisons='raisons', observes='observes',
                       dimensions=['commune', 'typologie', 'financement', 'qpv'], mesures=['num', 'den']) }}

select * from enc_final

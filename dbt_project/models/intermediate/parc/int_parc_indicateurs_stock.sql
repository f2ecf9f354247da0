-- P4 (dwellings in service under the L.441-1 regime at t), P4_hors_l441 (PLI and non-conventionné:
-- CONV = NON, shown apart), P4_demandes_pour_100 (D1 ÷ P4 × 100), grain commune × typology.
-- In service = in the stock at t and not hors_parc (occupied, occupied otherwise, vacant, unavailable).
-- Rows: P4, P4_hors_l441: EPCI; EPCI × financing; EPCI × typology; EPCI × QPV (qpv=OUI|NON); commune;
-- commune × typology; zero-filled (every commune, typology T1–T6P of the codes list typologie_bilan,
-- financing group of finan_rpls, QPV value OUI/NON of oui_non).
-- P4_demandes_pour_100: EPCI; EPCI × typology; commune; commune × typology. D1 = demands of the quarter's
-- snapshot (int_trimestres.date_extraction) by 1st-choice commune of the EPCI × smallest wished typology;
-- no snapshot → non_calculable; typology C (no dwelling counterpart) or no dwelling → non_calculable.
with trimestres as (
    select annee, trimestre, fin as t, date_extraction from {{ ref('int_trimestres') }}
),

parc as (
    select * from {{ ref('int_parc_logements_trimestres') }}
),

demandes as (
    select * from {{ ref('int_demandes_enrichies') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo from {{ ref('int_geographies') }}
),

-- the EPCI's communes
communes as (
    select code_geo as code_insee from geographies where niveau_geo = 'COMMUNE'
),

codes as (
    select * from {{ ref('stg_observatoire__codes') }}
),

financements as (
    select distinct
        libelle as financement,
        case when libelle = 'PLI' then 'P4_hors_l441' else 'P4' end as indicateur
    from codes
    where liste = 'finan_rpls'
),

typologies as (
    -- the dwelling typologies T1–T6P (C has no dwelling counterpart)
    select code as typologie from codes where liste = 'typologie_bilan'
),

valeurs_qpv as (
    select code as qpv from codes where liste = 'oui_non'
),

parc_epci as (
    select p.* from parc p join communes c on c.code_insee = p.commune
),

faits_bruts as (
    select
        annee, trimestre, case when regime_l441 then 'P4' else 'P4_hors_l441' end as indicateur,
        commune, typologie, financement, qpv, 1 as num, 0 as den, true as calculable
    from parc_epci
    union all
    select tr.annee, tr.trimestre, f.indicateur, c.code_insee, ty.typologie, f.financement, q.qpv, 0, 0, true
    from trimestres tr
    cross join communes c
    cross join typologies ty
    cross join financements f
    cross join valeurs_qpv q
    union all
    select tr.annee, tr.trimestre, 'P4_demandes_pour_100', d.commune_choix1, d.typologie, null, null, 1, 0, true
    from trimestres tr
    join demandes d on d.date_extraction = tr.date_extraction
    union all
    select annee, trimestre, 'P4_demandes_pour_100', commune, typologie, null, null, 0, 1, true
    from parc_epci
    where regime_l441
    union all
    select tr.annee, tr.trimestre, 'P4_demandes_pour_100', c.code_insee, ty.typologie, null, null, 0, 0,
        tr.date_extraction is not null
    from trimestres tr
    cross join communes c
    cross join typologies ty
),

faits as (
    select
        f.annee, f.trimestre, f.indicateur, f.commune, null::varchar as bailleur_siren, f.typologie,
        f.financement, f.qpv, null::varchar as reservataire, f.num, f.den, f.calculable
    from faits_bruts f
    join communes c on c.code_insee = f.commune
),

final as (
    {{ parc_lignes(
        'faits',
        [[], ['typologie'], ['financement'], ['qpv'], ['commune'], ['commune', 'typologie']],
        comptes=['P4', 'P4_hors_l441'],
        facteurs={'P4_demandes_pour_100': 100}
    ) }}
)

select * from final

-- P5 flux by réservataire, per landlord × réservataire for the year of t (INDICATORS.md P5):
--   P5_proposes: dwellings oriented to the réservataire in the year, from the landlord's yearly flux report
--     (bilan_flux, logements_proposes, dwellings in the EPCI's communes). The report of year N arrives
--     before 28 February N+1: until then the landlord's rows are non_calculable; the réservataire and EPCI
--     rows sum the reports received (coverage per landlord is given in the pack's Lisez-moi), and are
--     non_calculable while no report of the year has arrived.
--   P5_attribues: attributions imputed to the réservataire in the SNE (int_attributions: RADATT on a
--     dwelling of the EPCI, lease from 1 January to t of the year of t, i.e. year to date).
--   P5_part_flux: the réservataire's share of the landlord's attributions year to date (P5_attribues ÷ the
--     landlord's attributions); réservataire rows: its share of all the EPCI's attributions. valeur is the
--     share, with or without a convention row: the convention's share (engagements_cia, quota FLUX_PART) is
--     set beside it by the pages, not folded into valeur.
-- Rows: landlord × réservataire (niveau BAILLEUR, modalite reservataire=<code>); landlord (counts);
-- réservataire (niveau RESERVATAIRE); EPCI (counts). Zero-filled for every landlord active in the year
-- (bailleurs.date_fin empty or in the year or after) × every réservataire code.
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

-- the EPCI's communes
communes as (
    select code_geo as code_insee from geographies where niveau_geo = 'COMMUNE'
),

reservataires as (
    select code_geo as reservataire from geographies where niveau_geo = 'RESERVATAIRE'
),

bailleurs as (
    select bailleur_siren, date_fin from {{ ref('stg_bailleurs__bailleurs') }}
),

rapports as (
    select distinct bailleur_siren, annee from bilan_flux
),

bailleurs_actifs as (
    select tr.annee, tr.trimestre, b.bailleur_siren
    from trimestres tr
    cross join bailleurs b
    where b.date_fin is null or b.date_fin >= tr.debut_ytd
),

attributions_ytd as (
    select tr.annee, tr.trimestre, a.bailleur_siren, a.reservataire
    from trimestres tr
    join attributions a
        on a.date_signature_bail between tr.debut_ytd and tr.t
    join communes c on c.code_insee = a.commune_logement
),

faits_bruts as (
    -- oriented dwellings of the year's report
    select tr.annee, tr.trimestre, 'P5_proposes' as indicateur, f.bailleur_siren, f.reservataire,
        f.logements_proposes as num, 0 as den
    from trimestres tr
    join bilan_flux f on f.annee = tr.annee
    join communes c on c.code_insee = f.commune
    union all
    select annee, trimestre, 'P5_attribues', bailleur_siren, reservataire, 1, 0
    from attributions_ytd
    union all
    -- each attribution counts in its landlord's denominator for every réservataire
    select a.annee, a.trimestre, 'P5_part_flux', a.bailleur_siren, r.reservataire,
        (a.reservataire = r.reservataire)::integer, 1
    from attributions_ytd a
    cross join reservataires r
    union all
    select ba.annee, ba.trimestre, i.indicateur, ba.bailleur_siren, r.reservataire, 0, 0
    from bailleurs_actifs ba
    cross join reservataires r
    cross join (select unnest(['P5_proposes', 'P5_attribues', 'P5_part_flux']) as indicateur) i
),

faits as (
    select
        annee, trimestre, indicateur, null::varchar as commune, bailleur_siren, null::varchar as typologie,
        null::varchar as financement, null::varchar as qpv, reservataire, num, den, true as calculable
    from faits_bruts
),

lignes as (
    {{ parc_lignes(
        'faits',
        [[], ['bailleur_siren'], ['reservataire'], ['bailleur_siren', 'reservataire']],
        comptes=['P5_proposes', 'P5_attribues']
    ) }}
),

final as (
    select
        l.annee, l.trimestre, l.niveau_geo, l.code_geo, l.libelle_geo, l.indicateur, l.modalite,
        case when sans_rapport then null else l.valeur end as valeur,
        case when sans_rapport then null else l.numerateur end as numerateur,
        l.denominateur,
        case when sans_rapport then 'non_calculable' else l.statut end as statut
    from (
        select
            l.*,
            l.indicateur = 'P5_proposes' and case
                when l.niveau_geo = 'BAILLEUR' then r.bailleur_siren is null
                else l.annee not in (select annee from rapports)
            end as sans_rapport
        from lignes l
        left join rapports r on r.bailleur_siren = l.code_geo and r.annee = l.annee
    ) l
    -- a landlord's (or the EPCI's) share of its own attributions is 1: not a row
    where not (l.indicateur = 'P5_part_flux' and l.niveau_geo in ('BAILLEUR', 'EPCI') and l.modalite = 'ensemble')
)

select * from final

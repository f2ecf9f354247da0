-- S1, the commission's monthly table ("tableau de suivi", INDICATORS.md): one row per month of each quarter
-- of the history (modalite mois=AAAA-MM, then the cut), EPCI and per réservataire, in the long encoding.
-- S1_positionnements: positionings of the month, all, by motive (a positioning with several motives counts
-- under each: not summable), by opinion, by motive x opinion. S1_attributions_cal: CAL attributions (an
-- attribution decision that led to an offer, int_com_attributions_cal) of CALs held in the month; S1_baux:
-- leases signed in the month (int_attributions); both in total and for the categories DALO, priority
-- (recognised at attribution for leases), 1st quartile outside QPV (qpv=NON,motif=PREMIER_QUARTILE), urban
-- renewal, mutation, written with the positioning motives' codes. S1_part_ytd: leases from 1 January to the
-- end of the month in the category ÷ leases of that period (outside QPV with a known quartile for the 1st
-- quartile), to read against the targets (25 %, 25 %).
with trimestres as (
    select annee, trimestre, debut from {{ ref('int_trimestres') }}
),

positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
),

attributions_cal as (
    select * from {{ ref('int_com_attributions_cal') }}
),

baux as (
    select * from {{ ref('int_attributions') }}
),

codes as (
    select liste, code, libelle from {{ ref('stg_observatoire__codes') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo from {{ ref('int_geographies') }}
),

unites as (
    select niveau_geo as niveau, code_geo, libelle_geo from geographies where niveau_geo in ('EPCI', 'RESERVATAIRE')
),

indicateurs as (
    select * from (values
        ('S1_positionnements', 'comptage'),
        ('S1_attributions_cal', 'comptage'),
        ('S1_baux', 'comptage'),
        ('S1_part_ytd', 'part')
    ) as t (indicateur, nature)
),

mois as (
    select t.annee, t.trimestre, (t.debut + to_months(m))::date as mois
    from trimestres t
    cross join (values (0), (1), (2)) as m (m)
),

-- The household categories, from the positioning motives' code list (DROIT_COMMUN is not one).
categories as (
    select case when code = 'PREMIER_QUARTILE' then 'qpv=NON,motif=PREMIER_QUARTILE' else 'motif=' || code end as cle
    from codes
    where liste = 'motif_positionnement' and code in ('DALO', 'PRIORITAIRE', 'PREMIER_QUARTILE', 'RELOGEMENT_RU', 'MUTATION')
),

cles_s1 as (
    select 'S1_positionnements' as indicateur, '' as cle
    union all
    select 'S1_positionnements', 'motif=' || code from codes where liste = 'motif_positionnement'
    union all
    select 'S1_positionnements', 'avis=' || code from codes where liste = 'avis_commission'
    union all
    select 'S1_positionnements', 'motif=' || m.code || ',avis=' || a.code
    from codes m cross join codes a
    where m.liste = 'motif_positionnement' and a.liste = 'avis_commission'
    union all
    select i.indicateur, c.cle
    from (values ('S1_attributions_cal'), ('S1_baux')) as i (indicateur)
    cross join (select '' as cle union all select cle from categories) as c
    union all
    select 'S1_part_ytd', cle from categories
),

-- Positionings of the month: all, by motive (a positioning with several motives counts under each), by
-- opinion, by motive x opinion.
faits_s1_positionnements as (
    select
        'S1_positionnements' as indicateur, date_trunc('month', p.date_commission)::date as mois, p.reservataire,
        c.cle, 1.0 as num, null::double as den
    from positionnements p
    cross join lateral (
        select '' as cle
        union all select 'avis=' || p.avis_commission
        union all select 'motif=' || unnest(p.motifs_positionnement)
        union all select 'motif=' || unnest(p.motifs_positionnement) || ',avis=' || p.avis_commission
    ) as c
),

faits_s1_attributions_cal as (
    select 'S1_attributions_cal' as indicateur, a.mois, a.reservataire, c.cle, 1.0 as num, null::double as den
    from attributions_cal a
    join (select '' as cle union all select cle from categories) as c
        on c.cle = ''
        or (c.cle = 'motif=DALO' and a.dalo)
        or (c.cle = 'motif=PRIORITAIRE' and a.prioritaire)
        or (c.cle = 'qpv=NON,motif=PREMIER_QUARTILE' and a.premier_quartile and a.qpv = false)
        or (c.cle = 'motif=RELOGEMENT_RU' and a.relogement_ru)
        or (c.cle = 'motif=MUTATION' and a.mutation)
),

baux_categories as (
    select
        date_trunc('month', b.date_signature_bail)::date as mois, b.reservataire, c.cle,
        case c.cle
            when '' then true
            when 'motif=DALO' then b.dalo
            when 'motif=PRIORITAIRE' then b.prioritaire_attribution
            when 'qpv=NON,motif=PREMIER_QUARTILE' then b.premier_quartile
            when 'motif=RELOGEMENT_RU' then b.relogement_ru
            when 'motif=MUTATION' then b.mutation
        end as dans_categorie,
        -- denominator of the YTD share: all leases, outside QPV with a known quartile for the 1st quartile
        case when c.cle = 'qpv=NON,motif=PREMIER_QUARTILE'
             then b.qpv = false and b.premier_quartile is not null else true end as dans_denominateur
    from baux b
    cross join (select '' as cle union all select cle from categories) as c
),

faits_s1_baux as (
    select 'S1_baux' as indicateur, mois, reservataire, cle, 1.0 as num, null::double as den
    from baux_categories
    where dans_categorie and dans_denominateur
),

-- YTD: the leases from 1 January to the end of the month.
faits_s1_part_ytd as (
    select
        'S1_part_ytd' as indicateur, m.mois, b.reservataire, b.cle,
        (coalesce(b.dans_categorie, false) and b.dans_denominateur)::int::double as num, 1.0 as den
    from mois m
    join baux_categories b
        on b.mois >= make_date(year(m.mois), 1, 1) and b.mois <= m.mois
    where b.cle <> '' and b.dans_denominateur
),

faits_s1 as (
    select * from faits_s1_positionnements
    union all select * from faits_s1_attributions_cal
    union all select * from faits_s1_baux
    union all select * from faits_s1_part_ytd
),

agregats_s1 as (
    select indicateur, mois, 'EPCI' as niveau_geo, {{ epci_siren() }} as code_geo, cle, sum(num) as num, sum(den) as den
    from faits_s1 group by all
    union all
    select indicateur, mois, 'RESERVATAIRE', reservataire, cle, sum(num), sum(den)
    from faits_s1 where reservataire is not null group by all
),

final_s1 as (
    select
        m.annee, m.trimestre, u.niveau as niveau_geo, u.code_geo, u.libelle_geo, c.indicateur,
        'mois=' || strftime(m.mois, '%Y-%m') || case when c.cle <> '' then ',' || c.cle else '' end as modalite,
        i.nature,
        coalesce(a.num, 0) as num, coalesce(a.den, 0) as den
    from mois m
    cross join cles_s1 c
    join indicateurs i on i.indicateur = c.indicateur
    join unites u on u.niveau in ('EPCI', 'RESERVATAIRE')
    left join agregats_s1 a
        on a.indicateur = c.indicateur and a.mois = m.mois and a.niveau_geo = u.niveau
       and a.code_geo = u.code_geo and a.cle = c.cle
),

final as (
    select
        annee::integer as annee,
        trimestre::integer as trimestre,
        niveau_geo,
        code_geo,
        libelle_geo,
        indicateur,
        modalite,
        case when nature = 'comptage' then num when den > 0 then num / den end::double as valeur,
        num::double as numerateur,
        case when nature = 'part' then den end::double as denominateur,
        case when nature = 'part' and den = 0 then 'non_calculable' else 'ok' end as statut
    from final_s1
)

select * from final

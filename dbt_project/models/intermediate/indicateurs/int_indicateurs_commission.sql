-- Commission and CAL family (INDICATORS.md C1-C4) in the long encoding of Appendix A, every quarter of the
-- history, before confidentiality. Facts are observations (num, den, x) keyed by landlord, réservataire,
-- commune, dwelling type and a modality (`cle`: decision=, motif=); they are aggregated per level and laid
-- on a scaffold (quarter x unit x modality) so that an empty cell is a row too: a share with no denominator is
-- non_calculable; landlord rows of CAL indicators for a landlord that sends no CAL returns are sans_objet.
with trimestres as (
    select annee, trimestre from {{ ref('int_trimestres') }}
),

-- S1, the commission's monthly table, is built apart (one row per month: its own grid).
suivi_mensuel as (
    select * from {{ ref('int_com_suivi_mensuel') }}
),

examens as (
    select * from {{ ref('int_com_examens_cal') }}
),

parcours as (
    select * from {{ ref('int_com_parcours') }}
),

positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
),

bailleurs as (
    select bailleur_siren, perimetre_cal from {{ ref('stg_bailleurs__bailleurs') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo from {{ ref('int_geographies') }}
),

codes as (
    select liste, code, libelle from {{ ref('stg_observatoire__codes') }}
),

-- Which levels each indicator publishes (INDICATORS.md "Rows": EPCI, EPCI x each dimension of the grain,
-- commune, commune x type where the type is in the grain) and how its value is computed.
indicateurs as (
    select * from (values
        ('C1', 'part', 'cal'),
        ('C1_candidats_par_logement', 'ratio', 'cal'),
        ('C2', 'part', 'cal'),
        ('C2_rang1', 'part', 'cal'),
        ('C3', 'part', 'cal'),
        ('C3_avant_cal', 'part', 'positionnements'),
        ('C4_examines', 'part', 'parcours'),
        ('C4_attribues', 'part', 'parcours'),
        ('C4_baux', 'part', 'parcours'),
        ('C4_refus_avant_cal', 'part', 'parcours'),
        ('C4_delai_median', 'mediane', 'parcours')
    ) as t (indicateur, nature, source)
),

niveaux_indicateurs as (
    select i.indicateur, n.niveau
    from indicateurs i
    cross join (values ('EPCI'), ('BAILLEUR'), ('COMMUNE')) as n (niveau)
    where i.indicateur in ('C1', 'C1_candidats_par_logement')
    union all
    select i.indicateur, n.niveau
    from indicateurs i
    cross join (values ('EPCI'), ('EPCI_TYPOLOGIE'), ('BAILLEUR'), ('RESERVATAIRE'), ('COMMUNE'), ('COMMUNE_TYPOLOGIE')) as n (niveau)
    where i.indicateur in ('C2', 'C2_rang1', 'C3', 'C3_avant_cal')
    union all
    select i.indicateur, n.niveau
    from indicateurs i
    cross join (values ('EPCI'), ('RESERVATAIRE'), ('COMMUNE')) as n (niveau)
    where i.indicateur like 'C4%'
),

-- Modalities of each indicator ('' = ensemble).
cles as (
    select 'C1' as indicateur, 'decision=' || code as cle from codes where liste = 'decision_cal'
    union all
    select 'C1_candidats_par_logement', ''
    union all
    select 'C1_candidats_par_logement', 'motif=' || code from codes where liste = 'exemption_trois_candidats'
    union all
    select 'C3', 'motif=' || code from codes where liste = 'motif_refus'
    union all
    select 'C3_avant_cal', 'motif=' || code from codes where liste = 'motif_refus'
    union all
    select indicateur, '' from indicateurs
    where indicateur in ('C2', 'C2_rang1') or indicateur like 'C4%'
),

-- Dwelling types T1...T6P (no C: a chambre has no dwelling counterpart).
typologies as (
    select code as typologie from codes where liste = 'typologie_bilan'
),

unites as (
    select niveau_geo as niveau, code_geo, libelle_geo
    from geographies
    where niveau_geo in ('EPCI', 'BAILLEUR', 'RESERVATAIRE', 'COMMUNE')
),

-- C1: every candidate examined by a CAL held in the quarter, once per decision (num = has that decision).
faits_c1 as (
    select
        'C1' as indicateur, e.annee, e.trimestre, e.bailleur_siren, e.reservataire, e.commune, e.typologie,
        c.cle, (c.cle = 'decision=' || e.decision)::int::double as num, 1.0 as den, null::double as x
    from examens e
    join cles c on c.indicateur = 'C1'
),

-- C1_candidats_par_logement: candidates per dwelling examined (a dwelling x CAL session), overall and by
-- the exemption the landlord gives for examining fewer than three.
examens_logements as (
    select
        annee, trimestre, bailleur_siren, ident_rep, date_cal,
        any_value(commune) as commune, any_value(typologie) as typologie,
        max(exemption_trois_candidats) as exemption,
        count(*) as candidats
    from examens
    group by annee, trimestre, bailleur_siren, ident_rep, date_cal
),

faits_c1_logements as (
    select
        'C1_candidats_par_logement' as indicateur, annee, trimestre, bailleur_siren, null as reservataire,
        commune, typologie, c.cle, candidats::double as num, 1.0 as den, null::double as x
    from examens_logements l
    join cles c on c.indicateur = 'C1_candidats_par_logement'
        and (c.cle = '' or c.cle = 'motif=' || l.exemption)
),

-- C2: offers of a CAL held in the quarter that were answered or expired; refused = REFUSE or SANS_REPONSE.
-- A pending offer (no answer yet) is in neither side; a candidate without an offer is no offer.
faits_c2 as (
    select
        'C2' as indicateur, annee, trimestre, bailleur_siren, reservataire, commune, typologie,
        '' as cle, offre_refusee::int::double as num, 1.0 as den, null::double as x
    from examens
    where est_offre and offre_repondue
),

-- C2_rang1: dwellings (x CAL session) whose rank-1 offer was answered or expired; refused or not. A rank-2
-- offer never counts here, even when it follows a rank-1 refusal.
faits_c2_rang1 as (
    select
        'C2_rang1' as indicateur, annee, trimestre, bailleur_siren,
        any_value(reservataire) as reservataire, any_value(commune) as commune, any_value(typologie) as typologie,
        '' as cle, bool_or(offre_refusee)::int::double as num, 1.0 as den, null::double as x
    from examens
    where est_offre and offre_repondue and rang_offre = 1
    group by annee, trimestre, bailleur_siren, ident_rep, date_cal
),

-- C3: motives of the offers refused (REFUSE: an expired offer has no motive).
faits_c3 as (
    select
        'C3' as indicateur, e.annee, e.trimestre, e.bailleur_siren, e.reservataire, e.commune, e.typologie,
        c.cle, (c.cle = 'motif=' || e.motif_refus)::int::double as num, 1.0 as den, null::double as x
    from examens e
    join cles c on c.indicateur = 'C3'
    where e.est_offre and e.reponse_candidat = 'REFUSE' and e.motif_refus is not null
),

-- C3_avant_cal: motives of the refusals before the CAL of the positionings of the quarter.
faits_c3_avant_cal as (
    select
        'C3_avant_cal' as indicateur, year(p.date_commission) as annee, quarter(p.date_commission) as trimestre,
        p.bailleur_siren, p.reservataire, p.commune_logement as commune,
        {{ typologie_logement('p.typologie_logement') }} as typologie,
        c.cle, (c.cle = 'motif=' || p.motif_refus_avant_cal)::int::double as num, 1.0 as den, null::double as x
    from positionnements p
    join cles c on c.indicateur = 'C3_avant_cal'
    where p.motif_refus_avant_cal is not null
),

-- C4: the positionings validated in the quarter, followed through (int_com_parcours), as shares of them;
-- the headline delay is commission -> lease signed, in days, over the positionings that reached a lease.
faits_c4 as (
    select
        i.indicateur, p.annee, p.trimestre, p.bailleur_siren, p.reservataire, p.commune, null as typologie,
        '' as cle,
        case i.indicateur
            when 'C4_examines' then p.examine::int
            when 'C4_attribues' then p.attribue::int
            when 'C4_baux' then p.bail_signe::int
            when 'C4_refus_avant_cal' then p.refus_avant_cal::int
        end::double as num,
        1.0 as den,
        case when i.indicateur = 'C4_delai_median' then p.delai_commission_bail_jours end::double as x
    from parcours p
    cross join (select indicateur from indicateurs where source = 'parcours') as i
),

faits as (
    select * from faits_c1
    union all select * from faits_c1_logements
    union all select * from faits_c2
    union all select * from faits_c2_rang1
    union all select * from faits_c3
    union all select * from faits_c3_avant_cal
    union all select * from faits_c4
),

agregats as (
    {{ com_agreger('faits', 'EPCI', epci_siren()) }}
    union all
    {{ com_agreger('faits', 'EPCI_TYPOLOGIE', epci_siren(), par_typologie=true) }}
    union all
    {{ com_agreger('faits', 'BAILLEUR', 'bailleur_siren') }}
    union all
    {{ com_agreger('faits', 'RESERVATAIRE', 'reservataire') }}
    union all
    {{ com_agreger('faits', 'COMMUNE', 'commune') }}
    union all
    {{ com_agreger('faits', 'COMMUNE_TYPOLOGIE', 'commune', par_typologie=true) }}
),

grille as (
    select
        t.annee, t.trimestre, ni.indicateur, i.nature, i.source, ni.niveau,
        u.niveau as niveau_geo, u.code_geo, u.libelle_geo,
        coalesce(ty.typologie, '') as typologie, c.cle
    from trimestres t
    cross join niveaux_indicateurs ni
    join indicateurs i on i.indicateur = ni.indicateur
    join unites u on u.niveau = replace(replace(ni.niveau, '_TYPOLOGIE', ''), 'EPCI', 'EPCI')
    join cles c on c.indicateur = ni.indicateur
    left join typologies ty on ni.niveau like '%_TYPOLOGIE'
    where ni.niveau not like '%_TYPOLOGIE' or ty.typologie is not null
),

calcul as (
    select
        g.*,
        coalesce(a.num, 0) as num,
        coalesce(a.den, 0) as den,
        a.mediane,
        coalesce(a.n_obs, 0) as n_obs,
        g.niveau_geo = 'BAILLEUR' and g.source <> 'positionnements' and b.perimetre_cal = 'AUCUN' as sans_cal
    from grille g
    left join agregats a
        on a.indicateur = g.indicateur and a.annee = g.annee and a.trimestre = g.trimestre
       and a.niveau = g.niveau and a.code_geo = g.code_geo and a.typologie = g.typologie and a.cle = g.cle
    left join bailleurs b on g.niveau_geo = 'BAILLEUR' and b.bailleur_siren = g.code_geo
),

final_c as (
    select
        annee, trimestre, niveau_geo, code_geo, libelle_geo, indicateur,
        {{ com_modalite(["case when typologie <> '' then 'typologie=' || typologie end", 'cle']) }} as modalite,
        nature, sans_cal, num, den, mediane, n_obs
    from calcul
),

lignes as (
    select * from final_c
),

lignes_c as (
    select
        annee::integer as annee,
        trimestre::integer as trimestre,
        niveau_geo,
        code_geo,
        libelle_geo,
        indicateur,
        modalite,
        case
            when sans_cal then null
            when nature = 'comptage' then num
            when nature = 'mediane' then mediane
            when den > 0 then num / den
        end::double as valeur,
        case when sans_cal or nature = 'mediane' then null else num end::double as numerateur,
        case when sans_cal or nature = 'comptage' then null when nature = 'mediane' then n_obs else den end::double
            as denominateur,
        case
            when sans_cal then 'sans_objet'
            when nature = 'comptage' then 'ok'
            when nature = 'mediane' and n_obs = 0 then 'non_calculable'
            when den = 0 then 'non_calculable'
            else 'ok'
        end as statut
    from lignes
),

final as (
    select {{ colonnes_indicateurs() }} from lignes_c
    union all
    select {{ colonnes_indicateurs() }} from suivi_mensuel
)

select * from final

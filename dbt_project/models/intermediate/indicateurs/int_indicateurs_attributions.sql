-- Attribution family of fct_indicateurs (INDICATORS.md): D5, D5_r4q, D6, D6_hors_mutation, D8, D10 (attribution
-- side), D12, Q1, Q2, Q2_hors_ru, Q3, X1, X2, I1. An attribution is a RADATT dated by its lease, counted on the
-- dwelling's commune and type; a demand is one of the quarter's snapshot, on its 1st-choice commune and
-- smallest wished type. Every quarter x row key of the frame has its row (counts with no event: 0, ok).
-- Boolean cuts are spelled `qpv=OUI|NON`, `mutation=OUI|NON`, `prioritaire=OUI|NON`.
with trimestres as (
    select annee, trimestre, debut, fin, debut_r4q, debut_ytd, date_extraction
    from {{ ref('int_trimestres') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo, code_secteur from {{ ref('int_geographies') }}
),

attributions_source as (
    select * from {{ ref('int_attributions') }}
),

demandes_source as (
    select * from {{ ref('int_demandes_enrichies') }}
),

typologies as (
    select unnest(['C', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6P']) as typologie
),

epci as (
    select niveau_geo, code_geo, libelle_geo from geographies where niveau_geo = 'EPCI'
),

-- The EPCI's communes, with their sector (en_secteur: grouped with other small communes).
communes as (
    select niveau_geo, code_geo, libelle_geo, code_secteur, code_secteur <> code_geo as en_secteur
    from geographies
    where niveau_geo = 'COMMUNE'
),

secteurs as (
    select niveau_geo, code_geo, libelle_geo from geographies where niveau_geo = 'SECTEUR'
),

reservataires as (
    select code_geo as reservataire, libelle_geo as libelle from geographies where niveau_geo = 'RESERVATAIRE'
),

-- Landlords: the referential plus any SIREN met in attributions (label: the SIREN itself).
bailleurs as (
    select code_geo as bailleur_siren, libelle_geo as nom_bailleur from geographies where niveau_geo = 'BAILLEUR'
    union all
    select distinct bailleur_siren, bailleur_siren
    from attributions_source
    where bailleur_siren not in (select code_geo from geographies where niveau_geo = 'BAILLEUR')
),

-- The frame: every row key an indicator of the family may publish.
cles as (
    select 'epci' as type_cle, niveau_geo, code_geo, libelle_geo, 'ensemble' as modalite,
           null as typologie, null as reservataire, false as en_secteur
    from epci
    union all
    select 'epci_typo', niveau_geo, code_geo, libelle_geo, 'typologie=' || typologie, typologie, null, false
    from epci cross join typologies
    union all
    select 'epci_' || cle, niveau_geo, code_geo, libelle_geo, cle || '=' || valeur, null, null, false
    from epci
    cross join (select unnest(['qpv', 'mutation', 'prioritaire']) as cle) k
    cross join (select unnest(['OUI', 'NON']) as valeur) v
    union all
    select 'commune', niveau_geo, code_geo, libelle_geo, 'ensemble', null, null, en_secteur
    from communes
    union all
    select 'commune_typo', niveau_geo, code_geo, libelle_geo, 'typologie=' || typologie, typologie, null, en_secteur
    from communes cross join typologies
    union all
    select 'secteur', niveau_geo, code_geo, libelle_geo, 'ensemble', null, null, true
    from secteurs
    union all
    select 'secteur_typo', niveau_geo, code_geo, libelle_geo, 'typologie=' || typologie, typologie, null, true
    from secteurs cross join typologies
    union all
    select 'reservataire', 'RESERVATAIRE', reservataire, libelle, 'ensemble', null, reservataire, false
    from reservataires
    union all
    select 'bailleur', 'BAILLEUR', bailleur_siren, nom_bailleur, 'ensemble', null, null, false
    from bailleurs
    union all
    select 'bailleur_reservataire', 'BAILLEUR', b.bailleur_siren, b.nom_bailleur, 'reservataire=' || r.reservataire,
           null, r.reservataire, false
    from bailleurs b cross join reservataires r
),

-- Attributions in the EPCI's communes, with each quarter whose R4Q or YTD window holds the lease.
attributions as (
    select
        t.annee,
        t.trimestre,
        a.*,
        c.code_secteur,
        a.date_signature_bail >= t.debut as dans_trimestre,
        a.date_signature_bail >= t.debut_r4q as dans_r4q,
        a.date_signature_bail >= t.debut_ytd as dans_ytd
    from trimestres t
    inner join attributions_source a
        on a.date_signature_bail between least(t.debut_r4q, t.debut_ytd) and t.fin
    inner join communes c on c.code_geo = a.commune_logement
),

-- Each attribution under every row key it counts in.
attributions_cles as (
    select
        annee, trimestre, dans_trimestre, dans_r4q, dans_ytd, mutation, mutation_interne, sortie_hebergement_rue,
        prioritaire_attribution, qpv, relogement_ru, premier_quartile, attente_mois,
        unnest([
            {{ att_cles_territoires('commune_logement') }},
            {'niveau_geo': 'EPCI', 'code_geo': {{ epci_siren() }},
             'modalite': 'qpv=' || case when qpv then 'OUI' else 'NON' end},
            {'niveau_geo': 'EPCI', 'code_geo': {{ epci_siren() }},
             'modalite': 'mutation=' || case when mutation then 'OUI' else 'NON' end},
            {'niveau_geo': 'EPCI', 'code_geo': {{ epci_siren() }},
             'modalite': 'prioritaire=' || case when prioritaire_attribution then 'OUI' else 'NON' end},
            {'niveau_geo': 'RESERVATAIRE', 'code_geo': reservataire, 'modalite': 'ensemble'},
            {'niveau_geo': 'BAILLEUR', 'code_geo': bailleur_siren, 'modalite': 'ensemble'},
            {'niveau_geo': 'BAILLEUR', 'code_geo': bailleur_siren, 'modalite': 'reservataire=' || reservataire}
        ]) as cle
    from attributions
),

mesures_attributions as (
    select
        annee,
        trimestre,
        cle.niveau_geo as niveau_geo,
        cle.code_geo as code_geo,
        cle.modalite as modalite,
        count(*) filter (where dans_trimestre) as d5,
        count(*) filter (where dans_trimestre and mutation) as d5_mutations,
        count(*) filter (where dans_trimestre and mutation_interne) as d5_internes,
        count(*) filter (where dans_trimestre and sortie_hebergement_rue) as d12,
        count(*) filter (where dans_trimestre and prioritaire_attribution) as d5_prioritaires,
        count(*) filter (where dans_r4q) as d5_r4q,
        count(*) filter (where dans_r4q and not coalesce(mutation, false)) as d5_r4q_hors_mutation,
        count(attente_mois) filter (where dans_r4q) as attente_n,
        quantile_cont(attente_mois, 0.5) filter (where dans_r4q) as attente_mediane,
        {{ moyenne('attente_mois') }} filter (where dans_r4q) as attente_moyenne,
        count(*) filter (where dans_ytd) as ytd,
        count(*) filter (where dans_ytd and prioritaire_attribution) as ytd_prioritaires,
        -- Q2: 1st quartile or urban-renewal rehousing, counted once; unknown quartile and not RU: in neither.
        count(*) filter (where dans_ytd and not qpv and (coalesce(relogement_ru, false) or premier_quartile is not null))
            as q2_denominateur,
        count(*) filter (where dans_ytd and not qpv and (coalesce(relogement_ru, false) or coalesce(premier_quartile, false)))
            as q2_numerateur,
        count(*) filter (where dans_ytd and not qpv and premier_quartile is not null) as q2_hors_ru_denominateur,
        count(*) filter (where dans_ytd and not qpv and premier_quartile) as q2_hors_ru_numerateur,
        -- Q3: unknown quartile in neither numerator nor denominator.
        count(*) filter (where dans_ytd and qpv and premier_quartile is not null) as q3_denominateur,
        count(*) filter (where dans_ytd and qpv and not premier_quartile) as q3_numerateur
    from attributions_cles
    group by all
),

-- Active demands of each quarter's snapshot, on the 1st-choice commune of the EPCI.
demandes as (
    select
        t.annee,
        t.trimestre,
        d.*,
        c.code_secteur,
        d.date_depot <= t.fin - interval 5 year as depuis_5_ans
    from trimestres t
    inner join demandes_source d on d.date_extraction = t.date_extraction
    inner join communes c on c.code_geo = d.commune_choix1
),

demandes_cles as (
    select
        annee, trimestre, mutation, prioritaire_declare, depuis_5_ans,
        unnest([{{ att_cles_territoires('commune_choix1') }}]) as cle
    from demandes
),

mesures_demandes as (
    select
        annee,
        trimestre,
        cle.niveau_geo as niveau_geo,
        cle.code_geo as code_geo,
        cle.modalite as modalite,
        count(*) as d1,
        count(*) filter (where not coalesce(mutation, false)) as d1_hors_mutation,
        count(*) filter (where prioritaire_declare) as d1_prioritaires,
        count(*) filter (where depuis_5_ans) as d1_5_ans
    from demandes_cles
    group by all
),

base as (
    select
        t.annee,
        t.trimestre,
        t.date_extraction is null as sans_extraction,
        k.*,
        coalesce(a.d5, 0) as d5,
        coalesce(a.d5_mutations, 0) as d5_mutations,
        coalesce(a.d5_internes, 0) as d5_internes,
        coalesce(a.d12, 0) as d12,
        coalesce(a.d5_prioritaires, 0) as d5_prioritaires,
        coalesce(a.d5_r4q, 0) as d5_r4q,
        coalesce(a.d5_r4q_hors_mutation, 0) as d5_r4q_hors_mutation,
        coalesce(a.attente_n, 0) as attente_n,
        a.attente_mediane,
        a.attente_moyenne,
        coalesce(a.ytd, 0) as ytd,
        coalesce(a.ytd_prioritaires, 0) as ytd_prioritaires,
        coalesce(a.q2_numerateur, 0) as q2_numerateur,
        coalesce(a.q2_denominateur, 0) as q2_denominateur,
        coalesce(a.q2_hors_ru_numerateur, 0) as q2_hors_ru_numerateur,
        coalesce(a.q2_hors_ru_denominateur, 0) as q2_hors_ru_denominateur,
        coalesce(a.q3_numerateur, 0) as q3_numerateur,
        coalesce(a.q3_denominateur, 0) as q3_denominateur,
        -- snapshot counts: null when the quarter has no snapshot
        case when t.date_extraction is not null then coalesce(d.d1, 0) end as d1,
        case when t.date_extraction is not null then coalesce(d.d1_hors_mutation, 0) end as d1_hors_mutation,
        case when t.date_extraction is not null then coalesce(d.d1_prioritaires, 0) end as d1_prioritaires,
        case when t.date_extraction is not null then coalesce(d.d1_5_ans, 0) end as d1_5_ans
    from trimestres t
    cross join cles k
    left join mesures_attributions a
        on a.annee = t.annee and a.trimestre = t.trimestre
        and a.niveau_geo = k.niveau_geo and a.code_geo = k.code_geo and a.modalite = k.modalite
    left join mesures_demandes d
        on d.annee = t.annee and d.trimestre = t.trimestre
        and d.niveau_geo = k.niveau_geo and d.code_geo = k.code_geo and d.modalite = k.modalite
),

base_epci as (
    select b.*, e.d1 as d1_epci, e.d5 as d5_epci
    from base b
    inner join base e
        on e.annee = b.annee and e.trimestre = b.trimestre and e.type_cle = 'epci'
),

-- D5, D5_r4q: EPCI, EPCI x typology / réservataire / landlord / QPV / mutation / priority, commune (x typology).
d5 as (
    select {{ ligne_compte('D5', 'd5') }}
    from base
    where type_cle in ('epci', 'epci_typo', 'epci_qpv', 'epci_mutation', 'epci_prioritaire', 'commune', 'commune_typo',
                       'reservataire', 'bailleur')
      and coalesce(typologie, '') <> 'C'
    union all
    select {{ ligne_compte('D5_r4q', 'd5_r4q') }}
    from base
    where type_cle in ('epci', 'epci_typo', 'epci_qpv', 'epci_mutation', 'epci_prioritaire', 'commune', 'commune_typo',
                       'reservataire', 'bailleur')
      and coalesce(typologie, '') <> 'C'
),

-- D6: D1 at t / D5_r4q, only from 10 attributions; C, or no snapshot: non_calculable.
d6 as (
    select {{ ligne_ratio('D6', 'd1', 'd5_r4q', 10, "sans_extraction or coalesce(typologie, '') = 'C'") }}
    from base
    where type_cle in ('epci', 'epci_typo', 'commune', 'commune_typo')
    union all
    select {{ ligne_ratio('D6_hors_mutation', 'd1_hors_mutation', 'd5_r4q_hors_mutation', 10,
                          "sans_extraction or coalesce(typologie, '') = 'C'") }}
    from base
    where type_cle in ('epci', 'epci_typo', 'commune', 'commune_typo')
),

-- D8: lease - deposit in months over R4Q attributions, on the dwelling's commune x type let.
d8 as (
    select {{ ligne_statistique('D8_median', 'attente_mediane', 'attente_n') }}
    from base
    where type_cle in ('epci', 'epci_typo', 'commune', 'commune_typo') and coalesce(typologie, '') <> 'C'
    union all
    select {{ ligne_statistique('D8_moyenne', 'attente_moyenne', 'attente_n') }}
    from base
    where type_cle in ('epci', 'epci_typo', 'commune', 'commune_typo') and coalesce(typologie, '') <> 'C'
),

-- D10: mutations among D5; internal mutations among the mutations of D5.
d10 as (
    select {{ ligne_ratio('D10_attributions', 'd5_mutations', 'd5') }}
    from base
    where type_cle in ('epci', 'commune')
    union all
    select {{ ligne_ratio('D10_internes', 'd5_internes', 'd5_mutations') }}
    from base
    where type_cle in ('epci', 'commune')
),

d12 as (
    select {{ ligne_compte('D12', 'd12') }}
    from base
    where type_cle in ('epci', 'commune')
),

-- Q1 (YTD): réservataire rows and landlord x réservataire rows; PFONCT, AUTRES: sans_objet.
q1_calcul as (
    select {{ ligne_ratio('Q1', 'ytd_prioritaires', 'ytd') }}, reservataire
    from base
    where type_cle in ('reservataire', 'bailleur_reservataire')
),

q1 as (
    select
        annee, trimestre, niveau_geo, code_geo, libelle_geo, indicateur, modalite,
        case when reservataire in ('PFONCT', 'AUTRES') then null else valeur end as valeur,
        case when reservataire in ('PFONCT', 'AUTRES') then null else numerateur end as numerateur,
        case when reservataire in ('PFONCT', 'AUTRES') then null else denominateur end as denominateur,
        case when reservataire in ('PFONCT', 'AUTRES') then 'sans_objet' else statut end as statut
    from q1_calcul
),

-- Q2, Q2_hors_ru (YTD, outside QPV): EPCI, landlord and réservataire rows. Q3 (YTD, in QPV): EPCI, landlord.
q2_q3 as (
    select {{ ligne_ratio('Q2', 'q2_numerateur', 'q2_denominateur') }}
    from base
    where type_cle in ('epci', 'bailleur', 'reservataire')
    union all
    select {{ ligne_ratio('Q2_hors_ru', 'q2_hors_ru_numerateur', 'q2_hors_ru_denominateur') }}
    from base
    where type_cle in ('epci', 'bailleur', 'reservataire')
    union all
    select {{ ligne_ratio('Q3', 'q3_numerateur', 'q3_denominateur') }}
    from base
    where type_cle in ('epci', 'bailleur')
),

-- X1: share of D1 by type wished vs share of D5 by type let (EPCI x typology).
x1 as (
    select {{ ligne_ratio('X1_demandes', 'd1', 'd1_epci', 1, 'sans_extraction') }}
    from base_epci
    where type_cle = 'epci_typo'
    union all
    select {{ ligne_ratio('X1_attributions', 'd5', 'd5_epci', 1, "typologie = 'C'") }}
    from base_epci
    where type_cle = 'epci_typo'
),

-- X2: declared priority share in D1 (EPCI, commune) vs recognised priority share in D5 (+ réservataire).
x2 as (
    select {{ ligne_ratio('X2_demandes', 'd1_prioritaires', 'd1', 1, 'sans_extraction') }}
    from base
    where type_cle in ('epci', 'commune')
    union all
    select {{ ligne_ratio('X2_attributions', 'd5_prioritaires', 'd5') }}
    from base
    where type_cle in ('epci', 'commune', 'reservataire')
),

-- I1: per commune, or per sector for the communes grouped in a sector, x typology (and EPCI).
i1_base as (
    select *
    from base
    where type_cle in ('epci', 'epci_typo', 'secteur', 'secteur_typo')
       or (type_cle in ('commune', 'commune_typo') and not en_secteur)
),

i1 as (
    select {{ ligne_compte('I1_demandes', 'd1', 'sans_extraction') }}
    from i1_base
    union all
    select {{ ligne_compte('I1_attributions_12m', 'd5_r4q', "coalesce(typologie, '') = 'C'") }}
    from i1_base
    union all
    select {{ ligne_statistique('I1_delai_median', 'attente_mediane', 'attente_n', "coalesce(typologie, '') = 'C'") }}
    from i1_base
    union all
    select {{ ligne_ratio('I1_demandes_par_attribution', 'd1', 'd5_r4q', 10,
                          "sans_extraction or coalesce(typologie, '') = 'C'") }}
    from i1_base
    union all
    select {{ ligne_ratio('I1_part_5ans', 'd1_5_ans', 'd1', 1, 'sans_extraction') }}
    from i1_base
),

unions as (
    select * from d5
    union all select * from d6
    union all select * from d8
    union all select * from d10
    union all select * from d12
    union all select * from q1
    union all select * from q2_q3
    union all select * from x1
    union all select * from x2
    union all select * from i1
),

final as (
    select
        annee::integer as annee,
        trimestre::integer as trimestre,
        niveau_geo::varchar as niveau_geo,
        code_geo::varchar as code_geo,
        libelle_geo::varchar as libelle_geo,
        indicateur::varchar as indicateur,
        modalite::varchar as modalite,
        valeur::double as valeur,
        numerateur::double as numerateur,
        denominateur::double as denominateur,
        statut::varchar as statut
    from unions
    -- test hook: unit tests narrow the (large) frame with a predicate; always true otherwise
    where {{ var('attributions_filtre_test', 'true') }}
)

select * from final

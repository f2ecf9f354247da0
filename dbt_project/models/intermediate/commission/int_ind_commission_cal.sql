-- CAL outcomes and refusals (INDICATORS.md C1-C3), CAL sessions of the quarter, on the dwelling's landlord,
-- commune and type:
-- C1 share of the candidates examined by decision; C1_candidats_par_logement candidates per dwelling examined
--    (a dwelling x CAL session), overall and by the exemption the landlord gives for examining fewer than three;
-- C2 offers refused (REFUSE, SANS_REPONSE) ÷ offers answered or expired (a pending offer is in neither);
--    C2_rang1 dwellings whose rank-1 offer was refused ÷ dwellings with an answered rank-1 offer;
-- C3 motives of the refused offers; C3_avant_cal motives of the refusals before the CAL of the quarter's
--    positionings. Landlord rows of the CAL figures are sans_objet for a landlord that sends no CAL returns.
-- A candidate whose dwelling has no known commune counts at the EPCI and on the "commune non renseignée" row.
-- The figures per dwelling (C1_candidats_par_logement, C2_rang1) count only the landlords that send every
-- candidate examined (perimetre_cal TOUS): one that sends the CASA's candidates only would show fewer
-- candidates per dwelling, and rank-1 offers to candidates it does not send.
with examens as (
    select * replace (coalesce(commune, {{ commune_inconnue() }}) as commune) from {{ ref('int_examens_cal') }}
),

positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
),

bailleurs as (
    select bailleur_siren, perimetre_cal from {{ ref('stg_bailleurs__bailleurs') }}
),

codes as (
    select liste, code from {{ ref('stg_observatoire__codes') }}
),

logements_examines as (
    select
        annee, trimestre, bailleur_siren, ident_rep, date_cal,
        -- the réservataire of the rank-1 offer (C2_rang1), else of any candidate
        coalesce(any_value(reservataire) filter (where est_offre and rang_offre = 1), any_value(reservataire))
            as reservataire,
        any_value(commune) as commune, any_value(typologie) as typologie,
        max(exemption_trois_candidats) as exemption,
        count(*) as candidats,
        bool_or(est_offre and offre_repondue and rang_offre = 1) as offre_rang1_repondue,
        bool_or(est_offre and offre_repondue and rang_offre = 1 and offre_refusee) as offre_rang1_refusee
    from examens
    where
        bailleur_siren in (
            select b.bailleur_siren from bailleurs as b
            where b.perimetre_cal = 'TOUS'
        )
    group by annee, trimestre, bailleur_siren, ident_rep, date_cal
),

faits as (
    -- every candidate counts once in the denominator of every decision
    select
        e.annee, e.trimestre, 'C1' as indicateur, e.bailleur_siren as bailleur, e.reservataire, e.commune,
        e.typologie, c.code as decision, null as motif, (e.decision = c.code)::int as num, 1 as den
    from examens as e
    inner join codes as c on c.liste = 'decision_cal'
    union all
    select
        annee, trimestre, 'C1_candidats_par_logement', bailleur_siren, reservataire, commune, typologie, null,
        exemption, candidats, 1
    from logements_examines
    union all
    select
        annee, trimestre, 'C2', bailleur_siren, reservataire, commune, typologie, null, null,
        offre_refusee::int, 1
    from examens
    where est_offre and offre_repondue
    union all
    select
        annee, trimestre, 'C2_rang1', bailleur_siren, reservataire, commune, typologie, null, null,
        offre_rang1_refusee::int, 1
    from logements_examines
    where offre_rang1_repondue
    union all
    -- an expired offer has no motive: C3 counts the refusals that give one
    select
        e.annee, e.trimestre, 'C3', e.bailleur_siren, e.reservataire, e.commune, e.typologie, null, c.code,
        (e.motif_refus = c.code)::int, 1
    from examens as e
    inner join codes as c on c.liste = 'motif_refus'
    where e.est_offre and e.reponse_candidat = 'REFUSE' and e.motif_refus is not null
    union all
    select
        year(p.date_commission), quarter(p.date_commission), 'C3_avant_cal', p.bailleur_siren, p.reservataire,
        p.commune_logement, {{ typologie_logement('p.typologie_logement') }}, null, c.code,
        (p.motif_refus_avant_cal = c.code)::int, 1
    from positionnements as p
    inner join codes as c on c.liste = 'motif_refus'
    where p.motif_refus_avant_cal is not null
),

domaines as (
    {{ domaines_territoires() }}
    union all by name
    {{ domaine_commune_inconnue() }}
    union all by name
    {{ domaine_codes('typologie', 'typologie_bilan') }}
    union all by name
    {{ domaine_codes('decision', 'decision_cal') }}
    union all by name
    {{ domaine_codes('motif', 'motif_refus') }}
    union all by name
    {{ domaine_codes('motif', 'exemption_trois_candidats', indicateur='C1_candidats_par_logement') }}
    {% for i in ['C1', 'C1_candidats_par_logement', 'C2', 'C2_rang1', 'C3'] -%}
        union all by name
        -- a landlord that sends no CAL returns has no CAL figure; one that sends the CASA's candidates only,
        -- no figure per dwelling
        select
            '{{ i }}' as indicateur, 'bailleur' as dimension, b.bailleur_siren as valeur, g.libelle_geo as libelle,
            case
                when b.perimetre_cal = 'AUCUN' then 'sans_objet'
                {% if i in ['C1_candidats_par_logement', 'C2_rang1'] -%}
                    when b.perimetre_cal <> 'TOUS' then 'perimetre_cal_partiel'
                {% endif -%}
            end as raison
        from bailleurs as b
        inner join {{ ref('int_geographies') }} as g on g.niveau_geo = 'BAILLEUR' and b.bailleur_siren = g.code_geo
    {% endfor %}
),

observes as (
    select indicateur, dimension, valeur, annee, trimestre from ({{ domaine_commune_inconnue() }})
),

{{ encoder_indicateurs(['C1', 'C1_candidats_par_logement', 'C2', 'C2_rang1', 'C3', 'C3_avant_cal'],
                       dimensions=['bailleur', 'reservataire', 'commune', 'typologie', 'decision', 'motif'],
                       mesures=['num', 'den'], observes='observes') }}

select * from enc_final

-- Demand against attributions (INDICATORS.md D6, X1, X2). A demand is one of the quarter's snapshot, on its
-- 1st-choice commune and smallest wished type; an attribution on the dwelling's commune and type let.
-- D6 tension: D1 at t ÷ attributions of the four quarters ending at t (D6_hors_mutation: both without
--    mutations), only from 10 attributions; chambre C has no dwelling counterpart: non_calculable.
-- X1: share of D1 by type wished vs share of D5 by type let (EPCI x typology; C non_calculable on both sides).
-- X2: declared priority share in D1 (EPCI, commune) vs recognised priority share in D5 (+ réservataire).
with demandes as (
    {{ att_demandes_par_trimestre() }}
),

attributions as (
    {{ att_par_trimestre() }}
),

typologies as (
    select code as typo from {{ ref('stg_observatoire__codes') }}
    where liste = 'typologie_demande'
),

-- X1, a share by type (EPCI): each type's count over the quarter's total, counted once per type; a chambre
-- (C) has no dwelling to compare with: left out of the demand side too, so that both sides sum to 1
comptes_par_typologie as (
    select annee, trimestre, 'X1_demandes' as indicateur, typologie, count(*) as n
    from demandes
    where typologie <> 'C'
    group by all
    union all
    select annee, trimestre, 'X1_attributions', typologie, count(*)
    from attributions
    where dans_trimestre
    group by all
),

parts_par_typologie as (
    select
        c.annee, c.trimestre, c.indicateur, t.typo as typologie,
        coalesce(sum(c.n) filter (where c.typologie = t.typo), 0) as num, sum(c.n) as den
    from comptes_par_typologie as c
    cross join typologies as t
    group by all
),

faits as (
    -- the demand side counts in the numerator only, the attribution side in the denominator only
    select annee, trimestre, 'D6' as indicateur, commune, typologie, null as reservataire, 1 as num, null as den
    from demandes
    union all
    select annee, trimestre, 'D6', commune_logement, typologie, null, null, 1
    from attributions
    where dans_r4q
    union all
    select annee, trimestre, 'D6_hors_mutation', commune, typologie, null, 1, null
    from demandes
    where not coalesce(mutation, false)
    union all
    select annee, trimestre, 'D6_hors_mutation', commune_logement, typologie, null, null, 1
    from attributions
    where dans_r4q and not coalesce(mutation, false)
    union all
    select annee, trimestre, indicateur, null, typologie, null, num, den
    from parts_par_typologie
    union all
    select annee, trimestre, 'X2_demandes', commune, null, null, coalesce(prioritaire_declare, false)::int, 1
    from demandes
    union all
    select
        annee, trimestre, 'X2_attributions', commune_logement, null, reservataire,
        coalesce(prioritaire_attribution, false)::int, 1
    from attributions
    where dans_trimestre
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_demande', raison_si=("code = 'C'", 'typologie_sans_logement')) }}
),

raisons as (
    {{ raisons_sans_extraction(['D6', 'D6_hors_mutation', 'X1_demandes', 'X2_demandes']) }}
),

{{ encoder_indicateurs(['D6', 'D6_hors_mutation', 'X1_demandes', 'X1_attributions', 'X2_demandes',
                        'X2_attributions'], raisons='raisons',
                       dimensions=['commune', 'typologie', 'reservataire'], mesures=['num', 'den']) }}

select * from enc_final

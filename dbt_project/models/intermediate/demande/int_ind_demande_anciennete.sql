-- Seniority of the active demands at t, the quarter's last day (INDICATORS.md D7): months = days / 30.4375
-- from date_depot to t; "≥ 5 years" = date_depot ≤ t − 5 years; bands [0,1) [1,2) [2,3) [3,5) [5,∞) years
-- on calendar years the same way (codes 0-1, 1-2, 2-3, 3-5, 5+); D7_tranche is the band's count of demands
-- (a count, summable over bands to D1).
with actives as (
    {{ dem_actives(dans_epci=true) }}
),

demandes as (
    select
        a.*,
        {{ mois_entre('a.date_depot', 'a.fin') }} as mois,
        a.date_depot <= a.fin - interval 5 year as plus_5ans,
        {{ dem_tranche('a.date_depot', 'a.fin') }} as tranche
    from actives as a
),

faits as (
    select
        annee, trimestre, 'D7_median' as indicateur, commune, typologie, null as tranche,
        null as num, null as den, mois as x
    from demandes
    union all
    select annee, trimestre, 'D7_moyenne', commune, typologie, null, null, null, mois
    from demandes
    union all
    select annee, trimestre, 'D7_part_5ans', commune, typologie, null, plus_5ans::int, 1, null
    from demandes
    union all
    select annee, trimestre, 'D7_tranche', commune, typologie, tranche, 1, null, null
    from demandes
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_demande') }}
    union all
    {{ domaine_tranches() }}
),

raisons as (
    {{ raisons_sans_extraction(['D7_median', 'D7_moyenne', 'D7_part_5ans', 'D7_tranche']) }}
),

{{ encoder_indicateurs(['D7_median', 'D7_moyenne', 'D7_part_5ans', 'D7_tranche'], raisons='raisons',
                       dimensions=['commune', 'typologie', 'tranche'], mesures=['num', 'den', 'x']) }}

select * from enc_final

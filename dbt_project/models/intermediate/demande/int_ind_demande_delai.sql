-- Abnormally long waits (INDICATORS.md D9): active demands of the quarter's snapshot strictly older than
-- the prefectoral "délai anormalement long" of their typology (dbt var delai_anormalement_long, typology ->
-- months; months = days / 30.4375 from date_depot to t, the quarter's last day) ÷ D1. A group holding a
-- demand whose typology has no délai (var unset, or typology missing from it) is non_calculable: no value
-- is ever assumed. So with a délai for T2 only, the T2 rows are computed and the overall rows are not.
with actives as (
    {{ dem_actives(dans_epci=true) }}
),

delais as (
    {{ dem_delais() }}
),

faits as (
    select
        a.annee, a.trimestre, 'D9' as indicateur, a.commune, a.typologie,
        ({{ mois_entre('a.date_depot', 'a.fin') }} > dl.delai_mois)::int as num,
        case when dl.delai_mois is not null then 1 end as den,
        case when dl.delai_mois is null then 'delai_non_fixe' end as raison
    from actives as a
    left join delais as dl on a.typologie = dl.typologie
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_demande') }}
),

raisons as (
    {{ raisons_sans_extraction(['D9']) }}
),

{{ encoder_indicateurs(['D9'], raisons='raisons', dimensions=['commune', 'typologie'],
                       mesures=['num', 'den', 'raison']) }}

select * from enc_final

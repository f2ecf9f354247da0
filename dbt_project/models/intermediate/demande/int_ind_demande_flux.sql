-- Demand-side flows of each quarter (INDICATORS.md D2, D3, D4), on the 1st-choice commune:
-- D2 new demands: distinct demands whose date_depot falls in the quarter, seen in any snapshot or any
--    radiation (a demand deposited and radiated between two snapshots is counted through its radiation);
--    commune and typology as first observed. A renewal keeps its date_depot: never a new demand.
-- D3 renewals: distinct (demand, date_renouvellement) with the renewal in the quarter, across all snapshots
--    and radiations (a date_renouvellement on or before date_depot is not a renewal); commune as first
--    observed with that renewal.
-- D4 radiations dated in the quarter by motif; déradiations (empty motif) and the radiations they cancel
--    (annulee) are excluded: a cancelled radiation did not happen.
with trimestres as (
    select annee, trimestre, debut, fin from {{ ref('int_trimestres') }}
),

communes as (
    select code_geo as code_insee from {{ ref('int_geographies') }}
    where niveau_geo = 'COMMUNE'
),

demandes as (
    select * from {{ ref('int_demandes_enrichies') }}
),

radiations as (
    select * from {{ ref('stg_sne__radiations') }}
),

observations as (
    select
        id_demande, date_extraction as date_observation, 0 as source, date_depot, date_renouvellement,
        commune_choix1 as commune, typologie
    from demandes
    union all
    select
        id_demande, date_radiation, 1, date_depot, date_renouvellement,
        communes_souhaitees[1], {{ plus_petite_typologie('typologies_souhaitees') }}
    from radiations
),

-- first observation of each demand (date, then snapshot before radiation on the same day)
premieres as (
    select
        id_demande,
        arg_min(date_depot, (date_observation, source)) as date_depot,
        arg_min(commune, (date_observation, source)) as commune,
        arg_min(typologie, (date_observation, source)) as typologie
    from observations
    group by id_demande
),

nouvelles as (
    select t.annee, t.trimestre, p.id_demande, p.commune, p.typologie
    from premieres as p
    inner join trimestres as t on p.date_depot between t.debut and t.fin
    where p.commune in (select code_insee from communes)
),

renouvellements as (
    select t.annee, t.trimestre, r.id_demande, r.commune
    from (
        select
            id_demande, date_renouvellement,
            arg_min(commune, (date_observation, source)) as commune
        from observations
        where date_renouvellement > date_depot
        group by id_demande, date_renouvellement
    ) as r
    inner join trimestres as t on r.date_renouvellement between t.debut and t.fin
    where r.commune in (select code_insee from communes)
),

radiations_trimestre as (
    select t.annee, t.trimestre, r.id_demande, r.communes_souhaitees[1] as commune, r.motif_radiation
    from radiations as r
    inner join trimestres as t on r.date_radiation between t.debut and t.fin
    where
        not r.est_deradiation
        and not coalesce(r.annulee, false)
        and r.communes_souhaitees[1] in (select code_insee from communes)
),

faits as (
    select annee, trimestre, 'D2' as indicateur, commune, typologie, null as motif from nouvelles
    union all
    select annee, trimestre, 'D3', commune, null, null from renouvellements
    union all
    select annee, trimestre, 'D4', commune, null, motif_radiation from radiations_trimestre
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_demande') }}
    union all
    {{ domaine_codes('motif', 'motif_radiation') }}
),

{{ encoder_indicateurs(['D2', 'D3', 'D4'], dimensions=['commune', 'typologie', 'motif'], mesures=[]) }}

select * from enc_final

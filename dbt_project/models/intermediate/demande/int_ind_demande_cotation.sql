-- Scores of similar demands (INDICATORS.md I2): quartiles (continuous) of the cotation of the active demands
-- of the quarter's snapshot, on the 1st-choice commune x typology; denominateur = demands with a score.
with actives as (
    {{ dem_actives(dans_epci=true) }}
),

notees as (
    select * from actives
    where cotation is not null
),

faits as (
    select annee, trimestre, i.indicateur, commune, typologie, cotation as x
    from notees
    cross join unnest(['I2_q1', 'I2_mediane', 'I2_q3']) as i (indicateur)
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_demande') }}
),

raisons as (
    {{ raisons_sans_extraction(['I2_q1', 'I2_mediane', 'I2_q3']) }}
),

{{ encoder_indicateurs(['I2_q1', 'I2_mediane', 'I2_q3'], raisons='raisons',
                       dimensions=['commune', 'typologie'], mesures=['x']) }}

select * from enc_final

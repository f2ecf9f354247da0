-- Waiting time of attributed demands (INDICATORS.md D8): lease − deposit in months (days / 30.4375) over the
-- attributions of the four quarters ending at t, on the dwelling's commune x type let: median (headline) and
-- mean; denominateur = attributions. Biased toward the housed: shown beside D7.
with attributions as (
    {{ att_par_trimestre() }}
),

faits as (
    select annee, trimestre, i.indicateur, commune_logement as commune, typologie, attente_mois as x
    from attributions
    cross join unnest(['D8_median', 'D8_moyenne']) as i (indicateur)
    where dans_r4q
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_bilan') }}
),

{{ encoder_indicateurs(['D8_median', 'D8_moyenne'], dimensions=['commune', 'typologie'], mesures=['x']) }}

select * from enc_final

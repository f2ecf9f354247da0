-- Commission follow-through (INDICATORS.md C4): the positionings validated in the quarter (int_positionnements_suivis),
-- as shares of them: examined by a CAL, attributed, lease signed, refused before the CAL; and the headline
-- delay commission -> lease signed, in days, over the positionings that reached a lease. Commune,
-- réservataire and EPCI rows. A cohort still open at the last extraction (its follow-up, to the CAL then to
-- the lease, not over) is not computable: its shares would read low only because its leases are to come.
{%- set suivi = c4_suivi_jours() %}
with parcours as (
    select * from {{ ref('int_positionnements_suivis') }}
),

faits as (
    select
        annee, trimestre, 'C4_examines' as indicateur, reservataire, commune, examine::int as num, 1 as den,
        null as x
    from parcours
    union all
    select annee, trimestre, 'C4_attribues', reservataire, commune, attribue::int, 1, null from parcours
    union all
    select annee, trimestre, 'C4_baux', reservataire, commune, bail_signe::int, 1, null from parcours
    union all
    select annee, trimestre, 'C4_refus_avant_cal', reservataire, commune, refus_avant_cal::int, 1, null
    from parcours
    union all
    select annee, trimestre, 'C4_delai_median', reservataire, commune, null, null, delai_commission_bail_jours
    from parcours
),

derniere_extraction as (
    select max(date_extraction) as date_extraction from {{ ref('stg_sne__demandes') }}
),

indicateurs as (
    select unnest(['C4_examines', 'C4_attribues', 'C4_baux', 'C4_refus_avant_cal', 'C4_delai_median']) as indicateur
),

raisons as (
    select t.annee, t.trimestre, i.indicateur, 'cohorte_ouverte' as raison
    from {{ ref('int_trimestres') }} as t
    cross join derniere_extraction as e
    cross join indicateurs as i
    where t.fin + interval {{ suivi.cal + suivi.bail }} day > e.date_extraction
),

domaines as (
    {{ domaines_territoires() }}
),

{{ encoder_indicateurs(['C4_examines', 'C4_attribues', 'C4_baux', 'C4_refus_avant_cal', 'C4_delai_median'],
                       raisons='raisons', dimensions=['reservataire', 'commune'], mesures=['num', 'den', 'x']) }}

select * from enc_final

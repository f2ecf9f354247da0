-- Attribution balance (INDICATORS.md D5, D10, D12): an attribution is a RADATT dated by its lease, counted on
-- the dwelling's commune and type. D5 in the quarter and D5_r4q over the four quarters ending at t (EPCI,
-- EPCI x typology / QPV / mutation / priority, commune (x typology), landlord, réservataire); D10_attributions
-- mutations ÷ D5 and D10_internes internal mutations ÷ mutations; D12 households leaving shelter or the street.
-- Boolean cuts are spelled OUI / NON (unknown: NON).
with attributions as (
    {{ att_par_trimestre() }}
),

faits as (
    select
        annee, trimestre, i.indicateur, commune_logement as commune, bailleur_siren as bailleur, reservataire,
        typologie, {{ dem_oui_non('qpv') }} as qpv, {{ dem_oui_non('mutation') }} as mutation,
        {{ dem_oui_non('prioritaire_attribution') }} as prioritaire, 1 as num, null as den
    from attributions
    cross join unnest(['D5', 'D5_r4q']) as i (indicateur)
    where (i.indicateur = 'D5' and dans_trimestre) or (i.indicateur = 'D5_r4q' and dans_r4q)
    union all
    select
        annee, trimestre, 'D10_attributions', commune_logement, null, null, null, null, null, null,
        coalesce(mutation, false)::int, 1
    from attributions
    where dans_trimestre
    union all
    select
        annee, trimestre, 'D10_internes', commune_logement, null, null, null, null, null, null,
        coalesce(mutation_interne, false)::int, coalesce(mutation, false)::int
    from attributions
    where dans_trimestre
    union all
    select
        annee, trimestre, 'D12', commune_logement, null, null, null, null, null, null,
        coalesce(sortie_hebergement_rue, false)::int, null
    from attributions
    where dans_trimestre
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ att_domaine_bailleurs_inconnus() }}
    union all
    {{ domaine_codes('typologie', 'typologie_bilan') }}
    union all
    {{ domaine_codes('qpv', 'oui_non') }}
    union all
    {{ domaine_codes('mutation', 'oui_non') }}
    union all
    {{ domaine_codes('prioritaire', 'oui_non') }}
),

{{ encoder_indicateurs(['D5', 'D5_r4q', 'D10_attributions', 'D10_internes', 'D12'],
                       dimensions=['commune', 'bailleur', 'reservataire', 'typologie', 'qpv', 'mutation',
                                   'prioritaire'],
                       mesures=['num', 'den']) }}

select * from enc_final

-- Information of applicants (INDICATORS.md I1, CCH R.441-2-17): per commune, or per sector for the communes
-- grouped in a sector (they have no row of their own), x typology, and for the EPCI: active demands at t
-- (1st choice), attributions over the four quarters ending at t and their median wait (dwelling side),
-- demands per attribution (from 10 attributions), share waiting 5 years or more. Chambre C has no dwelling
-- counterpart: its attribution figures are non_calculable.
with demandes as (
    {{ att_demandes_par_trimestre() }}
),

attributions as (
    select * from ({{ att_par_trimestre() }})
    where dans_r4q
),

faits as (
    select
        annee, trimestre, 'I1_demandes' as indicateur, commune, code_secteur as secteur, typologie,
        1 as num, null as den, null as x
    from demandes
    union all
    select annee, trimestre, 'I1_part_5ans', commune, code_secteur, typologie, depuis_5_ans::int, 1, null
    from demandes
    union all
    select annee, trimestre, 'I1_demandes_par_attribution', commune, code_secteur, typologie, 1, null, null
    from demandes
    union all
    select annee, trimestre, 'I1_demandes_par_attribution', commune_logement, code_secteur, typologie, null, 1, null
    from attributions
    union all
    select annee, trimestre, 'I1_attributions_12m', commune_logement, code_secteur, typologie, 1, null, null
    from attributions
    union all
    select annee, trimestre, 'I1_delai_median', commune_logement, code_secteur, typologie, null, null, attente_mois
    from attributions
),

domaines as (
    -- a commune grouped in a sector is published through its sector only
    select indicateur, dimension, valeur, libelle, raison, annee, trimestre
    from ({{ domaines_territoires() }})
    where
        dimension <> 'commune'
        or valeur in (
            select code_geo from {{ ref('int_geographies') }}
            where niveau_geo = 'COMMUNE' and code_secteur = code_geo
        )
    union all
    {{ domaine_codes('typologie', 'typologie_demande', raison_si=("code = 'C'", 'typologie_sans_logement')) }}
    {% for i in ['I1_demandes', 'I1_part_5ans'] -%}
        union all
        {{ domaine_codes('typologie', 'typologie_demande', indicateur=i) }}
    {% endfor %}
),

raisons as (
    {{ raisons_sans_extraction(['I1_demandes', 'I1_part_5ans', 'I1_demandes_par_attribution']) }}
),

{{ encoder_indicateurs(['I1_demandes', 'I1_attributions_12m', 'I1_delai_median', 'I1_demandes_par_attribution',
                        'I1_part_5ans'], raisons='raisons',
                       dimensions=['commune', 'secteur', 'typologie'], mesures=['num', 'den', 'x']) }}

select * from enc_final

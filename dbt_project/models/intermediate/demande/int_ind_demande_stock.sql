-- Stock of active demands at each quarter's snapshot (INDICATORS.md D1, D10): D1 on the 1st-choice commune
-- (EPCI overall, x typology, x mutation; commune overall, x typology), D1_toutes_communes (a demand counts
-- once in every EPCI commune it wishes, whatever its 1st choice; commune rows only: not summable, and a
-- demand whose 1st choice is outside the EPCI belongs to no EPCI row), D10_demandes = mutations / D1.
with actives as (
    {{ dem_actives() }}
),

communes as (
    select code_geo as commune from {{ ref('int_geographies') }}
    where niveau_geo = 'COMMUNE'
),

actives_epci as (
    select * from actives
    where commune in (select commune from communes)
),

-- every EPCI commune a demand wishes, once (a commune listed twice counts once)
voeux as (
    select distinct a.annee, a.trimestre, a.id_demande, a.typologie, v.commune
    from actives as a, unnest(a.communes_souhaitees) as v (commune)
    where v.commune in (select commune from communes)
),

faits as (
    select
        annee, trimestre, 'D1' as indicateur, commune, typologie, {{ dem_oui_non('mutation') }} as mutation,
        1 as num, null as den
    from actives_epci
    union all
    select annee, trimestre, 'D10_demandes', commune, typologie, null, coalesce(mutation, false)::int, 1
    from actives_epci
    union all
    select annee, trimestre, 'D1_toutes_communes', commune, typologie, null, 1, null
    from voeux
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_demande') }}
    union all
    {{ domaine_codes('mutation', 'oui_non') }}
),

raisons as (
    {{ raisons_sans_extraction(['D1', 'D1_toutes_communes', 'D10_demandes']) }}
),

{{ encoder_indicateurs(['D1', 'D1_toutes_communes', 'D10_demandes'], raisons='raisons',
                       dimensions=['commune', 'typologie', 'mutation'], mesures=['num', 'den']) }}

select * from enc_final

-- Every geography the indicators publish but residences (their labels are built with their figures, in
-- int_ind_parc_residences): one row per (niveau_geo, code_geo) with its label, the one place the
-- indicator models look labels up. Communes carry their sector: a sector groups the small communes (the
-- seed gives a larger commune its own code as code_secteur, and it is published as a commune only).
with epci as (
    select siren, nom from {{ ref('epci') }}
),

communes as (
    select code_insee, nom, code_secteur, libelle_secteur from {{ ref('communes') }}
),

bailleurs as (
    select bailleur_siren, nom_bailleur from {{ ref('stg_bailleurs__bailleurs') }}
),

reservataires as (
    select code, libelle from {{ ref('stg_observatoire__codes') }}
    where liste = 'reservataire'
),

geographies as (
    select 'EPCI' as niveau_geo, siren as code_geo, nom as libelle_geo, null as code_secteur
    from epci
    union all
    select distinct 'SECTEUR', code_secteur, libelle_secteur, null
    from communes
    where code_secteur <> code_insee
    union all
    select 'COMMUNE', code_insee, nom, code_secteur
    from communes
    union all
    select 'BAILLEUR', bailleur_siren, nom_bailleur, null
    from bailleurs
    union all
    select 'RESERVATAIRE', code, libelle, null
    from reservataires
),

final as (
    select
        niveau_geo::varchar as niveau_geo,
        code_geo::varchar as code_geo,
        libelle_geo::varchar as libelle_geo,
        code_secteur::varchar as code_secteur
    from geographies
)

select * from final

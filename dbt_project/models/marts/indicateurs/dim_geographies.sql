-- The territories of fct_indicateurs but residences, for the pages: their labels and the communes' sector.
-- Beside the communes of the seed, the long table's "commune non renseignée" row (commission facts whose
-- dwelling no file locates), its own sector like an ungrouped commune.
with geographies as (
    select * from {{ ref('int_geographies') }}
),

unknown_commune as (
    select libelle from ({{ domaine_commune_inconnue() }})
),

final as (
    select niveau_geo, code_geo, libelle_geo, code_secteur from geographies
    union all
    select
        'COMMUNE' as niveau_geo,
        {{ commune_inconnue() }} as code_geo,
        libelle as libelle_geo,
        {{ commune_inconnue() }} as code_secteur
    from unknown_commune
)

select * from final

-- The territories of fct_indicateurs but residences, for the pages: their labels and the communes' sector.
with geographies as (
    select * from {{ ref('int_geographies') }}
),

final as (
    select niveau_geo, code_geo, libelle_geo, code_secteur from geographies
)

select * from final

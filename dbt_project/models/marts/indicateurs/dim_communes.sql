-- The CASA's communes (seed) with their sector: the dimension every commune code of the marts points to.
with communes as (
    select * from {{ ref('communes') }}
),

final as (
    select
        code_insee,
        nom,
        codes_postaux,
        population_municipale,
        code_secteur,
        libelle_secteur
    from communes
)

select * from final

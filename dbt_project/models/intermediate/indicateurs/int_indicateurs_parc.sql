-- Social stock family of fct_indicateurs (INDICATORS.md P1–P5, R1): the union of its indicator models in
-- models/intermediate/parc/, each encoded by encoder_indicateurs.
with vacance_rotation as (
    select * from {{ ref('int_ind_parc_vacance_rotation') }}
),

livraisons as (
    select * from {{ ref('int_ind_parc_livraisons') }}
),

stock as (
    select * from {{ ref('int_ind_parc_stock') }}
),

flux as (
    select * from {{ ref('int_ind_parc_flux') }}
),

residences as (
    select * from {{ ref('int_ind_parc_residences') }}
),

final as (
    select * from vacance_rotation
    union all
    select * from livraisons
    union all
    select * from stock
    union all
    select * from flux
    union all
    select * from residences
)

select * from final

-- Demand family of fct_indicateurs (INDICATORS.md D1-D4, D7, D9-D11, I2): the union of its indicator models
-- in models/intermediate/demande/, each encoded on its complete grid by encoder_indicateurs.
with stock as (
    select * from {{ ref('int_dem_stock') }}
),

flux as (
    select * from {{ ref('int_dem_flux') }}
),

anciennete as (
    select * from {{ ref('int_dem_anciennete') }}
),

delai as (
    select * from {{ ref('int_dem_delai') }}
),

cotation as (
    select * from {{ ref('int_dem_cotation') }}
),

residence as (
    select * from {{ ref('int_dem_residence') }}
),

final as (
    select * from stock
    union all
    select * from flux
    union all
    select * from anciennete
    union all
    select * from delai
    union all
    select * from cotation
    union all
    select * from residence
)

select * from final

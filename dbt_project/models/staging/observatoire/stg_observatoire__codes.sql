with source as (
    select * from {{ source('observatoire', 'codes') }}
),

final as (
    select liste, code, libelle, ordre from source
)

select * from final

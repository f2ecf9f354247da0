-- Commission and CAL family of fct_indicateurs (INDICATORS.md C1-C4, S1): the union of its indicator models in
-- models/intermediate/commission/, each encoded on its complete grid by encoder_indicateurs.
with cal as (
    select * from {{ ref('int_ind_commission_cal') }}
),

parcours as (
    select * from {{ ref('int_ind_commission_parcours') }}
),

suivi_mensuel as (
    select * from {{ ref('int_ind_commission_suivi_mensuel') }}
),

final as (
    select * from cal
    union all
    select * from parcours
    union all
    select * from suivi_mensuel
)

select * from final

-- Attribution family of fct_indicateurs (INDICATORS.md D5, D6, D8, D10 attribution side, D12, Q1-Q3, X1, X2,
-- I1): the union of its indicator models in models/intermediate/attributions/, each encoded on its complete
-- grid by encoder_indicateurs.
with bilan as (
    select * from {{ ref('int_ind_attributions_bilan') }}
),

attente as (
    select * from {{ ref('int_ind_attributions_attente') }}
),

tension as (
    select * from {{ ref('int_ind_attributions_tension') }}
),

quotas as (
    select * from {{ ref('int_ind_attributions_quotas') }}
),

information as (
    select * from {{ ref('int_ind_attributions_information') }}
),

final as (
    select * from bilan
    union all
    select * from attente
    union all
    select * from tension
    union all
    select * from quotas
    union all
    select * from information
)

select * from final

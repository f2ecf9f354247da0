-- Every indicator of INDICATORS.md, every quarter of the history (S1: every month), before confidentiality:
-- the union of the indicator models (int_ind_<area>_<group>), each encoded on its complete grid by
-- encoder_indicateurs, with the reason of every row that is not ok (raison). The model contract
-- (int_indicateurs.yml) enforces the columns, their order and types.
with demande_anciennete as (
    select * from {{ ref('int_ind_demande_anciennete') }}
),

demande_cotation as (
    select * from {{ ref('int_ind_demande_cotation') }}
),

demande_delai as (
    select * from {{ ref('int_ind_demande_delai') }}
),

demande_flux as (
    select * from {{ ref('int_ind_demande_flux') }}
),

demande_residence as (
    select * from {{ ref('int_ind_demande_residence') }}
),

demande_stock as (
    select * from {{ ref('int_ind_demande_stock') }}
),

demande_survie as (
    select * from {{ ref('int_ind_demande_survie') }}
),

attributions_attente as (
    select * from {{ ref('int_ind_attributions_attente') }}
),

attributions_bilan as (
    select * from {{ ref('int_ind_attributions_bilan') }}
),

attributions_information as (
    select * from {{ ref('int_ind_attributions_information') }}
),

attributions_quotas as (
    select * from {{ ref('int_ind_attributions_quotas') }}
),

attributions_tension as (
    select * from {{ ref('int_ind_attributions_tension') }}
),

commission_cal as (
    select * from {{ ref('int_ind_commission_cal') }}
),

commission_parcours as (
    select * from {{ ref('int_ind_commission_parcours') }}
),

commission_suivi_mensuel as (
    select * from {{ ref('int_ind_commission_suivi_mensuel') }}
),

parc_flux as (
    select * from {{ ref('int_ind_parc_flux') }}
),

parc_livraisons as (
    select * from {{ ref('int_ind_parc_livraisons') }}
),

parc_residences as (
    select * from {{ ref('int_ind_parc_residences') }}
),

parc_stock as (
    select * from {{ ref('int_ind_parc_stock') }}
),

parc_vacance_rotation as (
    select * from {{ ref('int_ind_parc_vacance_rotation') }}
),

final as (
    select * from demande_anciennete
    union all
    select * from demande_cotation
    union all
    select * from demande_delai
    union all
    select * from demande_flux
    union all
    select * from demande_residence
    union all
    select * from demande_stock
    union all
    select * from demande_survie
    union all
    select * from attributions_attente
    union all
    select * from attributions_bilan
    union all
    select * from attributions_information
    union all
    select * from attributions_quotas
    union all
    select * from attributions_tension
    union all
    select * from commission_cal
    union all
    select * from commission_parcours
    union all
    select * from commission_suivi_mensuel
    union all
    select * from parc_flux
    union all
    select * from parc_livraisons
    union all
    select * from parc_residences
    union all
    select * from parc_stock
    union all
    select * from parc_vacance_rotation
)

select * from final

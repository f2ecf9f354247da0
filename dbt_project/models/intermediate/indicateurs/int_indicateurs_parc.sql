-- Social stock family (INDICATORS.md P1–P5, R1) in the long encoding of Appendix A: the union of the
-- family's indicator models in models/intermediate/parc/ (one per indicator group, each documented).
with vacance_rotation as (
    select {{ colonnes_indicateurs() }} from {{ ref('int_ind_parc_vacance_rotation') }}
),

livraisons as (
    select {{ colonnes_indicateurs() }} from {{ ref('int_ind_parc_livraisons') }}
),

stock as (
    select {{ colonnes_indicateurs() }} from {{ ref('int_ind_parc_stock') }}
),

flux as (
    select {{ colonnes_indicateurs() }} from {{ ref('int_ind_parc_flux') }}
),

residences as (
    select {{ colonnes_indicateurs() }} from {{ ref('int_parc_indicateurs_residences') }}
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

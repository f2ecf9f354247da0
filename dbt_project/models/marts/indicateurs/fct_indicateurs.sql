-- Every indicator of INDICATORS.md for every quarter of the history (S1: every month), in the long
-- encoding of Appendix A, before confidentiality. Rebuilt whole at each run: late data revise past quarters.
-- The model contract (fct_indicateurs.yml) enforces the columns, their order and types.
with indicateurs as (
    select {{ colonnes_indicateurs() }} from {{ ref('int_indicateurs') }}
)

select * from indicateurs

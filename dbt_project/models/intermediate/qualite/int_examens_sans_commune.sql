-- The candidates examined by a CAL whose dwelling no stock file, positioning or commissioning event locates:
-- counted at the EPCI and on the long table's "commune non renseignée" row, reported to the analyst.
with examens as (
    select * from {{ ref('int_examens_cal') }}
    where commune is null
),

final as (
    select annee, trimestre, bailleur_siren, count(*) as candidats, count(distinct ident_rep) as logements
    from examens
    group by annee, trimestre, bailleur_siren
)

select * from final

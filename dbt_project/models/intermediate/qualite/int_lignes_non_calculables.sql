-- The long table's rows that are not computable, per indicator family and reason (a code of the contract's
-- list raison_non_calculable): what the early history, or a missing feed, cannot say.
with lignes as (
    select indicateur, raison from {{ ref('int_indicateurs') }}
    where statut = 'non_calculable'
),

catalogue as (
    select indicateur, famille from {{ ref('indicateurs') }}
),

final as (
    select c.famille, l.raison, count(*) as lignes
    from lignes as l
    inner join catalogue as c on l.indicateur = c.indicateur
    group by c.famille, l.raison
)

select * from final

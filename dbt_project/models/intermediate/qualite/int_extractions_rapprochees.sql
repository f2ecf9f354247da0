-- Cross-feed consistency (CONTRACTS.md): from one SNE extraction to the next, previous stock + deposits
-- − radiations ≈ this stock. Deposits are the demands deposited between the two extractions, still active
-- or already radiated; radiations those dated between them, not cancelled. Déradiations are counted
-- apart (shown, not part of the gap).
with demandes as (
    select * from {{ ref('stg_sne__demandes') }}
),

radiations as (
    select * from {{ ref('stg_sne__radiations') }}
),

extractions as (
    select
        date_extraction,
        count(*) as stock,
        lag(date_extraction) over (order by date_extraction) as extraction_precedente,
        lag(count(*)) over (order by date_extraction) as stock_prec
    from demandes
    group by 1
),

deposees as (
    select id_demande, date_depot from demandes
    union
    select id_demande, date_depot from radiations
),

depots as (
    select e.date_extraction, count(distinct d.id_demande) as depots
    from extractions as e
    inner join deposees as d on e.extraction_precedente < d.date_depot and e.date_extraction >= d.date_depot
    group by 1
),

radiees as (
    select
        e.date_extraction,
        count(*) filter (where r.motif_radiation is not null and not r.annulee) as radiations,
        count(*) filter (where r.motif_radiation is null) as deradiations
    from extractions as e
    inner join radiations as r on e.extraction_precedente < r.date_radiation and e.date_extraction >= r.date_radiation
    group by 1
),

bilan as (
    select
        e.date_extraction as extraction,
        e.stock_prec,
        coalesce(p.depots, 0) as depots,
        coalesce(r.radiations, 0) as radiations,
        coalesce(r.deradiations, 0) as deradiations,
        e.stock
    from extractions as e
    left join depots as p using (date_extraction)
    left join radiees as r using (date_extraction)
    where e.extraction_precedente is not null
),

final as (
    select
        *,
        stock - (stock_prec + depots - radiations) as ecart,
        abs(stock - (stock_prec + depots - radiations)) / stock as ecart_relatif
    from bilan
)

select * from final

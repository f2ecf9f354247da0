-- The history's quarters (INDICATORS.md, "Quarters"): from the quarter holding the first demand snapshot
-- to the last quarter with a snapshot within (t − 1 month, t]; t is the quarter's last day. Each quarter
-- names the snapshot its snapshot figures use (null: non_calculable) and the bounds of its windows.
with extractions as (
    select distinct date_extraction from {{ ref('stg_sne__demandes') }}
),

bornes as (
    select
        date_trunc('quarter', min(date_extraction))::date as premier,
        (
            select max(date_trunc('quarter', e.date_extraction))::date
            from extractions as e
            where
                e.date_extraction
                > (date_trunc('quarter', e.date_extraction) + interval 3 month - interval 1 day)::date
                - interval 1 month
        ) as dernier
    from extractions
),

trimestres as (
    select unnest(generate_series(premier, dernier, interval 3 month))::date as debut
    from bornes
    where dernier is not null
),

final as (
    select
        year(t.debut) as annee,
        quarter(t.debut) as trimestre,
        t.debut,
        (t.debut + interval 3 month - interval 1 day)::date as fin,
        (t.debut + interval 3 month - interval 12 month)::date as debut_r4q,
        make_date(year(t.debut), 1, 1) as debut_ytd,
        (t.debut + interval 3 month - interval 36 month)::date as debut_36_mois,
        (
            select max(e.date_extraction) from extractions as e
            where
                e.date_extraction <= (t.debut + interval 3 month - interval 1 day)::date
                and e.date_extraction > (t.debut + interval 3 month - interval 1 day)::date - interval 1 month
        ) as date_extraction
    from trimestres as t
)

select * from final

-- Where each feed's coverage starts (INDICATORS.md, "Quarters"): the first day of the month of its first
-- loaded file (a file with a header and no row counts: a month without events), for the whole feed and,
-- for the landlords' feeds, for each landlord. A window that starts earlier is not covered.
with fichiers as (
    select flux, bailleur_siren, date_fichier
    from {{ ref('stg_observatoire__journal_ingestion') }}
    where statut = 'chargé' and date_fichier is not null
),

final as (
    select flux, null::varchar as bailleur_siren, date_trunc('month', min(date_fichier))::date as debut
    from fichiers
    group by flux
    union all
    select flux, bailleur_siren, date_trunc('month', min(date_fichier))::date as debut
    from fichiers
    where bailleur_siren is not null
    group by flux, bailleur_siren
)

select * from final

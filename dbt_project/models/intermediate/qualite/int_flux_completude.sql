-- Completeness: for each landlord and month of the history, each feed it should send
-- (from bailleurs.csv: monthly events, CAL returns; the stock file every January) and whether it came.
with bailleurs as (
    select * from {{ ref('stg_bailleurs__bailleurs') }}
),

journal as (
    select * from {{ ref('stg_observatoire__journal_ingestion') }}
    where statut = 'chargé'
),

mois as (
    select
        unnest(generate_series(
            date_trunc('month', min(date_extraction)), date_trunc('month', max(date_extraction)), interval 1 month
        ))::date as mois
    from {{ ref('stg_sne__demandes') }}
),

attendus as (
    select b.bailleur_siren, m.mois, f.flux
    from bailleurs as b
    cross join mois as m
    cross join (values ('mouvements'), ('cal'), ('rpls')) as f (flux)
    where
        (b.date_debut is null or m.mois >= date_trunc('month', b.date_debut))
        and (b.date_fin is null or m.mois <= b.date_fin)
        and case f.flux
            when 'mouvements' then b.envoie_mouvements
            when 'cal' then b.perimetre_cal <> 'AUCUN'
            when 'rpls' then month(m.mois) = 1
        end
),

recus_bailleur as (
    -- landlord files: the SIREN and the period are in the name
    select
        regexp_extract(fichier, '^[a-z]+_([0-9]{9})_', 1) as bailleur_siren,
        flux,
        case
            when flux = 'rpls' then make_date((regexp_extract(fichier, '_([0-9]{4})\.csv$', 1))::integer, 1, 1)
            else strptime(regexp_extract(fichier, '_([0-9]{6})\.csv$', 1), '%Y%m')::date
        end as mois,
        fichier
    from journal
    where flux in ('mouvements', 'cal', 'rpls') and regexp_matches(fichier, '^[a-z]+_[0-9]{9}_')
),

recus_territoire as (
    -- a whole-territory stock file covers every landlord it lists
    select distinct r.bailleur_siren, 'rpls' as flux, r.millesime as mois, r.fichier
    from {{ ref('stg_bailleurs__rpls') }} as r
    where regexp_matches(r.fichier, '^rpls_[0-9]{4}\.csv$')
),

recus as (
    select * from recus_bailleur
    union all
    select * from recus_territoire
),

final as (
    select
        a.bailleur_siren,
        a.mois,
        a.flux,
        count(r.fichier) > 0 as recu,
        string_agg(r.fichier, ', ' order by r.fichier) as fichiers
    from attendus as a
    left join recus as r using (bailleur_siren, flux, mois)
    group by all
)

select * from final

-- R1's window per quarter x landlord (INDICATORS.md R1): the 36 months before t, or the months the feeds
-- R1 reads cover when at least 12 (fewer: null, the windowed R1 figures are non_calculable). A feed
-- covers from the first day of the month of its first file (int_couvertures): the SNE radiations (the whole
-- territory), the landlord's events when it sends them (else its stock files' BAIL dates cover any window),
-- its CAL returns unless it sends none (perimetre_cal AUCUN). An expected feed with no file yet covers
-- nothing. One row per landlord with dwellings in the stock at t; the Lisez-moi states these windows.
with trimestres as (
    select annee, trimestre, fin as t from {{ ref('int_trimestres') }}
),

bailleurs_a_t as (
    select distinct annee, trimestre, bailleur_siren, suivi_par_mouvements
    from {{ ref('int_logements_trimestres') }}
),

referentiel as (
    select bailleur_siren, perimetre_cal from {{ ref('stg_bailleurs__bailleurs') }}
),

couvertures as (
    select * from {{ ref('int_couvertures') }}
),

-- the latest start among the feeds the landlord's R1 reads (null: an expected feed has no file yet)
debuts as (
    select
        b.annee, b.trimestre, tr.t, b.bailleur_siren,
        case
            when
                r.debut is not null
                and (not b.suivi_par_mouvements or m.debut is not null)
                and (coalesce(f.perimetre_cal, 'AUCUN') = 'AUCUN' or c.debut is not null)
                then greatest(
                    r.debut,
                    case when b.suivi_par_mouvements then m.debut end,
                    case when coalesce(f.perimetre_cal, 'AUCUN') <> 'AUCUN' then c.debut end
                )
        end as debut_couverture
    from bailleurs_a_t as b
    inner join trimestres as tr using (annee, trimestre)
    left join referentiel as f on b.bailleur_siren = f.bailleur_siren
    left join couvertures as r on r.flux = 'sne_radiations' and r.bailleur_siren is null
    left join couvertures as m on m.flux = 'mouvements' and b.bailleur_siren = m.bailleur_siren
    left join couvertures as c on c.flux = 'cal' and b.bailleur_siren = c.bailleur_siren
),

mois as (
    select
        *,
        case
            when debut_couverture <= t then datediff('month', debut_couverture, t) + 1 else 0
        end as mois_couverts
    from debuts
),

final as (
    select
        annee,
        trimestre,
        bailleur_siren,
        debut_couverture,
        mois_couverts,
        case when mois_couverts >= 12 then least(36, mois_couverts) end as mois_fenetre,
        case
            when mois_couverts >= 12 then (t + interval 1 day - to_months(least(36, mois_couverts)))::date
        end as debut_fenetre
    from mois
)

select * from final

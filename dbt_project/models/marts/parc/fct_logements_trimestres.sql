-- One row per dwelling in the stock at the end of each quarter (int_logements_trimestres: each dwelling
-- once, with its state at t and its attributes), with the length of a running vacancy: the grain the
-- vacancy, rotation and stock figures count.
with logements as (
    select * from {{ ref('int_logements_trimestres') }}
),

final as (
    select
        annee,
        trimestre,
        t as date_etat,
        bailleur_siren,
        ident_rep,
        commune,
        typologie,
        financement,
        regime_l441,
        qpv,
        groupe_immobilier,
        etat,
        vacant_depuis,
        case when etat = 'vacant' then {{ mois_entre('vacant_depuis', 't') }} end as vacance_mois,
        mise_en_service,
        debut_bail,
        millesime_stock,
        suivi_par_mouvements
    from logements
)

select * from final

-- Every indicator of INDICATORS.md for every quarter of the history (S1: every month), in the long
-- encoding of Appendix A, before confidentiality. Rebuilt whole at each run: late data revise past quarters.
with familles as (
    select {{ colonnes_indicateurs() }} from {{ ref('int_indicateurs_demande') }}
    union all
    select {{ colonnes_indicateurs() }} from {{ ref('int_indicateurs_attributions') }}
    union all
    select {{ colonnes_indicateurs() }} from {{ ref('int_indicateurs_commission') }}
    union all
    select {{ colonnes_indicateurs() }} from {{ ref('int_indicateurs_parc') }}
),

final as (
    select
        annee::integer as annee,
        trimestre::integer as trimestre,
        niveau_geo,
        code_geo,
        libelle_geo,
        indicateur,
        modalite,
        valeur::double as valeur,
        numerateur::double as numerateur,
        denominateur::double as denominateur,
        statut
    from familles
)

select * from final

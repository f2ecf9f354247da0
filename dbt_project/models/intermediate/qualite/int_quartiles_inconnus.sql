-- Per lease year: the attributions whose 1st-quartile status is unknown (neither the SNE's flag nor a
-- recomputation), left out of Q2 and Q3, and those of a year without a threshold, which make Q2 and Q3 not
-- computable (INDICATORS.md, "1st quartile").
with attributions as (
    select * from {{ ref('int_attributions') }}
),

final as (
    select
        annee_bail,
        count(*) as attributions,
        count(*) filter (where premier_quartile is null) as quartile_inconnu,
        count(*) filter (where premier_quartile is null and not seuil_quartile_connu) as quartile_inconnu_sans_seuil
    from attributions
    group by annee_bail
)

select * from final

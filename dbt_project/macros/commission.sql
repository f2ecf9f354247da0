{#- Commission and CAL family (INDICATORS.md C1-C4, S1). -#}

{#- The modalite of a row: the key=value parts in the key order of INDICATORS.md, 'ensemble' when none.
    Pass the parts already ordered (empty strings and nulls are skipped). -#}
{% macro com_modalite(parts) -%}
    coalesce(nullif(concat_ws(',', {% for p in parts %}nullif({{ p }}, ''){% if not loop.last %}, {% endif %}{% endfor %}), ''), 'ensemble')
{%- endmacro %}

{#- Aggregates the facts (one row per observation: num, den, x) of the level `niveau`, grouped by `code` and,
    when `par_typologie`, by the dwelling's type. -#}
{% macro com_agreger(faits, niveau, code, par_typologie=false) -%}
    select
        indicateur, annee, trimestre, '{{ niveau }}' as niveau,
        {{ code }} as code_geo,
        {% if par_typologie %}typologie{% else %}''{% endif %} as typologie,
        cle,
        sum(num) as num, sum(den) as den,
        quantile_cont(x, 0.5) as mediane, count(x) as n_obs
    from {{ faits }}
    where {{ code }} is not null{% if par_typologie %} and typologie is not null{% endif %}
    group by all
{%- endmacro %}

{#- Data test (CCH R.441-3 b): an offer to the rank-n candidate of a ranked attribution follows a refusal or an
    expiry of the offer to every earlier rank of the same CAL session. Rows returned: offers of rank n > 1
    without that (the landlord's file is inconsistent, or its earlier ranks are missing). Sessions before the
    landlord's first CAL file are left out: a later file re-sends their answers, not their earlier ranks. -#}
{% test com_offre_apres_refus(model) %}
with offres as (
    select * from {{ model }} where est_offre
),

premiers_fichiers as (
    select bailleur_siren, min(date_trunc('month', mois_fichier)) as debut
    from {{ ref('stg_bailleurs__cal') }}
    group by bailleur_siren
)

select o.bailleur_siren, o.date_cal, o.ident_rep, o.id_demande, o.rang_offre
from offres o
join premiers_fichiers f on f.bailleur_siren = o.bailleur_siren and o.date_cal >= f.debut
where o.rang_offre > 1
  and (
      select count(distinct p.rang_offre)
      from offres p
      where p.bailleur_siren = o.bailleur_siren and p.date_cal = o.date_cal and p.ident_rep = o.ident_rep
        and p.rang_offre < o.rang_offre and p.offre_refusee
  ) < o.rang_offre - 1
{% endtest %}

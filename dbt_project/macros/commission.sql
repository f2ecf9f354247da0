{#- Commission and CAL family (INDICATORS.md C1-C4, S1). -#}

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

{#- C4's follow-up (INDICATORS.md): days from the commission to the CAL that examines the positioning, and
    from the accepted answer to the lease. A quarter's cohort is closed once both have passed after its
    last day. -#}
{% macro c4_suivi_jours() -%}
    {{ return({'cal': 90, 'bail': 31}) }}
{%- endmacro %}

{#- Shared pieces of the attribution family (int_ind_attributions_*). -#}

{#- Attributions on a dwelling of the EPCI under each quarter whose R4Q or YTD window holds the lease, with
    the window flags and the commune's sector (code_secteur: the commune itself when it is not grouped). -#}
{% macro att_par_trimestre() -%}
    select
        t.annee,
        t.trimestre,
        a.*,
        g.code_secteur,
        a.date_signature_bail >= t.debut as dans_trimestre,
        a.date_signature_bail >= t.debut_r4q as dans_r4q,
        a.date_signature_bail >= t.debut_ytd as dans_ytd
    from {{ ref('int_trimestres') }} t
    inner join {{ ref('int_attributions') }} a
        on a.date_signature_bail between least(t.debut_r4q, t.debut_ytd) and t.fin
    inner join {{ ref('int_geographies') }} g on g.niveau_geo = 'COMMUNE' and g.code_geo = a.commune_logement
{%- endmacro %}

{#- Active demands of each quarter's snapshot whose 1st choice is in the EPCI, with its sector and whether the
    demand waits since 5 years or more at t. -#}
{% macro att_demandes_par_trimestre() -%}
    select
        t.annee, t.trimestre, d.id_demande, d.commune_choix1 as commune, g.code_secteur, d.typologie, d.mutation,
        d.prioritaire_declare, d.date_depot <= t.fin - interval 5 year as depuis_5_ans
    from {{ ref('int_trimestres') }} t
    inner join {{ ref('int_demandes_enrichies') }} d on d.date_extraction = t.date_extraction
    inner join {{ ref('int_geographies') }} g on g.niveau_geo = 'COMMUNE' and g.code_geo = d.commune_choix1
{%- endmacro %}

{#- Landlords of the attributions that the referential does not know: published under their SIREN. -#}
{% macro att_domaine_bailleurs_inconnus() -%}
    select distinct
        null::varchar as indicateur, 'bailleur' as dimension, bailleur_siren as valeur, bailleur_siren as libelle,
        null::varchar as raison, null::integer as annee, null::integer as trimestre
    from {{ ref('int_attributions') }}
    where bailleur_siren not in (select code_geo from {{ ref('int_geographies') }} where niveau_geo = 'BAILLEUR')
{%- endmacro %}

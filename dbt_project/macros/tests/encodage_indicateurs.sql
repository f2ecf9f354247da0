{#- Data test of every model in the long table's encoding (INDICATORS.md, Appendix A), written once: rows
    returned break it (a key twice; an indicateur outside the catalogue seed; a statut outside the
    vocabulary; a valeur on a row that is not ok, or none on a row that is). -#}
{% test encodage_indicateurs(model) %}
with lignes as (
    select * from {{ model }}
),

doublons as (
    select annee, trimestre, niveau_geo, code_geo, indicateur, modalite, 'clé en double' as probleme
    from lignes
    group by annee, trimestre, niveau_geo, code_geo, indicateur, modalite
    having count(*) > 1
),

defauts as (
    select annee, trimestre, niveau_geo, code_geo, indicateur, modalite,
        case
            when indicateur not in (select indicateur from {{ ref('indicateurs') }}) then 'indicateur hors catalogue'
            when statut not in ('ok', 'non_calculable', 'sans_objet', 'secret') or statut is null then 'statut inconnu'
            when statut = 'ok' and valeur is null then 'valeur manquante'
            when statut <> 'ok' and valeur is not null then 'valeur sur une ligne non publiable'
        end as probleme
    from lignes
)

select * from doublons
union all
select * from defauts where probleme is not null
{% endtest %}

{#- Generic data test on the identities seed: in every quarter, at the same niveau_geo, code_geo and modalite,
    the declared component of `indicateur` equals that of `egal_a` wherever both are known (a row that is not
    ok may have neither). Returns each pair of rows that breaks a declared identity. -#}
{% macro _composante(alias, colonne) -%}
case {{ colonne }}
    when 'valeur' then {{ alias }}.valeur
    when 'numerateur' then {{ alias }}.numerateur
    when 'denominateur' then {{ alias }}.denominateur
end
{%- endmacro %}

{% test identites_tiennent(model, sur) %}
with paires as (
    select
        i.indicateur, i.composante, i.egal_a, i.composante_egal_a,
        a.annee, a.trimestre, a.niveau_geo, a.code_geo, a.modalite,
        {{ _composante('a', 'i.composante') }} as gauche,
        {{ _composante('b', 'i.composante_egal_a') }} as droite
    from {{ model }} as i
    inner join {{ sur }} as a on i.indicateur = a.indicateur
    inner join {{ sur }} as b
        on
            i.egal_a = b.indicateur
            and a.annee = b.annee and a.trimestre = b.trimestre and a.niveau_geo = b.niveau_geo
            and a.code_geo = b.code_geo and a.modalite = b.modalite
)

select * from paires
where abs(gauche - droite) > 1e-9
{% endtest %}

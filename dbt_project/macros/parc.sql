{#- Social stock family (P1–P4, R1): the réservataire of a dwelling from its RPLS CONTRESLOG contingent
    (1 État fonctionnaires → PFONCT, 2 and 5 État prioritaires / conventions → PPRIOR, 3 Action Logement →
    COLACT, 4 collectivités → COLTER, 6 autres → AUTRES, 7 non réservé → AUCUN). -#}
{% macro reservataire_de_contreslog(col) -%}
    case {{ col }}
        when '1' then 'PFONCT' when '2' then 'PPRIOR' when '3' then 'COLACT' when '4' then 'COLTER'
        when '5' then 'PPRIOR' when '6' then 'AUTRES' when '7' then 'AUCUN'
    end
{%- endmacro %}

{#- Rolls facts up into the long rows of Appendix A. `faits` is a CTE with columns annee, trimestre,
    indicateur, commune, bailleur_siren, typologie, financement, qpv, reservataire, num, den, calculable
    (one row per fact: a count adds 1 to num; a share adds its numerator to num and its denominator to den).
    `ensembles`: the grouping sets to publish (lists of dimensions; [] = EPCI overall); a group whose
    dimension value is null is not published. niveau_geo: COMMUNE if cut by commune, else BAILLEUR, else
    RESERVATAIRE, else EPCI; the other dimensions go into modalite (key order of INDICATORS.md).
    `comptes`: indicators that are counts (valeur = num); the others are num ÷ den × `facteurs` (default 1),
    non_calculable when a fact of the group is not calculable or den = 0. The calling model defines the CTE
    `geographies` (int_geographies), where libelle_geo is looked up. -#}
{% macro parc_lignes(faits, ensembles, comptes, facteurs={}) -%}
    {%- set dims = ['commune', 'bailleur_siren', 'typologie', 'financement', 'qpv', 'reservataire'] -%}
    with agregats as (
        select
            annee, trimestre, indicateur,
            {% for d in dims -%}
            {%- set ns = namespace(used=false) %}{% for e in ensembles %}{% if d in e %}{% set ns.used = true %}{% endif %}{% endfor -%}
            {% if ns.used %}{{ d }}, grouping({{ d }}) = 0 as par_{{ d }},{% else %}null::varchar as {{ d }}, false as par_{{ d }},{% endif %}
            {% endfor %}
            sum(num) as num,
            sum(den) as den,
            bool_and(calculable) as calculable
        from {{ faits }}
        group by grouping sets (
            {% for e in ensembles %}(annee, trimestre, indicateur{% for d in e %}, {{ d }}{% endfor %}){{ "," if not loop.last }}
            {% endfor %}
        )
    ),

    lignes as (
        select
            *,
            case
                when par_commune then 'COMMUNE'
                when par_bailleur_siren then 'BAILLEUR'
                when par_reservataire then 'RESERVATAIRE'
                else 'EPCI'
            end as niveau_geo,
            case
                when par_commune then commune
                when par_bailleur_siren then bailleur_siren
                when par_reservataire then reservataire
                else {{ epci_siren() }}
            end as code_geo
        from agregats
        where true
            {% for d in dims %}and not (par_{{ d }} and {{ d }} is null)
            {% endfor %}
    )

    select
        l.annee::integer as annee,
        l.trimestre::integer as trimestre,
        l.niveau_geo,
        l.code_geo,
        g.libelle_geo,
        l.indicateur,
        coalesce(nullif(concat_ws(',',
            case when l.par_bailleur_siren and l.par_commune then 'bailleur=' || l.bailleur_siren end,
            case when l.par_reservataire and (l.par_commune or l.par_bailleur_siren) then 'reservataire=' || l.reservataire end,
            case when l.par_typologie then 'typologie=' || l.typologie end,
            case when l.par_financement then 'financement=' || l.financement end,
            case when l.par_qpv then 'qpv=' || l.qpv end
        ), ''), 'ensemble') as modalite,
        case
            when l.indicateur in ('{{ comptes | join("', '") }}') then l.num
            when not l.calculable or l.den = 0 then null
            else l.num / l.den{% for k, v in facteurs.items() %} * case when l.indicateur = '{{ k }}' then {{ v }} else 1 end{% endfor %}
        end::double as valeur,
        case when l.calculable then l.num end::double as numerateur,
        case when l.calculable and l.indicateur not in ('{{ comptes | join("', '") }}') then l.den end::double
            as denominateur,
        case
            when l.indicateur in ('{{ comptes | join("', '") }}') then 'ok'
            when not l.calculable or l.den = 0 then 'non_calculable'
            else 'ok'
        end as statut
    from lignes l
    -- left: a landlord outside the referential keeps its row, without a label
    left join geographies g on g.niveau_geo = l.niveau_geo and g.code_geo = l.code_geo
{%- endmacro %}

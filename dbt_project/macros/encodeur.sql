{#- The one encoder of fct_indicateurs (INDICATORS.md, Appendix A): facts in, long rows out.

    An indicator model computes facts only, then calls `encoder_indicateurs`. The catalogue (seed
    `indicateurs`, read through ref) says, per indicator, how facts aggregate (`agregat`: somme, rapport,
    mediane, moyenne, q1, q3, max, estimation), the denominator's threshold, a factor, and the cuts it is published for
    (`decoupages`: `level[:dim+dim]`, levels epci, secteur, commune, bailleur, reservataire, residence).

    Inputs, CTEs of the calling model:
    - `faits`: one row per observation (or partial count): annee, trimestre, indicateur, the dimensions
      listed in `dimensions` (others are null; `secteur`, when not listed, is the sector of `commune`) and
      the measures listed in `mesures` among num (a count, or a share's numerator; 1 when not listed: the
      fact is one unit counted), den (a share's denominator), x (the observed value of a median, mean or
      quartile; of an estimation, the estimate), raison (why the observation makes its row not computable;
      `sans_objet` when it does not apply), decoupage (the one cut the fact is the value of: an estimation
      made per group, e.g. a survival curve, is not a sum of its parts);
      a unit with several values of a dimension listed in `dimensions_multiples` (a positioning's motives)
      gives one fact per value and one with the dimension null (it counts once in the cuts without it);
    - `domaines`: the units and modalities every quarter publishes, whether or not a fact falls there:
      dimension and valeur, and optionally indicateur and decoupage (null: every indicator, every cut of the
      model), libelle (the unit's label, for a level), raison (the cell is not computable, e.g. typology C of
      a ratio), annee and trimestre (null: every quarter). For one cut and dimension, the rows naming the cut
      replace those naming its indicator, which replace the general ones;
    - `raisons` (optional): annee, trimestre, indicateur, raison: a whole quarter of an indicator is not
      computable (no snapshot, window not covered...);
    - `observes` (optional): indicateur, dimension (one of `dimensions`, or a derived `secteur`), valeur,
      annee, trimestre (null: every indicator of the model, every value of the dimension, every quarter):
      domain values whose cells are published only where a fact falls (a sparse cut: e.g. a typology row only
      where dwellings are).

    A quarter whose window (the catalogue's `fenetre`) starts before the coverage of a feed of its
    `couverture` (int_couvertures) is non_calculable, `fenetre_non_couverte`, its counts not shown.

    The grid (every quarter x every cut's units and modalities, less the cells of `observes` values where no
    fact falls) is authoritative: a fact outside it is not published. A count with no fact is 0 (ok); a share
    with a denominator of 0, or under the catalogue's threshold, a statistic with no observation, and an
    estimation with none or over fewer units (den) than the threshold are non_calculable. Values stay unrounded. Output: the long table's columns and `raison` (null when ok). -#}

{#- The levels below the EPCI (niveau_geo of INDICATORS.md); a level's unit is an axis of its cuts. -#}
{% macro encoder_niveaux() -%}
    {{ return(['secteur', 'commune', 'bailleur', 'reservataire', 'residence']) }}
{%- endmacro %}

{#- Every axis a fact may carry: the levels' units, then the modalite's other dimensions. -#}
{% macro encoder_axes() -%}
    {%- set niveaux = encoder_niveaux() -%}
    {{ return(niveaux + (encoder_dimensions_modalite() | reject('in', niveaux) | list)) }}
{%- endmacro %}

{#- Key order of the modalite (INDICATORS.md). -#}
{% macro encoder_dimensions_modalite() -%}
    {{ return(['mois', 'bailleur', 'reservataire', 'typologie', 'financement', 'qpv', 'mutation',
               'prioritaire', 'motif', 'decision', 'avis', 'tranche', 'choix']) }}
{%- endmacro %}

{#- The row key of a relation holding the axes and a decoupage's `niveau` and `dims`: niveau_geo, code_geo,
    modalite, and `incomplet` (an axis of the cut is unknown: no row). -#}
{% macro encoder_cle() -%}
    upper(niveau) as niveau_geo,
    case niveau
        when 'epci' then {{ epci_siren() }}
        {% for n in encoder_niveaux() -%}
        when '{{ n }}' then {{ n }}
        {% endfor -%}
    end as code_geo,
    coalesce(nullif(concat_ws(','
        {%- for d in encoder_dimensions_modalite() %},
        case when list_contains(dims, '{{ d }}') then '{{ d }}=' || {{ d }} end
        {%- endfor %}
    ), ''), 'ensemble') as modalite,
    (niveau <> 'epci' and case niveau {% for n in encoder_niveaux() %}when '{{ n }}' then {{ n }} {% endfor %}end is null)
    {%- for d in encoder_dimensions_modalite() %}
        or (list_contains(dims, '{{ d }}') and {{ d }} is null)
    {%- endfor %} as incomplet
{%- endmacro %}

{#- Facts `f` joined to every cut of their indicator (enc_catalogue); a unit with several values of a
    multi-valued dimension comes once per value, for the cuts by that dimension (as a level or in the
    modalite), and once without, for the others. -#}
{% macro encoder_decoupages(dimensions_multiples, par_decoupage) -%}
    inner join enc_catalogue as c on f.indicateur = c.indicateur
    {%- if par_decoupage %} and f.decoupage = c.decoupage{% endif %}
    {%- for d in dimensions_multiples %}
        and (f.{{ d }} is null) = not (c.niveau = '{{ d }}' or list_contains(c.dims, '{{ d }}'))
    {%- endfor %}
{%- endmacro %}

{% macro encoder_indicateurs(indicateurs, faits='faits', domaines='domaines', raisons=none, observes=none,
                             dimensions=[], mesures=[], dimensions_multiples=[]) -%}
    {%- set axes = encoder_axes() -%}
    {#- facts by commune that do not carry their sector get it from their commune -#}
    {%- set secteur_derive = 'commune' in dimensions and 'secteur' not in dimensions -%}
    {%- set axes_faits = dimensions + (['secteur'] if secteur_derive else []) -%}
    {%- set par_decoupage = 'decoupage' in mesures -%}
    enc_catalogue as (
        select
            indicateur, decoupage, agregat, seuil_denominateur, facteur, fenetre, couverture,
            split_part(decoupage, ':', 1) as niveau,
            list_filter(string_split(split_part(decoupage, ':', 2), '+'), lambda d: d <> '') as dims
        from (
            select *, unnest(string_split(decoupages, ' ')) as decoupage from {{ ref('indicateurs') }}
        )
        where indicateur in ('{{ indicateurs | join("', '") }}')
    ),

    -- a quarter whose window starts before the coverage of a feed the indicator reads over it is not
    -- computable: never a figure on a truncated window (a monthly row is judged on its quarter)
    enc_fenetres as (
        select distinct t.annee, t.trimestre, c.indicateur, 'fenetre_non_couverte' as raison
        from {{ ref('int_trimestres') }} as t
        cross join (
            select distinct indicateur, fenetre, unnest(string_split(couverture, ' ')) as flux
            from enc_catalogue
            where coalesce(couverture, '') <> ''
        ) as c
        left join {{ ref('int_couvertures') }} as v on v.flux = c.flux and v.bailleur_siren is null
        where v.debut is null or v.debut > case c.fenetre
            when 'r4q' then t.debut_r4q
            when '12m' then t.debut_r4q
            when 'ytd' then t.debut_ytd
            when 'annee' then t.debut_ytd
            when '36m' then t.debut_36_mois
            else t.debut
        end
    ),

    -- facts by commune that do not carry their sector get it from the commune's (int_geographies, from the
    -- communes seed): the sector cuts of the catalogue then need no change to the model. A commune that is
    -- its own sector gets its own code, outside the sector domain: it has no SECTEUR row
    enc_faits as (
        select
            annee, trimestre, indicateur,
            {% for a in axes -%}
            {{ a if a in dimensions else ('enc_secteur' if a == 'secteur' and secteur_derive else 'null') }}::varchar as {{ a }},
            {% endfor -%}
            {{ 'num' if 'num' in mesures else '1' }}::double as num,
            {{ 'den' if 'den' in mesures else 'null' }}::double as den,
            {{ 'x' if 'x' in mesures else 'null' }}::double as x,
            {{ 'raison' if 'raison' in mesures else 'null' }}::varchar as raison,
            {{ 'decoupage' if par_decoupage else 'null' }}::varchar as decoupage
        {% if secteur_derive -%}
        from (
            select f.*, g.code_secteur as enc_secteur
            from {{ faits }} as f
            left join {{ ref('int_geographies') }} as g
                on g.niveau_geo = 'COMMUNE' and g.code_geo = f.commune::varchar
        )
        {%- else -%}
        from {{ faits }}
        {%- endif %}
    ),

    -- facts summed by their own dimensions first (few rows), then under the row key of every cut of their
    -- indicator: the string keys are built on sums, not on every observation
    enc_sommes_faits as (
        select
            annee, trimestre, indicateur, decoupage, {{ axes | join(', ') }},
            sum(num) as num, max(num) as num_max, sum(den) as den, min(raison) as raison
        from enc_faits
        group by all
    ),

    enc_sommes as (
        select
            annee, trimestre, indicateur, niveau_geo, code_geo, modalite,
            sum(num) as num, max(num_max) as num_max, sum(den) as den, min(raison) as raison
        from (
            select f.*, {{ encoder_cle() }}
            from (select f.*, c.niveau, c.dims from enc_sommes_faits as f {{ encoder_decoupages(dimensions_multiples, par_decoupage) }}) as f
        ) as cles
        where not incomplet
        group by all
    ),

    -- statistics only on the observed values, each computed for the indicators that publish it: sorting for
    -- quantiles and means is the costly part
    enc_statistiques as (
        select
            annee, trimestre, indicateur, niveau_geo, code_geo, modalite,
            count(*) as n_obs,
            quantile_cont(x, 0.5) filter (where agregat = 'mediane') as mediane,
            quantile_cont(x, 0.25) filter (where agregat = 'q1') as q1,
            quantile_cont(x, 0.75) filter (where agregat = 'q3') as q3,
            {{ moyenne('x') }} filter (where agregat = 'moyenne') as moyenne,
            max(x) filter (where agregat = 'estimation') as estimation
        from (
            select f.*, {{ encoder_cle() }}
            from (
                select f.*, c.niveau, c.dims, c.agregat
                from enc_faits as f {{ encoder_decoupages(dimensions_multiples, par_decoupage) }}
                where f.x is not null
            ) as f
        ) as cles
        where not incomplet
        group by all
    ),

    enc_agregats as (
        select s.*, st.n_obs, st.mediane, st.q1, st.q3, st.moyenne, st.estimation
        from enc_sommes as s
        left join enc_statistiques as st
            on
                s.annee = st.annee and s.trimestre = st.trimestre and s.indicateur = st.indicateur
                and s.niveau_geo = st.niveau_geo and s.code_geo = st.code_geo and s.modalite = st.modalite
    ),

    -- the units and modalities of each cut: the rows naming the cut, else those naming its indicator, else
    -- the model's general rows (a column a model does not give is null)
    enc_domaines as (
        select c.indicateur, c.decoupage, d.dimension, d.valeur, d.libelle, d.raison, d.annee, d.trimestre
        from enc_catalogue c
        inner join (
            select * from (
                select
                    null::varchar as indicateur, null::varchar as decoupage, null::varchar as dimension,
                    null::varchar as valeur, null::varchar as libelle, null::varchar as raison,
                    null::integer as annee, null::integer as trimestre
                where false
            )
            union all by name
            select * from {{ domaines }}
        ) d
            on coalesce(d.indicateur, c.indicateur) = c.indicateur
            and coalesce(d.decoupage, c.decoupage) = c.decoupage
        qualify rank() over (
            partition by c.indicateur, c.decoupage, d.dimension
            order by d.decoupage is null, d.indicateur is null
        ) = 1
    ),

    -- every quarter x every cut x the units and modalities of its axes
    enc_grille as (
        select
            t.annee, t.trimestre, c.indicateur, c.agregat, c.seuil_denominateur, c.facteur, c.niveau, c.dims,
            {% for a in axes -%}
            a_{{ a }}.valeur as {{ a }},
            {% endfor -%}
            case c.niveau
                when 'epci' then (select nom from {{ ref('epci') }})
                {% for n in encoder_niveaux() -%}
                when '{{ n }}' then a_{{ n }}.libelle
                {% endfor -%}
            end as libelle_geo,
            coalesce({% for a in axes %}a_{{ a }}.raison{{ ', ' if not loop.last }}{% endfor %}) as raison_domaine,
            {% if observes -%}
            -- a value of `observes` on one of the cell's axes: the cell is published only where a fact falls.
            -- One subquery for all the axes: DuckDB took 0.6 s to plan one per axis (six in C1-C3)
            exists (
                select 1 from {{ observes }} o
                where (o.indicateur is null or o.indicateur = c.indicateur)
                    and (o.annee is null or (o.annee = t.annee and o.trimestre = t.trimestre))
                    and case o.dimension
                        {% for a in axes if a in axes_faits -%}
                        when '{{ a }}' then a_{{ a }}.valeur is not null and (o.valeur is null or o.valeur = a_{{ a }}.valeur)
                        {% endfor -%}
                        else false
                    end
            )
            {%- else -%}
            false
            {%- endif %} as si_observe
        from {{ ref('int_trimestres') }} t
        cross join enc_catalogue c
        {% for a in axes -%}
        left join enc_domaines a_{{ a }}
            on (c.niveau = '{{ a }}' or list_contains(c.dims, '{{ a }}'))
            and a_{{ a }}.indicateur = c.indicateur and a_{{ a }}.decoupage = c.decoupage
            and a_{{ a }}.dimension = '{{ a }}'
            and (a_{{ a }}.annee is null or (a_{{ a }}.annee = t.annee and a_{{ a }}.trimestre = t.trimestre))
        {% endfor %}
    ),

    enc_lignes as (
        select
            g.annee, g.trimestre, g.niveau_geo, g.code_geo, g.libelle_geo, g.indicateur, g.modalite, g.agregat,
            g.seuil_denominateur, g.facteur,
            coalesce(a.num, 0) as num, a.num_max, coalesce(a.den, 0) as den, coalesce(a.n_obs, 0) as n_obs,
            a.num as num_observe, a.den as den_observe,
            case when a.annee is not null then coalesce(a.n_obs, 0) end as n_observe,
            case g.agregat
                when 'mediane' then a.mediane when 'moyenne' then a.moyenne when 'q1' then a.q1 when 'q3' then a.q3
                when 'estimation' then a.estimation
            end as statistique,
            -- a quarter without the data: numerator and denominator show only what was observed (a side
            -- without facts is null, not 0); an observation whose value is unknown: they are partial, not shown
            {% if raisons %}r.raison is not null{% else %}false{% endif %} as sans_donnees,
            -- a window not covered: what was observed is partial, not shown; an estimation's reason is about its
            -- value only (a curve beyond its horizon): its counts are whole
            (a.raison is not null and g.agregat <> 'estimation') or w.raison is not null as valeurs_inconnues,
            coalesce({% if raisons %}r.raison, {% endif %}g.raison_domaine, w.raison, a.raison) as raison_donnee
        from (select *, {{ encoder_cle() }} from enc_grille) g
        left join enc_agregats a
            on a.annee = g.annee and a.trimestre = g.trimestre and a.indicateur = g.indicateur
            and a.niveau_geo = g.niveau_geo and a.code_geo = g.code_geo and a.modalite = g.modalite
        left join enc_fenetres w on w.annee = g.annee and w.trimestre = g.trimestre and w.indicateur = g.indicateur
        {% if raisons -%}
        left join {{ raisons }} r on r.annee = g.annee and r.trimestre = g.trimestre and r.indicateur = g.indicateur
        {%- endif %}
        where not g.incomplet and (a.annee is not null or not g.si_observe)
    ),

    enc_raisons as (
        select
            *,
            coalesce(raison_donnee, case
                when agregat = 'rapport' and den = 0 then 'aucune_observation'
                when agregat = 'rapport' and den < seuil_denominateur then 'denominateur_insuffisant'
                when agregat in ('mediane', 'moyenne', 'q1', 'q3', 'estimation') and n_obs = 0 then 'aucune_observation'
                when agregat = 'estimation' and den < seuil_denominateur then 'denominateur_insuffisant'
            end) as raison,
            case agregat when 'somme' then num when 'max' then coalesce(num_max, 0) end as valeur_compte
        from enc_lignes
    ),

    enc_final as (
        select
            annee::integer as annee,
            trimestre::integer as trimestre,
            niveau_geo::varchar as niveau_geo,
            code_geo::varchar as code_geo,
            libelle_geo::varchar as libelle_geo,
            indicateur::varchar as indicateur,
            modalite::varchar as modalite,
            case when raison is null then case agregat
                when 'somme' then valeur_compte
                when 'max' then valeur_compte
                when 'rapport' then num / den * facteur
                else statistique
            end end::double as valeur,
            -- a count's numerateur is its value; a share keeps its counts when it is not computable
            case
                when raison = 'sans_objet' or valeurs_inconnues then null
                when agregat in ('somme', 'max') then case when raison is null then valeur_compte end
                when agregat in ('rapport', 'estimation') then case when sans_donnees then num_observe else num end
            end::double as numerateur,
            case
                when raison = 'sans_objet' or valeurs_inconnues or agregat in ('somme', 'max') then null
                when agregat in ('rapport', 'estimation') then case when sans_donnees then den_observe else den end
                else case when sans_donnees then n_observe else n_obs end
            end::double as denominateur,
            case
                when raison = 'sans_objet' then 'sans_objet'
                when raison is not null then 'non_calculable'
                else 'ok'
            end::varchar as statut,
            raison::varchar as raison
        from enc_raisons
    )
{%- endmacro %}

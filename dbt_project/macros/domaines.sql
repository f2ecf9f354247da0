{#- Domains of the encoder (macros/encodeur.sql): the units and modalities every quarter publishes. Each
    macro selects the domain's columns (indicateur, dimension, valeur, libelle, raison, annee, trimestre). -#}

{#- The published territories of int_geographies, for every indicator of the model: communes, multi-commune
    sectors, landlords of the referential, réservataires. -#}
{% macro domaines_territoires() -%}
    select
        null::varchar as indicateur, lower(niveau_geo) as dimension, code_geo as valeur, libelle_geo as libelle,
        null::varchar as raison, null::integer as annee, null::integer as trimestre
    from {{ ref('int_geographies') }}
    where niveau_geo in ('SECTEUR', 'COMMUNE', 'BAILLEUR', 'RESERVATAIRE')
{%- endmacro %}

{#- The codes of a list of the contract's code table as a modality (`indicateur`: one indicator, else all). -#}
{% macro domaine_codes(dimension, liste, indicateur=none, raison_si=none) -%}
    select
        {{ "'" ~ indicateur ~ "'" if indicateur else 'null' }}::varchar as indicateur, '{{ dimension }}' as dimension,
        code as valeur, libelle,
        {{ "case when " ~ raison_si[0] ~ " then '" ~ raison_si[1] ~ "' end" if raison_si else 'null' }}::varchar
            as raison,
        null::integer as annee, null::integer as trimestre
    from {{ ref('stg_observatoire__codes') }}
    where liste = '{{ liste }}'
{%- endmacro %}

{#- Quarters without a demand snapshot within (t − 1 month, t]: the snapshot figures of `indicateurs` are
    not computable there (INDICATORS.md, "Snapshot figures"). -#}
{% macro raisons_sans_extraction(indicateurs) -%}
    select t.annee, t.trimestre, i.indicateur, 'sans_extraction' as raison
    from {{ ref('int_trimestres') }} t
    cross join (select unnest(['{{ indicateurs | join("', '") }}']) as indicateur) i
    where t.date_extraction is null
{%- endmacro %}

{#- The long table's commune row of the facts whose commune is unknown (a CAL return on a dwelling no stock
    file, positioning or commissioning event locates): the EPCI row counts them, and this remainder makes
    EPCI = Σ communes hold, a cell of its own for the checks and the confidentiality rules. -#}
{% macro commune_inconnue() -%}
    'INCONNUE'
{%- endmacro %}

{#- Its domain row, and the row of `observes` that publishes it only where a fact falls. -#}
{% macro domaine_commune_inconnue() -%}
    select
        null::varchar as indicateur, 'commune' as dimension, {{ commune_inconnue() }} as valeur,
        'Commune non renseignée' as libelle, null::varchar as raison, null::integer as annee,
        null::integer as trimestre
{%- endmacro %}

-- The chance of being housed (INDICATORS.md H1): the estimates of int_demandes_survie (one Aalen–Johansen
-- curve per group: not a sum of communes), each the value of the one cut it names, encoded on the grid. A group
-- of fewer spells than the catalogue's threshold is not computable; for the public and the CIL the
-- attributions behind it (numerateur) pass the thresholds of a share's numerator.
{%- set indicateurs = [] -%}
{%- for horizon in ['1an', '2ans', '3ans', '5ans'] -%}
    {%- for suffixe in ['', '_bas', '_haut'] -%}
        {%- do indicateurs.append('H1_' ~ horizon ~ suffixe) -%}
    {%- endfor -%}
{%- endfor -%}
{%- do indicateurs.append('H1_delai_50') %}

with faits as (
    select * from {{ ref('int_demandes_survie') }}
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ domaine_codes('typologie', 'typologie_demande') }}
    union all
    {{ domaine_codes('prioritaire', 'oui_non') }}
),

{{ encoder_indicateurs(indicateurs, dimensions=['commune', 'secteur', 'typologie', 'prioritaire'],
                       mesures=['num', 'den', 'x', 'raison', 'decoupage']) }}

select * from enc_final

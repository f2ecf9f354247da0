{#- Generic data test: every non-null value is a code of the contract's list `liste` (labels written at
    ingestion from expectations/contracts/codes.yml, the one place codes are declared). -#}
{% test dans_liste_de_codes(model, column_name, liste) %}
select {{ column_name }} as valeur_hors_liste
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (select code from {{ ref('stg_observatoire__codes') }} where liste = '{{ liste }}')
{% endtest %}

{#- Generic data test: every distinct combination of `columns` in the model `de` (its rows where `ou`) is a
    row of the tested model, e.g. every territory of fct_indicateurs is in dim_geographies. -#}
{% test couvre(model, de, columns, ou='true') %}
select {{ columns | join(', ') }}
from (select distinct {{ columns | join(', ') }} from {{ de }} where {{ ou }}) d
where not exists (
    select 1 from {{ model }} m
    where {% for c in columns %}m.{{ c }} = d.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
)
{% endtest %}

{#- Generic data test on int_logements_etats: a dwelling (ident_rep, the national RPLS id) is held by one
    landlord at a time; two landlords' intervals [debut, fin) of the same dwelling must not overlap (a merger
    hands it over the day after date_fin). Returns each conflicting pair with the day it starts. -#}
{% test un_seul_bailleur_a_la_fois(model) %}
select a.ident_rep, a.bailleur_siren, b.bailleur_siren as autre_bailleur, greatest(a.debut, b.debut) as depuis
from {{ model }} a
join {{ model }} b
    on a.ident_rep = b.ident_rep and a.bailleur_siren < b.bailleur_siren
   and a.debut < coalesce(b.fin, date '9999-12-31') and b.debut < coalesce(a.fin, date '9999-12-31')
where a.etat <> 'hors_parc' and b.etat <> 'hors_parc'
{% endtest %}

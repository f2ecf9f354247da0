-- One row per quarter × dwelling in the stock at t (state at t from int_logements_etats: debut <= t and
-- (fin is null or fin > t)), hors_parc left out, with the dwelling's attributes.
-- mise_en_service: the MISE_EN_SERVICE event's date when there is one, else 31 December of LOCAT (the
-- latest date the year allows: a new building's first lettings never count as rotation).
-- int_logements_etats gives a dwelling one state at a time, mergers included. Attributes come from the
-- dwelling's latest stock row at or before t, whatever the landlord (after a
-- merger, the ceased landlord's until the successor's next vintage), else from its MISE_EN_SERVICE event.
with trimestres as (
    select annee, trimestre, debut as debut_trimestre, fin as t from {{ ref('int_trimestres') }}
),

etats as (
    select * from {{ ref('int_logements_etats') }}
),

stock as (
    select * from {{ ref('stg_bailleurs__rpls') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

finan as (
    select code, libelle as financement from {{ ref('stg_observatoire__codes') }}
    where liste = 'finan_rpls'
),

mises_en_service as (
    select *
    from mouvements
    where type_evenement = 'MISE_EN_SERVICE'
    qualify row_number() over (partition by ident_rep order by date_evenement desc) = 1
),

-- One state per dwelling at t. Should two landlords claim a dwelling at once outside a merger (conflicting
-- partner files; the test un_seul_bailleur_a_la_fois on int_logements_etats warns of it), the latest
-- information wins rather than counting the dwelling twice or failing the whole run.
etats_a_t as (
    select tr.annee, tr.trimestre, tr.t, e.*
    from trimestres as tr
    inner join etats as e on tr.t >= e.debut and (e.fin is null or tr.t < e.fin)
    qualify row_number() over (
        partition by tr.annee, tr.trimestre, e.ident_rep order by e.debut desc, e.bailleur_siren asc
    ) = 1
),

dernier_stock as (
    -- the dwelling's latest stock row at or before t, whatever the landlord
    select e.annee, e.trimestre, s.*
    from etats_a_t as e
    inner join stock as s on e.ident_rep = s.ident_rep and e.t >= s.millesime
    qualify row_number() over (partition by e.annee, e.trimestre, e.ident_rep order by s.millesime desc) = 1
),

final as (
    select
        e.annee,
        e.trimestre,
        e.t,
        e.bailleur_siren,
        e.ident_rep,
        e.millesime,
        e.etat,
        e.vacant_depuis,
        e.suivi_par_mouvements,
        coalesce(s.commune, m.commune) as commune,
        {{ typologie_de_pieces('coalesce(s.nbpiece, m.nbpiece)') }} as typologie,
        coalesce(f.financement, 'AUTRE') as financement,
        not coalesce(coalesce(f.financement, 'AUTRE') = 'PLI' or s.conventionne = false, false) as regime_l441,
        case when coalesce(s.qpv_code, m.qpv_code) is not null then 'OUI' else 'NON' end as qpv,
        nullif(coalesce(s.groupe_immobilier, m.groupe_immobilier), '') as groupe_immobilier,
        coalesce(m.date_evenement, make_date(s.annee_premiere_location, 12, 31)) as mise_en_service,
        s.debut_bail,
        s.millesime as millesime_stock
    from etats_a_t as e
    left join dernier_stock as s
        on e.annee = s.annee and e.trimestre = s.trimestre and e.ident_rep = s.ident_rep
    left join mises_en_service as m
        on e.ident_rep = m.ident_rep and e.t >= m.date_evenement
    left join finan as f on f.code = coalesce(s.finan, m.finan)
    where e.etat <> 'hors_parc'
)

select * from final

-- P3_livres, P3_prevus: dwellings delivered in the quarter and planned for it, per financing × réservataire,
-- grain commune. Rows: EPCI; EPCI × financing; EPCI × réservataire (niveau RESERVATAIRE); commune; all
-- zero-filled (every commune, financing group and réservataire code).
-- Delivered: MISE_EN_SERVICE events dated in the quarter, on the event's commune; financing = the group
-- of the event's FINAN (codes finan_rpls: PLAI, PLUS, PLS, PLI, AUTRE); réservataire = the event's
-- CONTRESLOG mapped (macro reservataire_de_contreslog), else the programme's réservataire when the
-- programme has a single one for that financing in the latest programmes file at or before t, else AUCUN.
-- Planned: nb_logements of the latest programmes file at or before t whose date_livraison_prevue is in
-- the quarter (whether delivered since or not), on the programme's financing and réservataire.
with trimestres as (
    select annee, trimestre, debut as debut_trimestre, fin as t from {{ ref('int_trimestres') }}
),

mouvements as (
    select * from {{ ref('stg_bailleurs__mouvements') }}
),

programmes as (
    select * from {{ ref('stg_bailleurs__programmes') }}
),

geographies as (
    select niveau_geo, code_geo, libelle_geo from {{ ref('int_geographies') }}
),

-- the EPCI's communes
communes as (
    select code_geo as code_insee from geographies where niveau_geo = 'COMMUNE'
),

reservataires as (
    select code_geo as reservataire from geographies where niveau_geo = 'RESERVATAIRE'
),

finan as (
    select code, libelle as financement from {{ ref('stg_observatoire__codes') }} where liste = 'finan_rpls'
),

programmes_a_t as (
    select tr.annee, tr.trimestre, tr.debut_trimestre, tr.t, p.*
    from trimestres tr
    join programmes p
        on p.date_photographie = (
            select max(p2.date_photographie) from programmes p2 where p2.date_photographie <= tr.t
        )
),

reservataire_programme as (
    select annee, trimestre, programme_id, financement, min(reservataire) as reservataire
    from programmes_a_t
    group by all
    having count(distinct reservataire) = 1
),

livraisons as (
    select
        tr.annee, tr.trimestre, m.commune,
        coalesce(f.financement, 'AUTRE') as financement,
        coalesce({{ reservataire_de_contreslog('m.contreslog') }}, rp.reservataire, 'AUCUN') as reservataire
    from trimestres tr
    join mouvements m
        on m.type_evenement = 'MISE_EN_SERVICE'
       and m.date_evenement between tr.debut_trimestre and tr.t
    left join finan f on f.code = m.finan
    left join reservataire_programme rp
        on rp.annee = tr.annee and rp.trimestre = tr.trimestre and rp.programme_id = m.programme_id
       and rp.financement = coalesce(f.financement, 'AUTRE')
),

zeros as (
    select
        tr.annee, tr.trimestre, i.indicateur, c.code_insee as commune, f.financement, r.reservataire
    from trimestres tr
    cross join communes c
    cross join (select distinct financement from finan) f
    cross join reservataires r
    cross join (select unnest(['P3_livres', 'P3_prevus']) as indicateur) i
),

faits as (
    select
        f.annee, f.trimestre, f.indicateur, f.commune, null::varchar as bailleur_siren,
        null::varchar as typologie, f.financement, null::varchar as qpv, f.reservataire,
        f.num, 0 as den, true as calculable
    from (
        select annee, trimestre, 'P3_livres' as indicateur, commune, financement, reservataire, 1 as num
        from livraisons
        union all
        select annee, trimestre, 'P3_prevus', commune, financement, reservataire, nb_logements
        from programmes_a_t
        where date_livraison_prevue between debut_trimestre and t
        union all
        select annee, trimestre, indicateur, commune, financement, reservataire, 0
        from zeros
    ) f
    join communes c on c.code_insee = f.commune
),

final as (
    {{ parc_lignes('faits', [[], ['financement'], ['reservataire'], ['commune']], comptes=['P3_livres', 'P3_prevus']) }}
)

select * from final

-- P3_livres, P3_prevus: dwellings delivered in the quarter and planned for it, on the commune, by financing
-- and réservataire (EPCI, EPCI x financing, commune, réservataire).
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

communes as (
    select code_geo as commune from {{ ref('int_geographies') }}
    where niveau_geo = 'COMMUNE'
),

finan as (
    select code, libelle as financement from {{ ref('stg_observatoire__codes') }}
    where liste = 'finan_rpls'
),

programmes_a_t as (
    select tr.annee, tr.trimestre, tr.debut_trimestre, tr.t, p.*
    from trimestres as tr
    inner join programmes as p
        on p.date_photographie = (
            select max(p2.date_photographie) from programmes as p2
            where p2.date_photographie <= tr.t
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
    from trimestres as tr
    inner join mouvements as m
        on
            m.type_evenement = 'MISE_EN_SERVICE'
            and m.date_evenement between tr.debut_trimestre and tr.t
    left join finan as f on m.finan = f.code
    left join reservataire_programme as rp
        on
            tr.annee = rp.annee and tr.trimestre = rp.trimestre and m.programme_id = rp.programme_id
            and rp.financement = coalesce(f.financement, 'AUTRE')
),

faits as (
    -- a dwelling outside the EPCI's communes is in none of its rows
    select annee, trimestre, indicateur, commune, financement, reservataire, num
    from (
        select annee, trimestre, 'P3_livres' as indicateur, commune, financement, reservataire, 1 as num
        from livraisons
        union all
        select annee, trimestre, 'P3_prevus', commune, financement, reservataire, nb_logements
        from programmes_a_t
        where date_livraison_prevue between debut_trimestre and t
    ) as logements
    where commune in (select commune from communes)
),

domaines as (
    {{ domaines_territoires() }}
    union all
    -- the financing groups of the RPLS codes
    select distinct
        null::varchar, 'financement', financement as valeur, financement as libelle, null::varchar, null::integer,
        null::integer
    from finan
),

{{ encoder_indicateurs(['P3_livres', 'P3_prevus'], dimensions=['commune', 'financement', 'reservataire'],
                       mesures=['num']) }}

select * from enc_final

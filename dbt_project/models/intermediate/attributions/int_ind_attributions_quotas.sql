-- The Égalité-Citoyenneté quotas (INDICATORS.md Q1-Q3), attributions of the year to t (YTD):
-- Q1 recognised-priority households ÷ attributions, per réservataire and landlord x réservataire (PFONCT and
--    AUTRES carry no target: sans_objet);
-- Q2 outside QPV, 1st-quartile households or urban-renewal rehousing (counted once) ÷ attributions whose
--    quartile is known or that are urban-renewal rehousing; Q2_hors_ru without urban renewal;
-- Q3 in QPV, households not in the 1st quartile ÷ attributions whose quartile is known.
-- In a lease year without a quartile threshold, an attribution whose quartile is unknown makes Q2 and Q3 not
-- computable (sans_seuil_quartile): left out, it would leave Q2 to the urban-renewal households alone.
-- EPCI, landlord and (Q2) réservataire rows.
with attributions as (
    select
        *,
        case when premier_quartile is null and not seuil_quartile_connu then 'sans_seuil_quartile' end
            as raison_quartile
    from ({{ att_par_trimestre() }})
    where dans_ytd
),

faits as (
    select
        annee, trimestre, 'Q1' as indicateur, bailleur_siren as bailleur, reservataire,
        coalesce(prioritaire_attribution, false)::int as num, 1 as den, null as raison
    from attributions
    union all
    select
        annee, trimestre, 'Q2', bailleur_siren, reservataire,
        (coalesce(relogement_ru, false) or coalesce(premier_quartile, false))::int,
        (coalesce(relogement_ru, false) or premier_quartile is not null)::int,
        raison_quartile
    from attributions
    where not qpv
    union all
    select
        annee, trimestre, 'Q2_hors_ru', bailleur_siren, reservataire,
        coalesce(premier_quartile, false)::int, (premier_quartile is not null)::int, raison_quartile
    from attributions
    where not qpv
    union all
    select
        annee, trimestre, 'Q3', bailleur_siren, reservataire,
        coalesce(not premier_quartile, false)::int, (premier_quartile is not null)::int, raison_quartile
    from attributions
    where qpv
),

domaines as (
    {{ domaines_territoires() }}
    union all
    {{ att_domaine_bailleurs_inconnus() }}
    union all
    -- the 25 % target binds COLTER, COLACT, AUCUN and the prefect's PPRIOR; PFONCT and AUTRES have none
    select
        'Q1', 'reservataire', code_geo, libelle_geo,
        case when code_geo in ('PFONCT', 'AUTRES') then 'sans_objet' end, null, null
    from {{ ref('int_geographies') }}
    where niveau_geo = 'RESERVATAIRE'
),

{{ encoder_indicateurs(['Q1', 'Q2', 'Q2_hors_ru', 'Q3'], dimensions=['bailleur', 'reservataire'],
                       mesures=['num', 'den', 'raison']) }}

select * from enc_final

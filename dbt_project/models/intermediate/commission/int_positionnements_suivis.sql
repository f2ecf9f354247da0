-- Commission follow-through (INDICATORS.md C4): one row per positioning validated by the commission
-- (avis VALIDE) on a dwelling of a landlord that sends CAL returns (perimetre_cal other than AUCUN), followed
-- through its steps: refusal before the CAL (REFUS_VISITE, DESISTEMENT or SANS_REPONSE: no answer counts as a
-- refusal, as for offers) -> examined by the landlord's CAL (the first CAL of the same dwelling and candidate
-- within 90 days of the commission) -> attributed (that CAL's attribution decision led to an offer) ->
-- accepted -> lease signed (an attribution RADATT of the same household, landlord and dwelling whose lease is
-- within 31 days of the accepted answer).
{%- set suivi = c4_suivi_jours() %}
with positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
    where avis_commission = 'VALIDE'
),

bailleurs as (
    select bailleur_siren from {{ ref('stg_bailleurs__bailleurs') }}
    where perimetre_cal <> 'AUCUN'
),

examens as (
    select * from {{ ref('int_examens_cal') }}
),

attributions as (
    select id_demande, bailleur_siren, ident_rep, date_signature_bail from {{ ref('int_attributions') }}
),

suivis as (
    select p.*
    from positionnements as p
    inner join bailleurs as b on p.bailleur_siren = b.bailleur_siren
),

premier_examen as (
    select
        s.date_commission, s.bailleur_siren, s.ident_rep, s.id_demande,
        e.date_cal, e.est_offre, e.offre_acceptee, e.date_reponse
    from suivis as s
    inner join examens as e
        on
            s.bailleur_siren = e.bailleur_siren and s.ident_rep = e.ident_rep and s.id_demande = e.id_demande
            and s.date_commission <= e.date_cal and e.date_cal <= s.date_commission + interval {{ suivi.cal }} day
    qualify row_number() over (
        partition by s.date_commission, s.bailleur_siren, s.ident_rep, s.id_demande order by e.date_cal
    ) = 1
),

bail as (
    select
        e.date_commission, e.bailleur_siren, e.ident_rep, e.id_demande,
        a.date_signature_bail
    from premier_examen as e
    inner join attributions as a
        on
            e.id_demande = a.id_demande and e.bailleur_siren = a.bailleur_siren and e.ident_rep = a.ident_rep
            and e.offre_acceptee
            and abs(date_diff('day', e.date_reponse, a.date_signature_bail)) <= {{ suivi.bail }}
    qualify row_number() over (
        partition by e.date_commission, e.bailleur_siren, e.ident_rep, e.id_demande
        order by abs(date_diff('day', e.date_reponse, a.date_signature_bail)), a.date_signature_bail
    ) = 1
),

final as (
    select
        s.date_commission,
        year(s.date_commission) as annee,
        quarter(s.date_commission) as trimestre,
        s.bailleur_siren,
        s.ident_rep,
        s.id_demande,
        s.commune_logement as commune,
        s.reservataire,
        coalesce(s.reponse_avant_cal in ('REFUS_VISITE', 'DESISTEMENT', 'SANS_REPONSE'), false) as refus_avant_cal,
        e.date_cal,
        e.date_cal is not null as examine,
        coalesce(e.est_offre, false) as attribue,
        coalesce(e.offre_acceptee, false) as accepte,
        e.date_reponse,
        b.date_signature_bail,
        b.date_signature_bail is not null as bail_signe,
        date_diff('day', s.date_commission, b.date_signature_bail) as delai_commission_bail_jours
    from suivis as s
    left join premier_examen as e
        on
            s.date_commission = e.date_commission and s.bailleur_siren = e.bailleur_siren
            and s.ident_rep = e.ident_rep and s.id_demande = e.id_demande
    left join bail as b
        on
            s.date_commission = b.date_commission and s.bailleur_siren = b.bailleur_siren
            and s.ident_rep = b.ident_rep and s.id_demande = b.id_demande
)

select * from final

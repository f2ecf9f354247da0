-- One row per candidate positioned by the intercommunal commission on a vacant dwelling, with the commission's
-- opinion and, for the validated ones on a landlord that sends CAL returns, what followed (int_positionnements_suivis:
-- refusal before the CAL, examined, attributed, accepted, lease signed).
with positionnements as (
    select * from {{ ref('stg_commission__positionnements') }}
),

parcours as (
    select * from {{ ref('int_positionnements_suivis') }}
),

final as (
    select
        p.date_commission,
        year(p.date_commission) as annee,
        quarter(p.date_commission) as trimestre,
        p.bailleur_siren,
        p.ident_rep,
        p.commune_logement,
        {{ typologie_logement('p.typologie_logement') }} as typologie,
        p.reservataire,
        p.id_demande,
        p.rang_propose,
        p.motifs_positionnement,
        p.avis_commission,
        p.reponse_avant_cal,
        p.motif_refus_avant_cal,
        s.id_demande is not null as suivi_cal,
        s.refus_avant_cal,
        s.date_cal,
        s.examine,
        s.attribue,
        s.accepte,
        s.date_signature_bail,
        s.bail_signe,
        s.delai_commission_bail_jours
    from positionnements as p
    left join parcours as s
        on
            p.date_commission = s.date_commission and p.bailleur_siren = s.bailleur_siren
            and p.ident_rep = s.ident_rep and p.id_demande = s.id_demande
)

select * from final

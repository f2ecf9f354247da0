-- One row per candidate examined by a landlord's CAL (int_examens_cal): decision, rank, the offer and the
-- candidate's answer (no answer by the deadline = refusal; an empty answer = pending), on the dwelling's
-- commune and type.
with examens as (
    select * from {{ ref('int_examens_cal') }}
),

final as (
    select
        bailleur_siren,
        date_cal,
        annee,
        trimestre,
        ident_rep,
        id_demande,
        reservataire,
        commune,
        typologie,
        qpv,
        decision,
        rang,
        exemption_trois_candidats,
        est_offre,
        rang_offre,
        offre_refusee,
        offre_repondue,
        offre_acceptee,
        offre_en_attente,
        reponse_candidat,
        date_reponse,
        motif_refus
    from examens
)

select * from final

-- One row per candidate examined by a CAL (CONTRACTS.md §7; a later CAL file already replaced the row of the
-- same key), located on the dwelling's commune and type: the stock file (RPLS) of the latest vintage at or
-- before the CAL (else the earliest one), else the commission's positioning of the same dwelling, else the
-- commune of its commissioning event (a dwelling delivered after the last stock file). A row still without a
-- commune counts at the EPCI and on the long table's "commune non renseignée" row.
-- An offer is a row with proposition_faite (rank 2 is offered only after rank 1 refused: the landlord reports
-- it, we do not infer it from the decision); SANS_REPONSE (no answer by the deadline) is a refusal; an empty
-- answer is pending and counts neither as answered nor as refused. qpv: the dwelling is in a QPV (stock file;
-- unknown when the dwelling is not in the stock).
with cal as (
    select * from {{ ref('stg_bailleurs__cal') }}
),

rpls as (
    select bailleur_siren, ident_rep, millesime, commune, nbpiece, qpv_code from {{ ref('stg_bailleurs__rpls') }}
),

positionnements as (
    select bailleur_siren, ident_rep, date_commission, commune_logement, typologie_logement
    from {{ ref('stg_commission__positionnements') }}
),

mises_en_service as (
    select bailleur_siren, ident_rep, any_value(commune) as commune
    from {{ ref('stg_bailleurs__mouvements') }}
    where type_evenement = 'MISE_EN_SERVICE'
    group by bailleur_siren, ident_rep
),

stock_choisi as (
    select
        c.bailleur_siren, c.date_cal, c.ident_rep, c.id_demande,
        r.commune, {{ typologie_de_pieces('r.nbpiece') }} as typologie, r.qpv_code is not null as qpv
    from cal as c
    inner join rpls as r on c.bailleur_siren = r.bailleur_siren and c.ident_rep = r.ident_rep
    qualify row_number() over (
        partition by c.bailleur_siren, c.date_cal, c.ident_rep, c.id_demande
        order by
            (r.millesime <= c.date_cal) desc,
            case when r.millesime <= c.date_cal then r.millesime end desc,
            r.millesime
    ) = 1
),

positionnement_choisi as (
    select
        c.bailleur_siren, c.date_cal, c.ident_rep, c.id_demande,
        p.commune_logement as commune, {{ typologie_logement('p.typologie_logement') }} as typologie
    from cal as c
    inner join positionnements as p on c.bailleur_siren = p.bailleur_siren and c.ident_rep = p.ident_rep
    qualify row_number() over (
        partition by c.bailleur_siren, c.date_cal, c.ident_rep, c.id_demande
        order by
            (p.date_commission <= c.date_cal) desc,
            case when p.date_commission <= c.date_cal then p.date_commission end desc,
            p.date_commission
    ) = 1
),

final as (
    select
        c.bailleur_siren,
        c.date_cal,
        year(c.date_cal) as annee,
        quarter(c.date_cal) as trimestre,
        c.ident_rep,
        c.id_demande,
        c.reservataire,
        coalesce(s.commune, p.commune, m.commune) as commune,
        coalesce(s.typologie, p.typologie) as typologie,
        s.qpv,
        c.decision,
        c.rang,
        c.exemption_trois_candidats,
        coalesce(c.proposition_faite, false) as est_offre,
        case
            when c.proposition_faite
                then
                    case when c.decision = 'ATTRIBUTION_RANG' then c.rang else 1 end
        end as rang_offre,
        coalesce(c.proposition_faite and c.reponse_candidat in ('REFUSE', 'SANS_REPONSE'), false) as offre_refusee,
        coalesce(c.proposition_faite and c.reponse_candidat is not null, false) as offre_repondue,
        coalesce(c.proposition_faite and c.reponse_candidat = 'ACCEPTE', false) as offre_acceptee,
        coalesce(c.proposition_faite and c.reponse_candidat is null, false) as offre_en_attente,
        c.reponse_candidat,
        c.date_reponse,
        c.motif_refus
    from cal as c
    left join stock_choisi as s
        on
            c.bailleur_siren = s.bailleur_siren and c.date_cal = s.date_cal
            and c.ident_rep = s.ident_rep and c.id_demande = s.id_demande
    left join positionnement_choisi as p
        on
            c.bailleur_siren = p.bailleur_siren and c.date_cal = p.date_cal
            and c.ident_rep = p.ident_rep and c.id_demande = p.id_demande
    left join mises_en_service as m on c.bailleur_siren = m.bailleur_siren and c.ident_rep = m.ident_rep
)

select * from final

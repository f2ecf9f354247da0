-- Attributions: RADATT radiations not cancelled by a déradiation, dated by the lease
-- (INDICATORS.md, "Attribution"), on the dwelling's commune and type, with the household's situation at
-- attribution. 1st quartile: the SNE flag when the radiation carries it, else resources per consumption
-- unit strictly below the threshold of the lease's year (no threshold -> null).
with radiations as (
    select * from {{ ref('stg_sne__radiations') }}
    where motif_radiation = 'RADATT' and not annulee
),

seuils as (
    select annee, q1 from {{ ref('seuils_quartiles') }}
),

calcul as (
    select
        r.*,
        r.revenu_mensuel * 12 / {{ unites_consommation('r.nb_personnes', 'r.nb_enfants_moins_14_ans') }}
            as ressources_annuelles_uc,
        s.q1 as seuil_q1
    from radiations as r
    left join seuils as s on s.annee = year(r.date_signature_bail)
),

final as (
    select
        id_demande,
        date_radiation,
        date_signature_bail,
        year(date_signature_bail) as annee_bail,
        quarter(date_signature_bail) as trimestre_bail,
        bailleur_siren,
        ident_rep,
        commune_logement,
        {{ typologie_logement('typologie_logement') }} as typologie,
        qpv,
        reservataire,
        reservataire_id,
        logement_actuel = 'HLM' as mutation,
        logement_actuel = 'HLM' and deja_locataire_bailleur as mutation_interne,
        prioritaire_attribution,
        source_priorite,
        relogement_ru,
        statut_dalo in ('ACTIF', 'ACTREL') as dalo,
        logement_actuel in ('SH', 'RS', 'CDEFCM', 'HOT', 'SD', 'SQUAT', 'CAMCAR', 'SLHT') as sortie_hebergement_rue,
        logement_actuel,
        communes_souhaitees[1] as commune_choix1,
        date_depot,
        {{ mois_entre('date_depot', 'date_signature_bail') }} as attente_mois,
        ressources_annuelles_uc,
        premier_quartile as premier_quartile_sne,
        case
            when seuil_q1 is not null and ressources_annuelles_uc is not null
                then ressources_annuelles_uc < seuil_q1
        end as premier_quartile_calcule,
        coalesce(premier_quartile, case
            when seuil_q1 is not null and ressources_annuelles_uc is not null
                then ressources_annuelles_uc < seuil_q1
        end) as premier_quartile,
        seuil_q1 is not null as seuil_quartile_connu
    from calcul
)

select * from final

with source as (
    select * from {{ source('bailleurs', 'rpls') }}
),

final as (
    select
        bailleur_siren,
        ident_rep,
        _date_fichier as millesime,
        ident_int,
        depcom as commune,
        nullif(qpv, '') as qpv_code,
        nullif(qpv_2015, '') as qpv_2015_code,
        nbpiece,
        surfhab,
        typeconst,
        construct as annee_construction,
        locat as annee_premiere_location,
        finan,
        conv as conventionne,
        mode,
        bail as debut_bail,
        remlocdate,
        loyerprinc,
        contreslog,
        pmr,
        groupe_immobilier,
        _fichier as fichier
    from source
)

select * from final

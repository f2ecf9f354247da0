"""The réservataire meeting's brief (issue 14, part 2): for each programme of the latest programmes file not
yet delivered, what the warehouse knows, read through the models that already define each fact — active
demands (int_demandes_enrichies, the quarter's snapshot), attributions (int_attributions), the quotas
(Q1–Q3 of marts.fct_indicateurs), the residence watch (R1 rows of marts.fct_indicateurs), dwellings
(int_logements_trimestres). The page and the workbook are written by `dashboards/programmes.py` and
`programmes_workbook.py`; the arithmetic is `dashboards/projection.py`.

Windows: the profiles of the réservataires, the attributions per year and the estimated typology mix read
the `annees_profil_programmes` years before t, cut to the months the radiations cover (the brief states the
period it used): a projection on a short history is still the meeting's best guess, said so."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import duckdb
import polars as pl

from dashboards.programmes import SANS_OBJET, Brief, Programme, Residence
from dashboards.projection import Profil, Ratio, repartir

from ..settings import Settings
from . import referentiels as R
from .cil_pack import write_atomic
from .scenarios import TYPOLOGIES, Declaration, default_scenario, read_scenarios


def programmes(con: duckdb.DuckDBPyConnection) -> list[Programme]:
    """The programmes of the latest programmes file with no delivery date, with their landlord's and commune's
    names and their rows (financing × réservataire)."""
    rows = con.sql(
        """
        select
            p.*, coalesce(b.nom_bailleur, p.bailleur_siren) as bailleur_nom,
            coalesce(c.nom, p.commune) as commune_nom
        from staging.stg_bailleurs__programmes as p
        left join marts.dim_bailleurs as b on b.bailleur_siren = p.bailleur_siren
        left join marts.dim_communes as c on c.code_insee = p.commune
        where p.date_photographie = (select max(date_photographie) from staging.stg_bailleurs__programmes)
          and p.date_livraison is null
        order by p.programme_id, p.financement, p.reservataire
        """
    ).pl()
    out = []
    for (pid,), g in rows.group_by(["programme_id"], maintain_order=True):
        first = g.row(0, named=True)
        out.append(
            Programme(
                programme_id=pid,
                nom=first["nom_programme"],
                bailleur_siren=first["bailleur_siren"],
                bailleur_nom=first["bailleur_nom"],
                commune=first["commune"],
                commune_nom=first["commune_nom"],
                livraison_prevue=first["date_livraison_prevue"],
                date_fichier=first["date_photographie"],
                lignes=tuple(g.select("financement", "reservataire", "nb_logements").iter_rows()),
            )
        )
    return out


def years_before(t: dt.date, annees: int) -> dt.date:
    """The same day `annees` years before t; a 29 February falls on the 28th of a common year."""
    try:
        return t.replace(year=t.year - annees)
    except ValueError:
        return t.replace(year=t.year - annees, day=28)


def window(con: duckdb.DuckDBPyConnection, t: dt.date, annees: int) -> tuple[dt.date, dt.date]:
    """(first day, t) of the profile window: `annees` years before t, from the radiations' coverage at the
    earliest."""
    [(debut,)] = con.sql(
        "select debut from intermediate.int_couvertures where flux = 'sne_radiations' and bailleur_siren is null"
    ).fetchall() or [(None,)]
    start = years_before(t, annees) + dt.timedelta(days=1)
    return (max(start, debut) if debut else start), t


def demande(con: duckdb.DuckDBPyConnection, commune: str, t: dt.date, delais: dict[str, float]) -> pl.DataFrame:
    """Active demands of the latest snapshot at or before t whose 1st choice is the commune, by typology, with
    their profile (shares over the demands; the 1st-quartile share over those whose quartile is known)."""
    return con.sql(
        """
        with d as (
            select * from intermediate.int_demandes_enrichies
            where commune_choix1 = $commune
              and date_extraction = (select max(date_extraction) from intermediate.int_demandes_enrichies
                                     where date_extraction <= $t)
        ),
        delais as (select unnest($typs) as typologie, unnest($mois) as delai)
        select
            d.typologie, any_value(d.date_extraction) as date_extraction, count(*) as demandes,
            count(*) filter (where premier_quartile) / nullif(count(premier_quartile), 0) as part_q1,
            avg(prioritaire_declare::int) as part_prioritaires,
            avg(dalo::int) as part_dalo,
            avg(mutation::int) as part_mutations,
            quantile_cont(anciennete_mois, 0.5) as anciennete_mediane,
            case when any_value(l.delai) is not null then avg((anciennete_mois > l.delai)::int) end as part_delai
        from d left join delais as l using (typologie)
        group by d.typologie
        order by d.typologie
        """,
        params={"commune": commune, "t": t, "typs": list(delais), "mois": list(delais.values())},
    ).pl()


def attributions(con: duckdb.DuckDBPyConnection, commune: str, fenetre: tuple[dt.date, dt.date]) -> pl.DataFrame:
    """Attributions (lease in the window) of dwellings of the commune, by typology let."""
    return con.sql(
        """
        select typologie, count(*) as attributions from intermediate.int_attributions
        where commune_logement = $commune and date_signature_bail between $debut and $fin
        group by typologie order by typologie
        """,
        params={"commune": commune, "debut": fenetre[0], "fin": fenetre[1]},
    ).pl()


def profils(con: duckdb.DuckDBPyConnection, fenetre: tuple[dt.date, dt.date]) -> dict[str, Profil]:
    """Each réservataire's attributions of the window in the EPCI's communes, counted as the quotas count
    them (int_ind_attributions_quotas): priority; 1st quartile or urban renewal over known; quartiles 2–4."""
    rows = con.sql(
        """
        select reservataire,
            count(*) filter (where prioritaire_attribution), count(*),
            count(*) filter (where relogement_ru or premier_quartile),
            count(*) filter (where relogement_ru or premier_quartile is not null),
            count(*) filter (where not premier_quartile), count(premier_quartile)
        from intermediate.int_attributions
        where date_signature_bail between $debut and $fin
          and commune_logement in (select code_insee from marts.dim_communes)
        group by reservataire
        """,
        params={"debut": fenetre[0], "fin": fenetre[1]},
    ).fetchall()
    return {r[0]: Profil(Ratio(r[1], r[2]), Ratio(r[3], r[4]), Ratio(r[5], r[6])) for r in rows}


def quotas(con: duckdb.DuckDBPyConnection, annee: int, trimestre: int, bailleur: str) -> dict[tuple, Ratio]:
    """The year-to-date quotas at t as published in marts.fct_indicateurs: (Q1|Q2, réservataire) and
    (Q3, `EPCI`|`BAILLEUR`) → numerator ÷ denominator, `sans_objet` where the quota does not apply, None when
    not computable."""
    rows = con.sql(
        """
        select indicateur, niveau_geo, code_geo, numerateur, denominateur, statut from marts.fct_indicateurs
        where annee = $a and trimestre = $t and modalite = 'ensemble' and (
            (indicateur in ('Q1', 'Q2') and niveau_geo = 'RESERVATAIRE')
            or (indicateur = 'Q3' and (niveau_geo = 'EPCI' or (niveau_geo = 'BAILLEUR' and code_geo = $b))))
        """,
        params={"a": annee, "t": trimestre, "b": bailleur},
    ).fetchall()
    return {(i, c if n == "RESERVATAIRE" else n): Ratio(num, den) if st == "ok" else st if st == SANS_OBJET else None
            for i, n, c, num, den, st in rows}  # fmt: skip


def melange(con: duckdb.DuckDBPyConnection, bailleur: str, commune: str, t: dt.date, annees: int
            ) -> tuple[dict[str, int], str]:  # fmt: skip
    """The typology weights of a landlord's programmes in a commune and their basis in words: its dwellings put
    in service in the `annees` years before t in the commune, else in the EPCI, else its whole stock in the
    commune (int_logements_trimestres at the last quarter)."""
    bases = (
        ("commune = $c and mise_en_service > $debut", f"logements mis en service par le bailleur depuis {annees} ans "
         f"dans la commune"),
        ("mise_en_service > $debut", f"logements mis en service par le bailleur depuis {annees} ans dans l'EPCI"),
        ("commune = $c", "parc du bailleur dans la commune"),
    )  # fmt: skip
    debut = years_before(t, annees)
    for where, words in bases:
        rows = con.sql(
            f"""
            select typologie, count(*) from intermediate.int_logements_trimestres
            where bailleur_siren = $b and {where} and typologie in $typs
              and (annee, trimestre) = (select max((annee, trimestre)) from intermediate.int_logements_trimestres)
            group by typologie
            """,
            params={"b": bailleur, "typs": list(TYPOLOGIES)}
            | ({"c": commune} if "$c" in where else {})
            | ({"debut": debut} if "$debut" in where else {}),
        ).fetchall()
        weights = {typ: n for typ in TYPOLOGIES for k, n in rows if k == typ}
        if weights:
            return weights, words
    return {}, ""


def residences(con: duckdb.DuckDBPyConnection, bailleur: str, commune: str, annee: int, trimestre: int
               ) -> list[Residence]:  # fmt: skip
    """The residence watch (R1 rows of marts.fct_indicateurs at t) of the landlord's residences with
    dwellings in the commune."""
    rows = con.sql(
        """
        with ici as (
            select distinct bailleur_siren || ':' || coalesce(groupe_immobilier, 'COMMUNE-' || commune) as code_geo
            from intermediate.int_logements_trimestres
            where annee = $a and trimestre = $t and bailleur_siren = $b and commune = $c
        )
        select code_geo, any_value(libelle_geo),
            max(valeur) filter (where indicateur = 'R1_vacance' and statut = 'ok'),
            max(valeur) filter (where indicateur = 'R1_rotation' and statut = 'ok'),
            max(valeur) filter (where indicateur = 'R1_refus' and statut = 'ok'),
            max(valeur) filter (where indicateur = 'R1_part_q1' and statut = 'ok'),
            max(valeur) filter (where indicateur = 'R1_part_prioritaires' and statut = 'ok'),
            max(valeur) filter (where indicateur = 'R1_alerte' and modalite = 'ensemble'),
            list(distinct replace(modalite, 'motif=', '') order by replace(modalite, 'motif=', ''))
                filter (where indicateur = 'R1_alerte' and modalite like 'motif=%'),
            max(denominateur) filter (where indicateur = 'R1_vacance')
        from marts.fct_indicateurs
        where annee = $a and trimestre = $t and niveau_geo = 'RESIDENCE' and code_geo in (select code_geo from ici)
        group by code_geo order by code_geo
        """,
        params={"a": annee, "t": trimestre, "b": bailleur, "c": commune},
    ).fetchall()
    return [Residence(r[0], r[1], *r[2:7], bool(r[7]), tuple(r[8] or ()), r[9]) for r in rows]


class Sources:
    """What the briefs of one publication read, each once: the window and profiles, a commune's demand and
    attributions, a landlord's quotas, its residences and typology weights in a commune (read once per
    programme, the 1,042 briefs of scale 100 took 153 s, each scanning the million demands again)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, quarter: tuple):
        annee, trimestre, t = quarter
        annees = settings.annees_profil_programmes
        self.quarter, self.fenetre = quarter, window(con, t, annees)
        self.profils = profils(con, self.fenetre)
        self.demande = functools.cache(lambda c: demande(con, c, t, settings.delai_anormalement_long))
        self.attributions = functools.cache(lambda c: attributions(con, c, self.fenetre))
        self.quotas = functools.cache(lambda b: quotas(con, annee, trimestre, b))
        self.residences = functools.cache(lambda b, c: residences(con, b, c, annee, trimestre))
        self.melange = functools.cache(lambda b, c: melange(con, b, c, t, annees))


def brief(read: Sources, p: Programme, declaration: Declaration) -> Brief:
    """Everything the brief of one programme shows, at the publication's quarter (annee, trimestre, t)."""
    annee, trimestre, t = read.quarter
    typologies, base = declaration.typologies, "déclaré"
    if not typologies:
        weights, base = read.melange(p.bailleur_siren, p.commune)
        typologies = repartir(p.logements, weights) if weights else {}
    return Brief(
        programme=p,
        annee=annee,
        trimestre=trimestre,
        t=t,
        fenetre=read.fenetre,
        qpv=declaration.qpv,
        typologies=typologies,
        typologies_declarees=bool(declaration.typologies),
        base_typologies=base,
        demande=read.demande(p.commune),
        attributions=read.attributions(p.commune),
        residences=read.residences(p.bailleur_siren, p.commune),
        profils=read.profils,
        quotas=read.quotas(p.bailleur_siren),
        scenarios=declaration.scenarios or (default_scenario(p.orientation()),),
    )


def publish_programmes(con: duckdb.DuckDBPyConnection, settings: Settings, annee: int, trimestre: int,
                       folder: Path) -> list[Path]:  # fmt: skip
    """The brief (page and workbook) of each programme not yet delivered under `folder`, the residence watch
    (page and workbook) of each of their landlord × commune under `folder/residences`, once however many
    programmes share it, and their index; files of programmes delivered since (or dropped from the file) are
    removed. Returns the files written."""
    from dashboards.programmes import WATCH_DIR, index_html, page_html, watch_html
    from dashboards.site_data import code_labels, quarter_end

    from .programmes_workbook import watch_bytes, workbook_bytes

    todo = programmes(con)
    reservataires = con.sql("select code from raw.codes where liste = 'reservataire' order by ordre").pl()["code"]
    declarations = read_scenarios(settings.scenarios_programmes, {p.programme_id: p.logements for p in todo},
                                  reservataires.to_list())  # fmt: skip
    (_, epci_nom), labels = R.epci(con), code_labels(R.codes(con))

    def libelle(liste: str, code: str) -> str:
        return labels.get((liste, code), code)

    read = Sources(con, settings, (annee, trimestre, quarter_end(annee, trimestre)))
    briefs = [brief(read, p, declarations.get(p.programme_id, Declaration())) for p in todo]
    written = []
    for b in briefs:
        pid = b.programme.programme_id
        written.append(write_atomic(folder / f"{pid}.xlsx", workbook_bytes(b, libelle, epci_nom)))
        page = page_html(b, libelle, epci_nom, workbook=f"{pid}.xlsx")
        written.append(write_atomic(folder / f"{pid}.html", page.encode("utf-8")))
    watches: dict[str, list[Brief]] = {}
    for b in briefs:
        watches.setdefault(b.programme.veille, []).append(b)
    for name, group in watches.items():
        written.append(write_atomic(folder / f"{name}.xlsx", watch_bytes(group, epci_nom)))
        page = watch_html(group, epci_nom, workbook=f"{Path(name).name}.xlsx")
        written.append(write_atomic(folder / f"{name}.html", page.encode("utf-8")))
    written.append(write_atomic(folder / "index.html", index_html(briefs, epci_nom).encode("utf-8")))
    present = {p for d in (folder, folder / WATCH_DIR) if d.is_dir() for p in d.iterdir() if p.is_file()}
    for old in present - set(written):
        old.unlink()
    return written

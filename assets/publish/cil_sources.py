"""What one quarter's pack reads from the warehouse: the CIL-audience rows and the `Lisez-moi`'s
tables (definitions, changes of definition, source dates, coverage, R1 windows, gaps)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from dashboards.cil_charts import CHARTS

from ..partitions import gaps, quarter_key
from ..settings import Settings
from . import referentiels
from .cil_charts import chart_names
from .cil_pack import SECRET_MARK, SHEETS, Pack
from .confidentiality import read_reference
from .public_rows import releases

FEEDS = {
    "sne_demandes": "demandes actives (SNE)",
    "sne_radiations": "radiations (SNE)",
    "positionnements": "positionnements en commission",
    "cal": "retours de CAL",
    "mouvements": "mouvements mensuels",
    "rpls": "parc au 1er janvier (RPLS)",
    "programmes": "programmes de livraison",
    "bilan_flux": "bilans annuels des flux",
    "engagements_cia": "engagements de la CIA",
}


def full_catalogue(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every column of the catalogue seed, the pack's sheet (`feuille_cil`) included."""
    return con.sql("select * from referentiels.indicateurs").pl()


def history(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """The quarters of the history, in order."""
    quarters = con.sql("select annee, trimestre from intermediate.int_trimestres order by all").fetchall()
    return [tuple(r) for r in quarters]


def site_quarters(quarters: list[tuple[int, int]], annee: int, trimestre: int) -> list[tuple[int, int]]:
    """The quarters of the history `quarters` a quarter's site shows: every one up to it, in order."""
    return [q for q in quarters if q <= (annee, trimestre)]


def completude(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("select bailleur_siren, mois, flux, recu from intermediate.int_flux_completude").pl()


def _landlords(con) -> pl.DataFrame:
    return con.sql("select bailleur_siren, nom_bailleur from marts.dim_bailleurs").pl()


def _feed(col: str = "flux") -> pl.Expr:
    return pl.col(col).replace_strict(FEEDS, default=pl.col(col)).alias("Flux")


def _landlord(col: str = "nom_bailleur") -> pl.Expr:
    return pl.coalesce(pl.col(col), pl.col("bailleur_siren"), pl.lit("tout le territoire")).alias("Bailleur")


def source_dates(con, fin: dt.date) -> pl.DataFrame:
    """Per feed and landlord: the files loaded, the first and last extraction dates, the last at or before `t`."""
    journal = con.sql(
        "select flux, bailleur_siren, count(*) as fichiers, min(date_fichier) as premier, "
        "max(date_fichier) as dernier, max(date_fichier) filter (where date_fichier <= $t) as dernier_t "
        "from raw.journal_ingestion where statut = 'chargé' and date_fichier is not null group by all",
        params={"t": fin},
    ).pl()
    return (
        journal.join(_landlords(con), on="bailleur_siren", how="left")
        .sort("flux", "bailleur_siren", nulls_last=False)
        .select(
            _feed(),
            _landlord(),
            pl.col("fichiers").alias("Fichiers chargés"),
            pl.col("premier").alias("Première extraction"),
            pl.col("dernier_t").alias("Dernière extraction au plus tard à t"),
            pl.col("dernier").alias("Dernière extraction reçue"),
        )
    )


def coverage(con, annee: int, trimestre: int) -> pl.DataFrame:
    """Per landlord and feed: the start of coverage (first file) and the files received / owed in the quarter."""
    first = con.sql("select flux, bailleur_siren, debut from intermediate.int_couvertures").pl()
    owed = (
        completude(con)
        .filter(pl.col("mois").dt.year() == annee, (pl.col("mois").dt.month() - 1) // 3 + 1 == trimestre)
        .group_by("bailleur_siren", "flux")
        .agg(recus=pl.col("recu").sum(), attendus=pl.len())
    )
    return (
        first.join(owed, on=["bailleur_siren", "flux"], how="full", coalesce=True, nulls_equal=True)
        .join(_landlords(con), on="bailleur_siren", how="left")
        .sort("flux", "bailleur_siren", nulls_last=False)
        .select(
            _feed(),
            _landlord(),
            pl.col("debut").alias("Début de couverture (premier fichier)"),
            pl.col("recus").alias("Fichiers reçus dans le trimestre"),
            pl.col("attendus").alias("Fichiers attendus dans le trimestre"),
        )
    )


def residence_windows(con, annee: int, trimestre: int) -> pl.DataFrame:
    return (
        con.sql(
            "select * from intermediate.int_fenetres_residences where annee = $a and trimestre = $t",
            params={"a": annee, "t": trimestre},
        )
        .pl()
        .join(_landlords(con), on="bailleur_siren", how="left")
        .sort("bailleur_siren")
        .select(
            _landlord(),
            pl.col("debut_couverture").alias("Couvert depuis"),
            pl.col("mois_couverts").alias("Mois couverts"),
            pl.col("mois_fenetre").alias("Fenêtre de R1 (mois)"),
            pl.col("debut_fenetre").alias("Début de la fenêtre"),
        )
    )


def quarter_gaps(con, annee: int, trimestre: int) -> pl.DataFrame:
    return (
        gaps(completude(con), annee, trimestre)
        .join(_landlords(con), on="bailleur_siren", how="left")
        .select(_landlord(), _feed(), pl.col("mois").dt.strftime("%m/%Y").alias("Mois manquant"))
    )


def definitions(catalogue: pl.DataFrame) -> pl.DataFrame:
    return catalogue.filter(pl.col("feuille_cil").is_in(SHEETS)).select(
        pl.col("indicateur").alias("Code"),
        pl.col("libelle").alias("Libellé"),
        pl.col("feuille_cil").alias("Feuille"),
        pl.col("unite").alias("Unité"),
        pl.col("definition").alias("Définition"),
        pl.col("reference").fill_null("").alias("Référence"),
    )


def changes(con) -> pl.DataFrame:
    return (
        con.sql("select * from referentiels.changements_definitions order by date, indicateur")
        .pl()
        .select(Date="date", Indicateur="indicateur", Changement="raison")
    )


def rules_text(settings: Settings) -> str:
    cil = settings.seuil_secret_cil
    return "\n".join(
        [
            f"Un nombre de ménages de 1 à {cil - 1} est masqué (0 ne désigne aucun ménage et reste publié), "
            "ainsi qu'une part, un rapport ou une médiane dont le numérateur ou le dénominateur (sauf 0) "
            f"est inférieur à {cil}.",
            "Les lignes institutionnelles que la CIL suit (quotas Q1 à Q3, flux P5, résultats de CAL C1–C2 par "
            "bailleur) ne sont jamais masquées. Les nombres de logements (parc, vacance, livraisons) sont publics "
            "(RPLS) et ne sont pas masqués.",
            "Secret secondaire : d'autres cellules sont masquées pour qu'une cellule masquée ne puisse pas être "
            "recalculée par différence (total de l'EPCI et somme des communes, typologies, tranches, fenêtres).",
            f"Une cellule masquée est notée « {SECRET_MARK} » dans ce classeur et laissée vide (statut secret) dans "
            "le CSV ; elle ne vaut jamais 0.",
            "La chance d'être logé (feuille Chance_logement : chance à 1, 2, 3 et 5 ans, bornes à 95 % et délai à "
            f"50 %) n'est publiée que sur au moins {cil} attributions observées (le numérateur ; le dénominateur "
            "compte les parcours de demande), zéro compris : une courbe sans attribution ne repose sur rien.",
            "La veille des résidences (R1) est donnée sous forme d'alertes et de leurs motifs, sans effectifs.",
        ]
    )


def about_text(pack_key: str, fin: dt.date, epci_name: str, gap_count: int) -> str:
    lines = [
        f"{epci_name} — indicateurs du trimestre {pack_key} (t = {fin:%d/%m/%Y}), recalculés sur toutes les "
        "données reçues.",
        "Feuilles : Ensemble, Typologie, Chance_logement (chance d'être logé dans 1, 2, 3 et 5 ans, toutes "
        "demandes comptées, et délai au bout duquel une demande sur deux est satisfaite : pour l'EPCI, les ménages "
        "prioritaires et chaque commune ou secteur par typologie), Quotas_LEC (quotas de la loi Égalité et "
        "citoyenneté), Flux (flux par réservataire), CAL_refus (commissions d'attribution et refus), Parc, "
        "Livraisons, Residences (alertes R1).",
        "Le fichier CSV du même nom contient la table longue complète (séparateur « ; », UTF-8, point décimal).",
        "Une part est affichée en pourcentage ; dans le CSV, une part est une fraction entre 0 et 1.",
    ]
    if gap_count:
        lines.append(
            f"Trimestre publié à l'échéance avec {gap_count} fichier(s) attendu(s) manquant(s) : voir « Lacunes "
            "du trimestre »."
        )
    return "\n".join(lines)


def charts_text(epci: str, annee: int, trimestre: int) -> str:
    return "\n".join(
        f"{name} : {(draw.__doc__ or '').strip().splitlines()[0]}"
        for name, draw in zip(chart_names(epci, annee, trimestre), CHARTS.values(), strict=True)
    )


def read_pack(con: duckdb.DuckDBPyConnection, settings: Settings, annee: int, trimestre: int) -> Pack:
    """Everything the pack of one quarter shows (the caller checked the quarter is in the history)."""
    q = (annee, trimestre)
    rows = releases(con, settings, [(q, "cil")], read_reference(con))[q, "cil"].drop("secret")
    catalogue = full_catalogue(con)
    epci, epci_name = referentiels.epci(con)
    pack = Pack(epci=epci, annee=annee, trimestre=trimestre, rows=rows, catalogue=catalogue, lisez_moi=[])
    missing = quarter_gaps(con, annee, trimestre)
    pack.lisez_moi = [
        ("Présentation", about_text(quarter_key(annee, trimestre), pack.fin, epci_name, missing.height)),
        ("Secret statistique", rules_text(settings)),
        ("Lacunes du trimestre", missing if missing.height else "Aucun fichier attendu ne manque pour ce trimestre."),
        ("Dates d'extraction des fichiers sources", source_dates(con, pack.fin)),
        ("Première extraction de l'historique et couverture par bailleur et flux", coverage(con, annee, trimestre)),
        ("Fenêtre de la veille des résidences (R1) par bailleur", residence_windows(con, annee, trimestre)),
        ("Graphiques (images PNG à côté de ce classeur)", charts_text(epci, annee, trimestre)),
        ("Définitions des indicateurs", definitions(catalogue)),
        ("Changements de définition", changes(con)),
    ]
    return pack

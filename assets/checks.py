"""Cross-feed asset checks (CONTRACTS.md, "Cross-feed consistency"): they warn, they never block.
At the end, the Great Expectations checks (distribution suites that warn, the structural suite that blocks).

The consistency logic lives in dbt (models/intermediate/qualite/, one model per check, unit-tested there).
Each check reads its model after the run's `dbt build`, counts, and puts its figures in metadata: scalars
and JSON for the run summary (pipelines/summary.py), Markdown tables for the Dagster UI.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from expectations.contract import all_contracts
from expectations.suites_gen import distribution_feeds

from .ingest.feeds import asset_key
from .markdown import markdown_table
from .private import private_dir, private_file
from .settings import Settings, SettingsResource
from .warehouse import connect

WARN = dg.AssetCheckSeverity.WARN
COMPLETUDE_KEY = dg.AssetKey(["intermediate", "int_flux_completude"])
ETATS_KEY = dg.AssetKey(["intermediate", "int_logements_etats"])
ATTRIBUTIONS_KEY = dg.AssetKey(["intermediate", "int_attributions"])
FCT_KEY = dg.AssetKey(["marts", "fct_indicateurs"])
# Month-to-month demand stock reconciliation: a gap above this share of the stock is flagged.
RECONCILIATION_TOLERANCE = 0.01
MAX_LISTED = 30
# Pseudonyms are shown by their first characters only: enough to find a row, not to copy an identifier.
PSEUDONYM_CHARS = 12


def quality_model(name: str) -> dg.AssetKey:
    """The asset of a dbt model of models/intermediate/qualite/."""
    return dg.AssetKey(["intermediate", name])


def _select(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    return con.sql(sql).pl()


def expected_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Landlord × month × feed expected from bailleurs.csv, received or missing."""
    return _select(
        con,
        """
        select bailleur_siren, nom_bailleur, strftime(mois, '%Y-%m') as mois, flux, recu
        from intermediate.int_envois_attendus order by flux, bailleur_siren, mois""",
    )


def attribution_links(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per landlord: RADATT with the ENTREE and the accepted offer their landlord's feeds should show."""
    return _select(
        con,
        """
        select bailleur_siren, count(*) as attributions,
               count(*) filter (where entree_attendue) as attendues_entree,
               count(*) filter (where entree_attendue and entree_trouvee) as avec_entree,
               count(*) filter (where offre_attendue) as attendues_cal,
               count(*) filter (where offre_attendue and offre_acceptee) as avec_offre_acceptee
        from intermediate.int_attributions_rapprochees group by 1 order by 1""",
    ).with_columns(
        taux_entree=pl.col("avec_entree") / pl.col("attendues_entree"),
        taux_offre=pl.col("avec_offre_acceptee") / pl.col("attendues_cal"),
    )


def attribution_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The first RADATT whose expected ENTREE is missing (pseudonyms shortened)."""
    return _select(
        con,
        f"""
        select bailleur_siren, ident_rep, left(id_demande, {PSEUDONYM_CHARS}) as id_demande, date_signature_bail
        from intermediate.int_attributions_rapprochees where entree_attendue and not entree_trouvee
        order by 1, 2 limit {MAX_LISTED}""",
    )


def dwellings_outside_stock(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per feed: dwellings it names, those no stock file or commissioning event knows although the files could,
    and those the files could not know (delivered, maybe, since the last stock file of a landlord without events)."""
    return _select(
        con,
        """
        select flux, count(*) as logements, count(*) filter (where not connu_du_parc and verifiable) as hors_parc,
               count(*) filter (where not connu_du_parc and not verifiable) as non_verifiables
        from intermediate.int_logements_cites group by 1 order by 1""",
    )


def demand_reconciliation(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per extraction: previous snapshot + deposits − radiations vs this snapshot."""
    return _select(
        con,
        """
        select strftime(extraction, '%Y-%m-%d') as extraction, stock_prec, depots, radiations, deradiations,
               stock, ecart, ecart_relatif
        from intermediate.int_extractions_rapprochees order by extraction""",
    )


def vintage_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per landlord and new stock vintage: dwellings whose replayed state differs from the new file's."""
    return _select(
        con,
        """
        select bailleur_siren, strftime(millesime, '%Y') as millesime, logements, ecarts
        from intermediate.int_millesimes_rapproches order by 1, 2""",
    )


def quartile_comparison(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per lease year and landlord: attributions whose SNE 1st-quartile flag and recomputation are both
    known, and how many disagree, each way."""
    return _select(
        con,
        """
        select annee_bail, bailleur_siren, nom_bailleur, count(*) as comparees,
               count(*) filter (where desaccord) as desaccords,
               count(*) filter (where premier_quartile_sne and not premier_quartile_calcule) as sne_oui_calcul_non,
               count(*) filter (where not premier_quartile_sne and premier_quartile_calcule) as sne_non_calcul_oui
        from intermediate.int_quartiles_compares group by all order by 1, 2""",
    )


def quartile_unknown(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Attributions whose 1st-quartile status is unknown (left out of Q2 and Q3), and those of them in a
    lease year without a threshold (which make Q2 and Q3 not computable)."""
    unknown, without_threshold = con.execute(
        "select sum(quartile_inconnu), sum(quartile_inconnu_sans_seuil) from intermediate.int_quartiles_inconnus"
    ).fetchone()
    return int(unknown or 0), int(without_threshold or 0)


def quartile_disagreements(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The first attributions whose SNE 1st-quartile flag and recomputation disagree (pseudonyms shortened)."""
    return _select(
        con,
        f"""
        select left(id_demande, {PSEUDONYM_CHARS}) as id_demande, date_signature_bail, bailleur_siren,
               premier_quartile_sne, premier_quartile_calcule
        from intermediate.int_quartiles_compares where desaccord
        order by date_signature_bail, id_demande limit {MAX_LISTED}""",
    )


def _check(key, name, description, *models):
    # The check reads its dbt models: it runs after the run's `dbt build`, whatever asset it is shown on.
    return dg.asset_check(
        asset=key,
        name=name,
        description=description,
        blocking=False,
        additional_deps=[quality_model(m) for m in models],
    )


def _md(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(markdown_table(frame))


@_check(
    COMPLETUDE_KEY,
    "completude_flux",
    "Chaque bailleur a-t-il envoyé, pour chaque mois, les flux que bailleurs.csv annonce "
    "(mouvements, retours de CAL, parc au 1er janvier) ?",
    "int_envois_attendus",
)
def completude_flux(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        matrix = expected_files(con)
    missing = matrix.filter(~pl.col("recu"))
    per_feed = matrix.group_by("flux").agg(attendus=pl.len(), manquants=(~pl.col("recu")).sum()).sort("flux")
    per_landlord = (
        matrix.group_by("bailleur_siren", "nom_bailleur", "flux")
        .agg(recus=pl.col("recu").sum(), attendus=pl.len())
        .sort("bailleur_siren", "flux")
    )
    return dg.AssetCheckResult(
        passed=missing.height == 0,
        severity=WARN,
        description=f"{missing.height} envois attendus manquants sur {matrix.height}",
        metadata={
            "par_flux": _md(per_feed),
            "manquants": _md(missing.head(MAX_LISTED)),
            # for the run summary: the grid of received/expected files and the first missing ones
            "recus_par_bailleur": dg.MetadataValue.json(per_landlord.to_dicts()),
            "premiers_manquants": dg.MetadataValue.json(missing.head(MAX_LISTED).drop("recu").to_dicts()),
        },
    )


@_check(
    asset_key("sne_radiations"),
    "attributions_rapprochees",
    "Chaque attribution (RADATT) a-t-elle son ENTREE (même logement et ménage, ±31 jours) et son offre "
    "acceptée en CAL, là où le bailleur envoie ces flux ?",
    "int_attributions_rapprochees",
)
def attributions_rapprochees(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        links = attribution_links(con)
        gaps = attribution_gaps(con)
    entree = links["avec_entree"].sum() / max(links["attendues_entree"].sum(), 1)
    offre = links["avec_offre_acceptee"].sum() / max(links["attendues_cal"].sum(), 1)
    return dg.AssetCheckResult(
        passed=bool(links.height == 0 or (entree >= 0.95 and offre >= 0.95)),
        severity=WARN,
        description=f"ENTREE retrouvée pour {entree:.1%} des attributions, offre acceptée pour {offre:.1%}",
        metadata={
            "attributions": dg.MetadataValue.int(int(links["attributions"].sum())),
            "taux_entree": dg.MetadataValue.float(float(entree)),
            "taux_offre_acceptee": dg.MetadataValue.float(float(offre)),
            "par_bailleur": _md(links),
            "attributions_sans_entree": _md(gaps),
        },
    )


@_check(
    asset_key("rpls"),
    "logements_connus_du_parc",
    "Les logements cités par les positionnements, les CAL et les attributions existent-ils dans le parc ? "
    "Les candidats de CAL ont-ils la commune de leur logement ?",
    "int_logements_cites",
    "int_examens_sans_commune",
)
def logements_connus_du_parc(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        outside = dwellings_outside_stock(con)
        without_commune = _select(con, "select * from intermediate.int_examens_sans_commune order by 1, 2, 3")
    n, unknowable = int(outside["hors_parc"].sum()), int(outside["non_verifiables"].sum())
    candidates = int(without_commune["candidats"].sum()) if without_commune.height else 0
    return dg.AssetCheckResult(
        passed=n == 0 and candidates == 0,
        severity=WARN,
        description=f"{n} logements cités absents du parc ({unknowable} non vérifiables) ; {candidates} candidats de "
        "CAL sans commune connue",
        metadata={
            "par_flux": _md(outside),
            "hors_parc": dg.MetadataValue.int(n),
            "non_verifiables": dg.MetadataValue.int(unknowable),
            "cal_sans_commune": dg.MetadataValue.int(candidates),
            "cal_sans_commune_par_bailleur": _md(without_commune),
        },
    )


@_check(
    asset_key("sne_demandes"),
    "rapprochement_stock_demandes",
    "D'une extraction à la suivante : stock précédent + dépôts − radiations ≈ stock (écart signalé).",
    "int_extractions_rapprochees",
)
def rapprochement_stock_demandes(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        rec = demand_reconciliation(con)
    worst = float(rec["ecart_relatif"].max() or 0.0)
    return dg.AssetCheckResult(
        passed=worst <= RECONCILIATION_TOLERANCE,
        severity=WARN,
        description=f"écart maximal {worst:.2%} du stock (tolérance {RECONCILIATION_TOLERANCE:.0%})",
        metadata={"ecart_relatif_max": dg.MetadataValue.float(worst), "par_extraction": _md(rec)},
    )


@_check(
    ETATS_KEY,
    "ecarts_millesimes",
    "À chaque nouveau millésime du parc, l'état rejoué par les mouvements concorde-t-il avec le fichier ?",
    "int_millesimes_rapproches",
)
def ecarts_millesimes(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        gaps = vintage_gaps(con)
    n = int(gaps["ecarts"].sum()) if gaps.height else 0
    return dg.AssetCheckResult(
        passed=n == 0,
        severity=WARN,
        description=f"{n} logements dont l'état rejoué diffère du millésime suivant",
        metadata={"par_bailleur": _md(gaps.filter(pl.col("ecarts") > 0)), "ecarts": dg.MetadataValue.int(n)},
    )


QUARTILE_COUNTS = ["comparees", "desaccords", "sne_oui_calcul_non", "sne_non_calcul_oui"]


def _quartile_tables(comparison: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per lease year, and per landlord with disagreements."""
    per_year = comparison.group_by("annee_bail").agg(pl.col(QUARTILE_COUNTS).sum()).sort("annee_bail")
    per_landlord = (
        comparison.group_by("bailleur_siren", "nom_bailleur")
        .agg(pl.col(QUARTILE_COUNTS).sum())
        .filter(pl.col("desaccords") > 0)
        .sort("bailleur_siren")
    )
    return per_year, per_landlord


@_check(
    ATTRIBUTIONS_KEY,
    "quartile_sne_recalcule",
    "Le drapeau 1er quartile du SNE (retenu par les indicateurs) concorde-t-il avec le recalcul à partir "
    "des ressources par unité de consommation et du seuil de l'année du bail ?",
    "int_quartiles_compares",
    "int_quartiles_inconnus",
)
def quartile_sne_recalcule(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        comparison = quartile_comparison(con)
        listed = quartile_disagreements(con)
        unknown, without_threshold = quartile_unknown(con)
    n = int(comparison["desaccords"].sum()) if comparison.height else 0
    compared = int(comparison["comparees"].sum()) if comparison.height else 0
    per_year, per_landlord = _quartile_tables(comparison)
    return dg.AssetCheckResult(
        passed=n == 0,
        severity=WARN,
        description=f"{n} attributions sur {compared} où le drapeau 1er quartile du SNE et le recalcul divergent "
        "(le drapeau du SNE est retenu)",
        metadata={
            "desaccords": dg.MetadataValue.int(n),
            "comparees": dg.MetadataValue.int(compared),
            "quartile_inconnu": dg.MetadataValue.int(unknown),
            "quartile_inconnu_sans_seuil": dg.MetadataValue.int(without_threshold),
            "par_annee_de_bail": _md(per_year),
            "par_bailleur": _md(per_landlord),
            "attributions_en_desaccord": _md(listed),
        },
    )


def non_computable_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows of the long table that are not computable, per indicator family and reason."""
    return _select(
        con,
        """
        select famille, raison, lignes from intermediate.int_lignes_non_calculables order by famille, raison""",
    )


@_check(
    FCT_KEY,
    "lignes_non_calculables",
    "Combien de lignes trimestre × territoire de chaque famille d'indicateurs sont non calculables, et "
    "pourquoi (fenêtre non couverte, cohorte ouverte, dénominateur sous son seuil, pas de seuil…) ?",
    "int_lignes_non_calculables",
)
def lignes_non_calculables(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        rows = non_computable_rows(con)
    return dg.AssetCheckResult(
        passed=True,
        severity=WARN,
        description=f"{int(rows['lignes'].sum()) if rows.height else 0} lignes non calculables",
        metadata={"par_famille": dg.MetadataValue.json(rows.to_dicts()), "tableau": _md(rows)},
    )


CROSS_FEED_CHECKS = [
    completude_flux,
    attributions_rapprochees,
    logements_connus_du_parc,
    rapprochement_stock_demandes,
    ecarts_millesimes,
    quartile_sne_recalcule,
    lignes_non_calculables,
]


# --- Great Expectations suites (DESIGN.md, "Data quality roles") ----------------------------------------
# Distribution suites (expectations/suites/<feed>.json, <feed>_fichiers.json) on every file loaded by this
# run, an empty one included: they warn, naming the file (and the line of an absurd value).
# The structural suite (expectations/suites/fct_indicateurs.json) on the long indicator table: it blocks
# what depends on the marts (the Parquet copies, publication). GX is imported inside the checks only
# (expectations.runner imports it lazily).

ERROR = dg.AssetCheckSeverity.ERROR


def gx_results_dir(settings: Settings) -> Path:
    """Where the last validation of each suite is kept (the GX data docs are built from them): with the
    rows' figures, private like the rest of rapports/."""
    folder = settings.reports / "gx"
    private_dir(settings.reports, folder)
    return folder


def gx_docs_dir(settings: Settings) -> Path:
    """The GX data docs, built by `observatoire docs` (dbt's docs are beside them, in docs/dbt)."""
    return settings.home / "docs" / "gx"


def run_files(con: duckdb.DuckDBPyConnection, feed: str, since: dt.datetime | None) -> dict[str, int | None]:
    """Every file of `feed` the journal says this run loaded (since it started; all when `since` is None),
    an empty one included, with the row count of the file before it: the latest earlier file of the same
    landlord (the same SIREN in the name, or none) that left rows in `raw.<feed>`, None when there is none."""
    contract = next(c for c in all_contracts() if c.feed == feed)
    loaded = con.sql(
        "select distinct fichier from raw.journal_ingestion where flux = $flux and statut = 'chargé' "
        "and debut >= $since order by fichier",
        params={"flux": feed, "since": since or dt.datetime.min},
    ).fetchall()
    earlier: dict[str | None, list[tuple[dt.date, int]]] = {}
    for name, n in con.sql(f"select _fichier, count(*) from raw.{feed} group by 1").fetchall():
        info = contract.file_info(name)
        if info.date is not None:
            earlier.setdefault(info.siren, []).append((info.date, n))

    def previous(name: str) -> int | None:
        info = contract.file_info(name)
        before = [d for d in earlier.get(info.siren, []) if info.date is not None and d[0] < info.date]
        return max(before)[1] if before else None

    return {name: previous(name) for (name,) in loaded}


def run_rows(con: duckdb.DuckDBPyConnection, feed: str, files: list[str], columns: list[str]) -> pl.DataFrame:
    """The rows of `files` in `raw.<feed>`, only `columns` (what the suites read: less memory at scale)."""
    select = ", ".join(f'"{c}"' for c in columns)
    return con.sql(f"select {select} from raw.{feed} where list_contains($f, _fichier)", params={"f": files}).pl()


def save_result(result, settings: Settings) -> Path:
    """Keep the suite's last validation under rapports/gx/ (0600: it names files and figures)."""
    from expectations import runner

    saved = runner.save(result, gx_results_dir(settings))
    private_file(saved)
    return saved


def _run_start(context) -> dt.datetime | None:
    """The run's start (local time, like the journal's `debut`), None outside a run record."""
    record = context.instance.get_run_record_by_id(context.run.run_id)
    start = record.start_time if record is not None else None
    return dt.datetime.fromtimestamp(start) if start else None


def _gx_metadata(result, settings: Settings, saved: Path) -> dict:
    return {
        "attentes": dg.MetadataValue.int(len(result.expectations)),
        "echecs": dg.MetadataValue.int(len(result.failures)),
        "lignes_validees": dg.MetadataValue.int(result.rows),
        "resultats": dg.MetadataValue.md(result.markdown()),
        "resultat_gx": dg.MetadataValue.path(str(saved)),
        "data_docs_gx": dg.MetadataValue.path(str(gx_docs_dir(settings) / "index.html")),
        "suite": dg.MetadataValue.path(f"expectations/suites/{result.suite}.json"),
    }


# The in-process executor runs, of the steps that are ready, those of highest priority first (then in key
# order): at 0, the landlord referential's check came right after its feed, the run's second step, and waited
# there for Great Expectations' import (~5 s of CPU): 1.8 s of the ~4 s of a first run's checks at scale 1 (an
# update's first check with a file waited too). Below 0, the distribution checks run once the ingestion and dbt
# are done, GX imported in a thread while dbt built (pipelines/ahead.py import_at_step).
LATE = {"dagster/priority": "-1"}


def distribution_check(feed: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key(feed),
        name=f"distribution_{feed}",
        blocking=False,
        op_tags=LATE,
        description=f"Suites GX de distribution (expectations/suites/{feed}.json et {feed}_fichiers.json) sur "
        "chaque fichier chargé par ce traitement, même vide : valeurs invraisemblables et doublons (fichier et "
        "ligne), mois vides, parts de codes, plages de valeurs et de dates, volumes (bornes dans "
        "expectations/distributions.yml). Avertit, ne bloque pas.",
    )
    def _check(context: dg.AssetCheckExecutionContext, parametres: SettingsResource) -> dg.AssetCheckResult:
        from expectations import runner

        settings = parametres.get()
        with connect(settings.home) as con:
            files = run_files(con, feed, _run_start(context))
            rows = run_rows(con, feed, list(files), runner.feed_columns(feed)) if files else None
        if not files:
            return dg.AssetCheckResult(
                passed=True,
                severity=WARN,
                description="aucun fichier chargé par ce traitement : rien à valider",
                metadata={"lignes_validees": dg.MetadataValue.int(0), "fichiers_valides": dg.MetadataValue.int(0)},
            )
        results = runner.validate_files(rows, feed, files)
        saved = [save_result(r, settings) for r in results]
        failed = [e for r in results for e in r.failures]
        meta = _gx_metadata(results[0], settings, saved[0])
        meta["resultats"] = dg.MetadataValue.md("\n\n".join(f"**{r.summary()}**\n\n{r.markdown()}" for r in results))
        meta["fichiers_valides"] = dg.MetadataValue.int(len(files))
        meta["fichiers_sans_ligne"] = dg.MetadataValue.int(len(set(files) - set(rows["_fichier"])))
        meta["attentes"] = dg.MetadataValue.int(sum(len(r.expectations) for r in results))
        meta["echecs"] = dg.MetadataValue.int(len(failed))
        meta["constats"] = dg.MetadataValue.json([_finding(e) for e in failed])  # for the run summary
        return dg.AssetCheckResult(
            passed=not failed,
            severity=WARN,
            metadata=meta,
            description=f"{len(failed)} attente{'s' * (len(failed) > 1)} non satisfaite{'s' * (len(failed) > 1)} "
            f"sur {len(files)} fichier{'s' * (len(files) > 1)} ({rows.height} lignes)"
            if failed
            else f"{results[0].summary()} ; {results[1].summary()}",
        )

    return _check


def _finding(e) -> dict:
    """A failed expectation for the run summary: what was expected, how many rows or files missed it, and
    the first of them (file, line, value)."""
    return {"attente": e.description, "colonne": e.column, "nombre": e.observed, "constats": e.constats}


@dg.asset_check(
    asset=FCT_KEY,
    name="structure_fct_indicateurs",
    blocking=True,
    description="Suite GX structurelle (expectations/suites/fct_indicateurs.json) : indicateurs de "
    "l'annexe A, statuts admis, parts dans [0, 1], chaque commune présente, EPCI = Σ "
    "communes, aucun trimestre manquant. Un échec bloque la publication.",
)
def structure_fct_indicateurs(parametres: SettingsResource) -> dg.AssetCheckResult:
    from expectations import runner

    settings = parametres.get()
    with connect(settings.home) as con:
        frame = con.sql("select * from marts.fct_indicateurs").pl()
    result = runner.validate(frame.to_pandas(), "fct_indicateurs")
    saved = save_result(result, settings)
    failed = "; ".join(e.description + (f" ({e.details})" if e.details else "") for e in result.failures)
    description = (
        result.summary()
        if result.success
        else f"publication bloquée : {len(result.failures)} attentes structurelles non satisfaites : {failed}"[:2000]
    )
    return dg.AssetCheckResult(
        passed=result.success, severity=ERROR, description=description, metadata=_gx_metadata(result, settings, saved)
    )


GX_CHECKS = [*(distribution_check(f) for f in distribution_feeds()), structure_fct_indicateurs]

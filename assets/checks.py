"""Cross-feed asset checks (CONTRACTS.md, "Cross-feed consistency"): they warn, they never block.
At the end, the Great Expectations checks (distribution suites that warn, the structural suite that blocks).

Each check is a function of a warehouse connection returning a Polars frame (the CLI's run summary
reuses them) and an asset check that puts its figures in metadata.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from .ingest.feeds import _markdown, asset_key
from .settings import Settings, SettingsResource
from .warehouse import connect

WARN = dg.AssetCheckSeverity.WARN
COMPLETUDE_KEY = dg.AssetKey(["intermediate", "int_flux_completude"])
ETATS_KEY = dg.AssetKey(["intermediate", "int_logements_etats"])
ATTRIBUTIONS_KEY = dg.AssetKey(["intermediate", "int_attributions"])
# Month-to-month demand stock reconciliation: a gap above this share of the stock is flagged.
RECONCILIATION_TOLERANCE = 0.01
MAX_LISTED = 30


def completeness(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Landlord × month × feed expected from bailleurs.csv, received or missing."""
    return con.sql("""
        select c.bailleur_siren, b.nom_bailleur, strftime(c.mois, '%Y-%m') as mois, c.flux, c.recu
        from intermediate.int_flux_completude c
        left join raw.bailleurs b on b.siren = c.bailleur_siren
        order by c.flux, c.bailleur_siren, c.mois
    """).pl()


def attribution_links(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per landlord: RADATT matched by an ENTREE (same dwelling and household, ±31 days) where the
    landlord sends events, and by an accepted offer where it sends CAL returns for that candidate."""
    return con.sql("""
        with couverture as (
            -- events are expected only from the landlord's first events file on
            select bailleur_siren, min(date_trunc('month', _date_fichier)) as debut from raw.mouvements group by 1
        ),
        radatt as (
            select r.bailleur_siren, r.ident_rep, r.id_demande, r.date_signature_bail,
                   b.envoie_mouvements and r.date_signature_bail >= c.debut as envoie_mouvements,
                   b.perimetre_cal = 'TOUS' or (b.perimetre_cal = 'CANDIDATS_CASA' and exists (
                       select 1 from raw.positionnements p
                       where p.bailleur_siren = r.bailleur_siren and p.ident_rep = r.ident_rep
                         and p.id_demande = r.id_demande)) as cal_attendue
            from raw.sne_radiations r
            join raw.bailleurs b on b.siren = r.bailleur_siren
            left join couverture c on c.bailleur_siren = r.bailleur_siren
            where r.motif_radiation = 'RADATT' and not r._annulee
        ),
        liens as (
            select r.*,
                exists (select 1 from raw.mouvements m
                        where m.bailleur_siren = r.bailleur_siren and m.ident_rep = r.ident_rep
                          and m.id_demande = r.id_demande and m.type_evenement = 'ENTREE'
                          and abs(date_diff('day', m.date_evenement, r.date_signature_bail)) <= 31) as entree,
                exists (select 1 from raw.cal c
                        where c.bailleur_siren = r.bailleur_siren and c.ident_rep = r.ident_rep
                          and c.id_demande = r.id_demande and c.reponse_candidat = 'ACCEPTE') as offre_acceptee
            from radatt r
        )
        select bailleur_siren,
               count(*) as attributions,
               count(*) filter (where envoie_mouvements) as attendues_entree,
               count(*) filter (where envoie_mouvements and entree) as avec_entree,
               count(*) filter (where cal_attendue) as attendues_cal,
               count(*) filter (where cal_attendue and offre_acceptee) as avec_offre_acceptee
        from liens group by 1 order by 1
    """).pl().with_columns(
        taux_entree=pl.col("avec_entree") / pl.col("attendues_entree"),
        taux_offre=pl.col("avec_offre_acceptee") / pl.col("attendues_cal"),
    )


def attribution_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """RADATT of landlords sending events with no matching ENTREE (pseudonyms only)."""
    return con.sql(f"""
        select r.bailleur_siren, r.ident_rep, left(r.id_demande, 12) as id_demande, r.date_signature_bail
        from raw.sne_radiations r join raw.bailleurs b on b.siren = r.bailleur_siren
        join (select bailleur_siren, min(date_trunc('month', _date_fichier)) as debut
              from raw.mouvements group by 1) c on c.bailleur_siren = r.bailleur_siren
        where r.motif_radiation = 'RADATT' and not r._annulee and b.envoie_mouvements
          and r.date_signature_bail >= c.debut
          and not exists (select 1 from raw.mouvements m
                          where m.bailleur_siren = r.bailleur_siren and m.ident_rep = r.ident_rep
                            and m.id_demande = r.id_demande and m.type_evenement = 'ENTREE'
                            and abs(date_diff('day', m.date_evenement, r.date_signature_bail)) <= 31)
        order by 1, 2 limit {MAX_LISTED}
    """).pl()


def dwellings_outside_stock(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Dwellings named by positionings, CAL returns and attributions that no stock file or
    commissioning event knows."""
    return con.sql("""
        with parc as (
            select bailleur_siren, ident_rep from raw.rpls
            union select bailleur_siren, ident_rep from raw.mouvements where type_evenement = 'MISE_EN_SERVICE'
        ),
        cites as (
            select 'positionnements' as flux, bailleur_siren, ident_rep from raw.positionnements
            union all select 'cal', bailleur_siren, ident_rep from raw.cal
            union all select 'sne_radiations', bailleur_siren, ident_rep from raw.sne_radiations
                      where motif_radiation = 'RADATT' and not _annulee
        )
        select c.flux, count(distinct (c.bailleur_siren, c.ident_rep)) as logements,
               count(distinct (c.bailleur_siren, c.ident_rep)) filter (where p.ident_rep is null) as hors_parc
        from cites c left join parc p using (bailleur_siren, ident_rep)
        group by 1 order by 1
    """).pl()


def demand_reconciliation(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per extraction: previous snapshot + deposits − radiations (net of déradiations) vs this snapshot."""
    return con.sql("""
        with extractions as (
            select _date_fichier as d, count(*) as stock,
                   lag(_date_fichier) over (order by _date_fichier) as d_prec,
                   lag(count(*)) over (order by _date_fichier) as stock_prec
            from raw.sne_demandes group by 1
        ),
        depots as (
            select e.d, count(distinct x.id_demande) as depots
            from extractions e
            join (select id_demande, date_depot from raw.sne_demandes
                  union select id_demande, date_depot from raw.sne_radiations) x
              on x.date_depot > e.d_prec and x.date_depot <= e.d
            group by 1
        ),
        radiations as (
            select e.d,
                   count(*) filter (where r.motif_radiation is not null and not r._annulee) as radiations,
                   count(*) filter (where r.motif_radiation is null) as deradiations
            from extractions e
            join raw.sne_radiations r on r.date_radiation > e.d_prec and r.date_radiation <= e.d
            group by 1
        )
        select strftime(e.d, '%Y-%m-%d') as extraction, e.stock_prec, coalesce(p.depots, 0) as depots,
               coalesce(r.radiations, 0) as radiations, coalesce(r.deradiations, 0) as deradiations, e.stock,
               e.stock - (e.stock_prec + coalesce(p.depots, 0) - coalesce(r.radiations, 0)) as ecart
        from extractions e left join depots p using (d) left join radiations r using (d)
        where e.d_prec is not null order by e.d
    """).pl().with_columns(ecart_relatif=pl.col("ecart").abs() / pl.col("stock"))


def vintage_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """At each new stock vintage, dwellings whose replayed state differs from the new stock file's."""
    return con.sql("""
        with dernier_etat as (
            -- the replayed state at the end of each vintage (its last interval ends at the next vintage)
            select bailleur_siren, ident_rep, fin as millesime_suivant, etat
            from intermediate.int_logements_etats
            where suivi_par_mouvements  -- without events there is no replay to compare
            qualify row_number() over (partition by bailleur_siren, ident_rep, millesime order by debut desc) = 1
        ),
        depart as (
            select bailleur_siren, ident_rep, millesime as millesime_suivant, etat
            from intermediate.int_logements_etats where origine = 'stock'
        ),
        millesimes as (
            -- vintages ended by the landlord's next file (not by a merger's takeover: no file to compare)
            select distinct bailleur_siren, millesime_suivant from depart
        )
        select f.bailleur_siren, strftime(f.millesime_suivant, '%Y') as millesime, count(*) as logements,
               count(*) filter (where d.etat is distinct from f.etat) as ecarts
        from dernier_etat f
        join millesimes m using (bailleur_siren, millesime_suivant)
        left join depart d using (bailleur_siren, ident_rep, millesime_suivant)
        where not (f.etat = 'hors_parc' and d.etat is null)  -- left the stock, absent from the next file
        group by 1, 2 order by 1, 2
    """).pl()


def quartile_comparison(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per lease year and landlord: attributions where both the SNE's 1st-quartile flag and its
    recomputation (resources per consumption unit vs the lease year's threshold) are known, and how
    many disagree, each way (INDICATORS.md, "1st quartile": the flag wins, divergences are reported)."""
    return con.sql("""
        select a.annee_bail, a.bailleur_siren, b.nom_bailleur,
               count(*) as comparees,
               count(*) filter (where a.premier_quartile_sne <> a.premier_quartile_calcule) as desaccords,
               count(*) filter (where a.premier_quartile_sne and not a.premier_quartile_calcule) as sne_oui_calcul_non,
               count(*) filter (where not a.premier_quartile_sne and a.premier_quartile_calcule) as sne_non_calcul_oui
        from intermediate.int_attributions a
        left join raw.bailleurs b on b.siren = a.bailleur_siren
        where a.premier_quartile_sne is not null and a.premier_quartile_calcule is not null
        group by all order by 1, 2
    """).pl()


def quartile_disagreements(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The first attributions whose SNE 1st-quartile flag and recomputation disagree (pseudonyms only)."""
    return con.sql(f"""
        select left(id_demande, 12) as id_demande, date_signature_bail, bailleur_siren,
               premier_quartile_sne, premier_quartile_calcule
        from intermediate.int_attributions
        where premier_quartile_sne <> premier_quartile_calcule
        order by date_signature_bail, id_demande limit {MAX_LISTED}
    """).pl()


def _check(key, name, description, deps=()):
    return dg.asset_check(asset=key, name=name, description=description, additional_deps=list(deps),
                          blocking=False)


@_check(COMPLETUDE_KEY, "completude_flux",
        "Chaque bailleur a-t-il envoyé, pour chaque mois, les flux que bailleurs.csv annonce "
        "(mouvements, retours de CAL, parc au 1er janvier) ?")
def completude_flux(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        matrix = completeness(con)
    missing = matrix.filter(~pl.col("recu"))
    per_feed = matrix.group_by("flux").agg(attendus=pl.len(), manquants=(~pl.col("recu")).sum()).sort("flux")
    return dg.AssetCheckResult(
        passed=missing.height == 0, severity=WARN,
        description=f"{missing.height} envois attendus manquants sur {matrix.height}",
        metadata={"par_flux": dg.MetadataValue.md(_markdown(per_feed)),
                  "manquants": dg.MetadataValue.md(_markdown(missing.head(MAX_LISTED)))},
    )


@_check(asset_key("sne_radiations"), "attributions_rapprochees",
        "Chaque attribution (RADATT) a-t-elle son ENTREE (même logement et ménage, ±31 jours) et son offre "
        "acceptée en CAL, là où le bailleur envoie ces flux ?",
        deps=[asset_key(f) for f in ("mouvements", "cal", "positionnements", "bailleurs")])
def attributions_rapprochees(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        links = attribution_links(con)
        gaps = attribution_gaps(con)
    entree = links["avec_entree"].sum() / max(links["attendues_entree"].sum(), 1)
    offre = links["avec_offre_acceptee"].sum() / max(links["attendues_cal"].sum(), 1)
    return dg.AssetCheckResult(
        passed=bool(links.height == 0 or (entree >= 0.95 and offre >= 0.95)), severity=WARN,
        description=f"ENTREE retrouvée pour {entree:.1%} des attributions, offre acceptée pour {offre:.1%}",
        metadata={"taux_entree": dg.MetadataValue.float(float(entree)),
                  "taux_offre_acceptee": dg.MetadataValue.float(float(offre)),
                  "par_bailleur": dg.MetadataValue.md(_markdown(links)),
                  "attributions_sans_entree": dg.MetadataValue.md(_markdown(gaps))},
    )


@_check(asset_key("rpls"), "logements_connus_du_parc",
        "Les logements cités par les positionnements, les CAL et les attributions existent-ils dans le parc ?",
        deps=[asset_key(f) for f in ("positionnements", "cal", "sne_radiations", "mouvements")])
def logements_connus_du_parc(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        outside = dwellings_outside_stock(con)
    n = int(outside["hors_parc"].sum())
    return dg.AssetCheckResult(
        passed=n == 0, severity=WARN, description=f"{n} logements cités absents du parc",
        metadata={"par_flux": dg.MetadataValue.md(_markdown(outside)), "hors_parc": dg.MetadataValue.int(n)},
    )


@_check(asset_key("sne_demandes"), "rapprochement_stock_demandes",
        "D'une extraction à la suivante : stock précédent + dépôts − radiations ≈ stock (écart signalé).",
        deps=[asset_key("sne_radiations")])
def rapprochement_stock_demandes(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        rec = demand_reconciliation(con)
    worst = float(rec["ecart_relatif"].max() or 0.0)
    return dg.AssetCheckResult(
        passed=worst <= RECONCILIATION_TOLERANCE, severity=WARN,
        description=f"écart maximal {worst:.2%} du stock (tolérance {RECONCILIATION_TOLERANCE:.0%})",
        metadata={"ecart_relatif_max": dg.MetadataValue.float(worst),
                  "par_extraction": dg.MetadataValue.md(_markdown(rec))},
    )


@_check(ETATS_KEY, "ecarts_millesimes",
        "À chaque nouveau millésime du parc, l'état rejoué par les mouvements concorde-t-il avec le fichier ?")
def ecarts_millesimes(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        gaps = vintage_gaps(con)
    n = int(gaps["ecarts"].sum()) if gaps.height else 0
    return dg.AssetCheckResult(
        passed=n == 0, severity=WARN, description=f"{n} logements dont l'état rejoué diffère du millésime suivant",
        metadata={"par_bailleur": dg.MetadataValue.md(_markdown(gaps.filter(pl.col("ecarts") > 0))),
                  "ecarts": dg.MetadataValue.int(n)},
    )


@_check(ATTRIBUTIONS_KEY, "quartile_sne_recalcule",
        "Le drapeau 1er quartile du SNE (retenu par les indicateurs) concorde-t-il avec le recalcul à partir "
        "des ressources par unité de consommation et du seuil de l'année du bail ?")
def quartile_sne_recalcule(parametres: SettingsResource) -> dg.AssetCheckResult:
    with connect(parametres.get().home) as con:
        comparison = quartile_comparison(con)
        listed = quartile_disagreements(con)
    n = int(comparison["desaccords"].sum()) if comparison.height else 0
    compared = int(comparison["comparees"].sum()) if comparison.height else 0
    counts = ["comparees", "desaccords", "sne_oui_calcul_non", "sne_non_calcul_oui"]
    per_year = comparison.group_by("annee_bail").agg(pl.col(counts).sum()).sort("annee_bail")
    per_landlord = (comparison.group_by("bailleur_siren", "nom_bailleur").agg(pl.col(counts).sum())
                    .filter(pl.col("desaccords") > 0).sort("bailleur_siren"))
    return dg.AssetCheckResult(
        passed=n == 0, severity=WARN,
        description=f"{n} attributions sur {compared} où le drapeau 1er quartile du SNE et le recalcul divergent "
                    "(le drapeau du SNE est retenu)",
        metadata={"desaccords": dg.MetadataValue.int(n), "comparees": dg.MetadataValue.int(compared),
                  "par_annee_de_bail": dg.MetadataValue.md(_markdown(per_year)),
                  "par_bailleur": dg.MetadataValue.md(_markdown(per_landlord)),
                  "attributions_en_desaccord": dg.MetadataValue.md(_markdown(listed))},
    )


CROSS_FEED_CHECKS = [completude_flux, attributions_rapprochees, logements_connus_du_parc,
                     rapprochement_stock_demandes, ecarts_millesimes, quartile_sne_recalcule]



# --- Great Expectations suites (DESIGN.md, "Data quality roles") ----------------------------------------
# Distribution suites (expectations/suites/<feed>.json) on the rows loaded by this run: they warn.
# The structural suite (expectations/suites/fct_indicateurs.json) on the long indicator table: it blocks
# what depends on the marts (the Parquet copies, publication). GX is imported inside the checks only
# (expectations.runner imports it lazily).

ERROR = dg.AssetCheckSeverity.ERROR
FCT_KEY = dg.AssetKey(["marts", "fct_indicateurs"])
DISTRIBUTION_FEEDS = ("sne_demandes", "sne_radiations", "rpls", "cal", "positionnements")


def gx_results_dir(settings: Settings) -> Path:
    """Where the last validation of each suite is kept (the GX data docs are built from them)."""
    return settings.reports / "gx"


def gx_docs_dir(settings: Settings) -> Path:
    """The GX data docs, built by `observatoire docs` (dbt's docs are beside them, in docs/dbt)."""
    return settings.home / "docs" / "gx"


def run_rows(con: duckdb.DuckDBPyConnection, feed: str, since: dt.datetime | None,
             columns: list[str] | None = None):
    """The rows of `raw.<feed>` loaded by this run: those of the files the journal says were loaded since
    the run started (all loaded files when `since` is None), restricted to the latest file date among them
    (a monthly update: that month or snapshot; a first load of the whole history: its last month, the rest
    being past). Only `columns` are read when given (what the suite looks at: less memory at scale).
    Returns (rows, that file date, the table's row count at the previous file date or None)."""
    params = {"flux": feed, "since": since or dt.datetime.min}
    files = con.sql("select list(distinct fichier) from raw.journal_ingestion "
                    "where flux = $flux and statut = 'chargé' and debut >= $since", params=params).fetchall()[0][0]
    if not files:
        return pl.DataFrame(), None, None
    latest = con.sql(f"select max(_date_fichier) from raw.{feed} where list_contains($f, _fichier)",
                     params={"f": files}).fetchall()[0][0]
    select = ", ".join(f'"{c}"' for c in columns) if columns else "* exclude (_sha256)"
    rows = con.sql(f"select {select} from raw.{feed} where list_contains($f, _fichier) "
                   "and _date_fichier is not distinct from $d", params={"f": files, "d": latest}).pl()
    previous = None
    if latest is not None:
        previous = con.sql(f"select count(*) from raw.{feed} where _date_fichier = (select max(_date_fichier) "
                           f"from raw.{feed} where _date_fichier < $d)", params={"d": latest}).fetchall()[0][0]
    return rows, latest, previous or None


def volume_parameters(suite: dict, previous: int | None) -> dict:
    """The bounds of `volume_precedent_*` from the previous file's volume and the suite's variation."""
    variation = next((e["meta"]["variation"] for e in suite["expectations"] if "variation" in e.get("meta", {})),
                     None)
    if variation is None or previous is None:
        return {}
    return {"volume_precedent_min": int(previous * (1 - variation)),
            "volume_precedent_max": int(previous * (1 + variation)) + 1}


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


def distribution_check(feed: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset_key(feed), name=f"distribution_{feed}", blocking=False,
                    description=f"Suite GX de distribution (expectations/suites/{feed}.json) sur les lignes chargées "
                                "par ce traitement : parts de codes, plages de revenus, d'âges et de dates, volumes. "
                                "Avertit, ne bloque pas.")
    def _check(context: dg.AssetCheckExecutionContext, parametres: SettingsResource) -> dg.AssetCheckResult:
        from expectations import runner

        settings = parametres.get()
        suite = runner.load_suite(feed)
        with connect(settings.home) as con:
            rows, date_fichier, previous = run_rows(con, feed, _run_start(context), runner.suite_columns(suite))
        if rows.height == 0:
            return dg.AssetCheckResult(passed=True, severity=WARN,
                                       description="aucune ligne chargée par ce traitement : rien à valider",
                                       metadata={"lignes_validees": dg.MetadataValue.int(0)})
        result = runner.validate(rows.to_pandas(), suite, volume_parameters(suite, previous))
        saved = runner.save(result, gx_results_dir(settings))
        meta = _gx_metadata(result, settings, saved)
        meta["date_fichier"] = dg.MetadataValue.text(str(date_fichier))
        meta["volume_precedent"] = dg.MetadataValue.int(previous or 0)
        return dg.AssetCheckResult(passed=result.success, severity=WARN, metadata=meta,
                                   description=f"{result.summary()} (fichiers du {date_fichier})")

    return _check


@dg.asset_check(asset=FCT_KEY, name="structure_fct_indicateurs", blocking=True,
                description="Suite GX structurelle (expectations/suites/fct_indicateurs.json) : indicateurs de "
                            "l'annexe A, statuts admis, parts dans [0, 1], chaque commune présente, EPCI = Σ "
                            "communes, aucun trimestre manquant. Un échec bloque la publication.")
def structure_fct_indicateurs(parametres: SettingsResource) -> dg.AssetCheckResult:
    from expectations import runner

    settings = parametres.get()
    with connect(settings.home) as con:
        frame = con.sql("select * from marts.fct_indicateurs").pl()
    result = runner.validate(frame.to_pandas(), "fct_indicateurs")
    saved = runner.save(result, gx_results_dir(settings))
    failed = "; ".join(e.description + (f" ({e.details})" if e.details else "") for e in result.failures)
    description = result.summary() if result.success else \
        f"publication bloquée : {len(result.failures)} attentes structurelles non satisfaites : {failed}"[:2000]
    return dg.AssetCheckResult(passed=result.success, severity=ERROR, description=description,
                               metadata=_gx_metadata(result, settings, saved))


GX_CHECKS = [*(distribution_check(f) for f in DISTRIBUTION_FEEDS), structure_fct_indicateurs]

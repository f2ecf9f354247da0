"""One Dagster asset per feed: load the inbox's files of that feed into `raw.<feed>`.

The assets are alike (the contract says what differs), so one factory builds them; the landlord
referential comes first because landlord files and radiations are checked against it.
"""

import dagster as dg

from expectations.contract import Contract, all_contracts

from ..markdown import markdown_table
from ..settings import SettingsResource
from ..warehouse import connect, scalar
from .loader import Ingestor, pending, settled
from .schema import prepare_warehouse

GROUP = "ingestion"
PREVIEW_ROWS = 5


def asset_key(feed: str) -> dg.AssetKey:
    """`raw/<feed>`: the key dbt sources map to (source `raw`, table `<feed>`)."""
    return dg.AssetKey(["raw", feed])


class FeedFiles(dg.Config):
    """The inbox files a run takes (the CLI's, watched while still being written); None: the feed's
    files of the inbox that are no longer being written."""

    fichiers: list[str] | None = None


def feed_asset(c: Contract) -> dg.AssetsDefinition:
    deps = [] if c.feed == "bailleurs" else [asset_key("bailleurs")]

    @dg.asset(
        key=asset_key(c.feed),
        group_name=GROUP,
        kinds={"duckdb", "polars", "csv"},
        deps=deps,
        description=(
            f"{c.title} : charge les fichiers `{c.file_pattern}` de la boîte de dépôt dans `{c.table}` "
            f"(contrat expectations/contracts/{c.feed}.yml, fusion « {c.merge} »). Lignes invalides en "
            "quarantaine (raw.quarantaine), fichiers archivés avec leur SHA-256, journal dans "
            "raw.journal_ingestion."
        ),
        metadata={"contrat": f"expectations/contracts/{c.feed}.yml", "table": c.table},
    )
    def _load(
        context: dg.AssetExecutionContext, config: FeedFiles, parametres: SettingsResource
    ) -> dg.MaterializeResult:
        settings = parametres.get()
        say = context.log.info
        with connect(settings.home, say=say) as con:
            ingestor = Ingestor(con, settings, say=say, warn=context.log.warning)
            files = [(p, k) for p, k in pending(settings.inbox)[0] if k.feed == c.feed]
            if config.fichiers is None:
                files = settled(files, settings.stabilite_secondes, context.log.warning)
            else:
                files = [(p, k) for p, k in files if p.name in config.fichiers]
            reports = ingestor.ingest_inbox(files)
            # One log entry for the feed's files: the instance writes each entry to its SQLite event log
            # (~10 ms each, measured), 1 068 entries for the demo's files.
            if reports:
                say("\n".join(file_outcome(r) for r in reports))
            for r in reports:
                for w in r.avertissements:
                    context.log.warning(f"{r.fichier} : {w}")
            total = scalar(con, f"select count(*) from {c.table}")
            preview = con.sql(
                f"select * exclude (_sha256, _charge_le) from {c.table} "
                f"order by _charge_le desc, _ligne limit {PREVIEW_ROWS}"
            ).pl()
            quarantined = scalar(con, "select count(*) from raw.quarantaine where flux = ?", [c.feed])
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(total),
                "fichiers_traites": dg.MetadataValue.int(len(reports)),
                "fichiers": dg.MetadataValue.md(
                    "\n".join(
                        f"- `{r.fichier}` : {r.statut} ({r.lignes_chargees} chargées, {r.lignes_quarantaine} en "
                        "quarantaine)"
                        for r in reports
                    )
                    or "_aucun nouveau fichier_"
                ),
                "lignes_chargees": dg.MetadataValue.int(sum(r.lignes_chargees for r in reports)),
                "lignes_quarantaine_flux": dg.MetadataValue.int(quarantined),
                "apercu": dg.MetadataValue.md(markdown_table(preview)),
            }
        )

    return _load


def file_outcome(r) -> str:
    """A file's line in the feed's log: its status and its rows."""
    return (
        f"{r.fichier} : {r.statut}, {r.lignes_chargees} lignes chargées, "
        f"{r.lignes_quarantaine} en quarantaine {r.message}".rstrip()
    )


FEED_ASSETS = [feed_asset(c) for c in all_contracts()]


LEDGER_DESCRIPTIONS = {
    "journal_ingestion": "Journal d'ingestion : un enregistrement par fichier sorti de la boîte de dépôt (chargé, "
    "rejeté, retenu, déjà chargé), avec son SHA-256, ses lignes lues, chargées, ignorées et en quarantaine.",
    "quarantaine": "Lignes et fichiers mis en quarantaine (fichier, ligne, colonne, règle, raison en français, "
    "valeurs hors données personnelles) ; un rapport CSV par fichier dans rapports/quarantaine/.",
    "codes": "Libellés des listes de codes des contrats (expectations/contracts/codes.yml), pour dbt.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", name], group_name=GROUP, kinds={"duckdb"}, description=text, deps=[a.key for a in FEED_ASSETS]
        )
        for name, text in LEDGER_DESCRIPTIONS.items()
    ],
    name="raw_registres",
)
def ledgers(context: dg.AssetExecutionContext, parametres: SettingsResource):
    """The tables every feed asset writes to, once all feeds are loaded (so dbt reads them complete)."""
    settings = parametres.get()
    with connect(settings.home, say=context.log.info) as con:
        prepare_warehouse(con)
        counts = {name: scalar(con, f"select count(*) from raw.{name}") for name in LEDGER_DESCRIPTIONS}
        by_feed = con.sql("select flux, count(*) as lignes from raw.quarantaine group by 1 order by 1").pl()
    for name, n in counts.items():
        meta = {"dagster/row_count": dg.MetadataValue.int(n)}
        if name == "quarantaine":
            meta["par_flux"] = dg.MetadataValue.md(markdown_table(by_feed))
            meta["rapports"] = dg.MetadataValue.path(str(settings.reports / "quarantaine"))
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", name]), metadata=meta)

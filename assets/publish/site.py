"""The public site as a quarterly-partitioned Dagster asset (group `publication`): the pages of
dashboards/ drawn from the public's rows of every quarter up to the partition's, written to
`published/archives/AAAAT<q>/` and, for the latest quarter archived, to `published/site/` (what the CASA's
web server serves as it is)."""

import datetime as dt
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import dagster as dg
import duckdb

from dashboards.site import build, warm
from dashboards.site_data import SiteData, quarter_end

from ..partitions import parse_quarter, quarter_key, trimestres_cil
from ..settings import Settings, SettingsResource
from ..warehouse import connect
from . import referentiels as R
from .cil_export import GROUP, _deps, failed_blocking_check
from .cil_sources import history, site_quarters
from .confidentiality import read_reference
from .public_rows import public_quarters
from .secret_ahead import start_in_step

KEY = dg.AssetKey(["published", "site"])


def site_dir(settings: Settings) -> Path:
    return settings.published / "site"


def archives_dir(settings: Settings) -> Path:
    return settings.published / "archives"


def read_site_data(con: duckdb.DuckDBPyConnection, settings: Settings, annee: int, trimestre: int) -> SiteData:
    """Everything the pages of one quarter are drawn from, the public's rows of every quarter up to it."""
    reference = read_reference(con)
    rows = public_quarters(con, settings, site_quarters(history(con), annee, trimestre), reference)
    epci, epci_nom = R.epci(con)
    sources = con.sql(
        "select flux, bailleur_siren, max(date_fichier) as dernier from raw.journal_ingestion "
        "where statut = 'chargé' and date_fichier <= $t group by all",
        params={"t": quarter_end(annee, trimestre)},
    ).pl()
    return SiteData(
        rows=rows,
        catalogue=reference[0],
        communes=reference[1],
        sources=sources,
        objectifs=R.objectifs(con),
        bailleurs=con.sql("select bailleur_siren, nom_bailleur from marts.dim_bailleurs").pl(),
        codes=R.codes(con),
        epci=epci,
        epci_nom=epci_nom,
        annee=annee,
        trimestre=trimestre,
        seuil=settings.seuil_secret_public,
        objectifs_legaux=R.objectifs_legaux(con),
    )


def _replace_dir(new: Path, target: Path) -> None:
    """Puts `new` in place of `target` with two renames: a reader sees the old site or the new one."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _latest_archive(settings: Settings) -> str | None:
    keys = [p.name for p in archives_dir(settings).glob("*T*") if p.is_dir() and not p.name.startswith(".")]
    return max(keys, key=parse_quarter) if keys else None


def publish_site(
    settings: Settings, annee: int, trimestre: int, say: Callable = print, helper: Executor | None = None
) -> tuple[Path, list[Path]]:
    """Builds the site of one quarter into its archive, and into `published/site/` when it is the latest
    quarter archived; returns the archive's folder and its pages. `helper`: a process drawing half the pages."""
    with connect(settings.home, read_only=True, say=say) as con:
        data = read_site_data(con, settings, annee, trimestre)
    key = quarter_key(annee, trimestre)
    archives = archives_dir(settings)
    archives.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=archives))
    try:
        pages = build(data, work, helper)
        archive = archives / key
        _replace_dir(work, archive)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if _latest_archive(settings) == key:
        copy = Path(tempfile.mkdtemp(prefix=".site.", dir=settings.published))
        shutil.copytree(archive, copy, dirs_exist_ok=True, copy_function=_link_or_copy)
        _replace_dir(copy, site_dir(settings))
    return archive, [archive / p.relative_to(work) for p in pages]


def _link_or_copy(src: str, dst: str) -> None:
    """A hard link (the archive and the site share plotly.js on disk), a copy where links are refused."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


# the helper process started ahead of the publication's site (start_ahead), until the publication ends
_ahead: list[ProcessPoolExecutor] = []


def start_ahead() -> None:
    """Starts, once, the process that will draw half of the site's pages (dashboards/site.py build): by the CLI,
    with the other work ahead of the publication (pipelines/ahead.py start_publication), so that it has imported and
    warmed up (~0.5 s of CPU) by the site's step. A run from the UI draws its site in one process."""
    if not _ahead:
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        pool.submit(warm)
        _ahead.append(pool)


def close_ahead() -> None:
    """Ends the helper once the publication is over, or the run failed before it (its step does not wait the
    ~0.1 s of its exit)."""
    while _ahead:
        _ahead.pop().shutdown(cancel_futures=True)


@dg.asset(key=KEY, group_name=GROUP, partitions_def=trimestres_cil, kinds={"html"}, deps=_deps())
def site(context: dg.AssetExecutionContext, parametres: SettingsResource) -> dg.MaterializeResult:
    """Site public (un trimestre AAAAT<q>) : pages des élus et des demandeurs sous published/site/ (le dernier
    trimestre) et published/archives/AAAAT<q>/, après secret statistique (public) ; ouvrir index.html.
    Refusé si un contrôle bloquant a échoué."""
    failed = failed_blocking_check(context.instance)
    if failed:
        raise RuntimeError(f"publication arrêtée : le contrôle bloquant {failed} a échoué au dernier traitement")
    settings = parametres.get()
    started, quarter = dt.datetime.now(), parse_quarter(context.partition_key)
    start_in_step(context, settings, *quarter)
    helper = _ahead[0] if _ahead else None
    archive, pages = publish_site(settings, *quarter, say=context.log.info, helper=helper)
    size = sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(archive / "index.html")),
            "pages": dg.MetadataValue.int(len(pages)),
            "taille_octets": dg.MetadataValue.int(size),
            "duree_s": dg.MetadataValue.float(round((dt.datetime.now() - started).total_seconds(), 2)),
        }
    )

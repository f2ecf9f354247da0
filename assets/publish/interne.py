"""The commission's monthly table (S1, internal) as a quarterly-partitioned Dagster asset (group
`publication`): `published/interne/suivi_<EPCI>_AAAAT<q>.html` (opens from disk, not linked from the public
site) and the same table as `.xlsx` for the monthly meeting, from the rows of `marts.fct_indicateurs` as they
are (internal audience: no masking).

The files are private (folder 0700, files 0600, as the CIL pack): unmasked monthly counts per réservataire
often concern one or two households, which the commission's members can put a name on; the analyst hands
them out, the CASA's web server never serves them."""

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import dagster as dg
import duckdb

from dashboards.suivi import INDICATEURS, SuiviData, page_html

from ..partitions import parse_quarter, quarter_key, trimestres_cil
from ..settings import Settings, SettingsResource
from ..warehouse import connect
from . import referentiels as R
from .cil_export import GROUP, ExportRefused, _deps, check_in_history, failed_blocking_check
from .cil_pack import write_atomic
from .confidentiality import read_reference
from .programmes import publish_programmes
from .secret_ahead import start_in_step
from .suivi_workbook import workbook_bytes

KEY = dg.AssetKey(["published", "interne"])


def interne_dir(settings: Settings) -> Path:
    return settings.published / "interne"


def file_name(epci: str, annee: int, trimestre: int, ext: str) -> str:
    return f"suivi_{epci}_{quarter_key(annee, trimestre)}.{ext}"


def read_suivi(con: duckdb.DuckDBPyConnection, annee: int, trimestre: int) -> SuiviData:
    """The S1 rows of the quarters of the year up to (annee, trimestre), and the tables beside them."""
    epci, epci_nom = R.epci(con)
    rows = con.sql(
        "select * from marts.fct_indicateurs where indicateur in $ind and annee = $a and trimestre <= $t",
        params={"ind": list(INDICATEURS), "a": annee, "t": trimestre},
    ).pl()
    return SuiviData(
        rows=rows,
        catalogue=read_reference(con)[0],
        codes=R.codes(con),
        objectifs=R.objectifs(con),
        legaux=R.objectifs_legaux(con),
        epci=epci,
        epci_nom=epci_nom,
        annee=annee,
        trimestre=trimestre,
    )


def publish_interne(settings: Settings, annee: int, trimestre: int, say: Callable = print) -> tuple[Path, Path]:
    """Writes the page (with the site's style beside it) and the workbook of one quarter, and the réservataire
    meetings' briefs under programmes/ (assets/publish/programmes.py); returns the table's two paths."""
    folder = interne_dir(settings)
    with connect(settings.home, read_only=True, say=say) as con:
        check_in_history(con, annee, trimestre)
        data = read_suivi(con, annee, trimestre)
    css = resources.files("dashboards").joinpath("static", "site.css").read_bytes()
    write_atomic(folder / "static" / "site.css", css)
    xlsx = write_atomic(folder / file_name(data.epci, annee, trimestre, "xlsx"), workbook_bytes(data))
    page = page_html(data, workbook=xlsx.name).encode("utf-8")
    html = write_atomic(folder / file_name(data.epci, annee, trimestre, "html"), page)
    # after the table: a faulty scenarios file stops the briefs, not the commission's table
    with connect(settings.home, read_only=True, say=say) as con:
        publish_programmes(con, settings, annee, trimestre, folder / "programmes")
    return html, xlsx


@dg.asset(key=KEY, group_name=GROUP, partitions_def=trimestres_cil, kinds={"html", "xlsx"}, deps=_deps())
def interne(context: dg.AssetExecutionContext, parametres: SettingsResource) -> dg.MaterializeResult:
    """Tableau de suivi mensuel de la commission (S1, interne, sans secret statistique) d'un trimestre AAAAT<q> :
    les mois de l'année jusqu'au dernier du trimestre, en page HTML et en classeur XLSX sous published/interne/
    (fichiers réservés à l'analyste, non publiés) ; et sous published/interne/programmes/ la note de chaque
    programme non livré pour la réunion des réservataires (page et classeur, avec leur index). Refusé si un
    contrôle bloquant a échoué ou si le trimestre est hors de l'historique."""
    failed = failed_blocking_check(context.instance)
    if failed:
        raise ExportRefused(f"publication arrêtée : le contrôle bloquant {failed} a échoué au dernier traitement")
    settings, quarter = parametres.get(), parse_quarter(context.partition_key)
    start_in_step(context, settings, *quarter)  # for the pack and the site, meanwhile
    html, xlsx = publish_interne(settings, *quarter, say=context.log.info)
    return dg.MaterializeResult(
        metadata={"page": dg.MetadataValue.path(str(html)), "xlsx": dg.MetadataValue.path(str(xlsx))}
    )

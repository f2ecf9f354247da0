"""The quarterly pack of the CIL (INDICATORS.md, "The quarterly CIL pack"): the long CSV after
confidentiality and the XLSX workbook for people, from one quarter's publishable rows.

Pure functions on frames, except the two writers at the end. Nothing here reads the clock: a re-export
with no new ingestion gives the same CSV bytes and the same workbook cells (its creation date is `t`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from expectations.suites_gen import FCT_COLUMNS as COLUMNS

from ..private import private_dir, private_file

TEXT_COLUMNS = ["niveau_geo", "code_geo", "libelle_geo", "indicateur", "modalite", "statut"]
SHEETS = (
    "Ensemble",
    "Typologie",
    "Chance_logement",
    "Quotas_LEC",
    "Flux",
    "CAL_refus",
    "Parc",
    "Livraisons",
    "Residences",
)
SECRET_MARK = "s"
# A text cell starting with one of these is read as a formula by a spreadsheet (CSV injection): prefixed.
FORMULA_START = r"^[=+\-@\t\r]"
# R1's alert reasons (modalite `motif=`) and the indicator whose top decile raised them.
R1_REASONS = {"VACANCE": "R1_vacance", "REFUS": "R1_refus", "PREMIER_QUARTILE": "R1_part_q1"}


def file_name(epci: str, annee: int, trimestre: int, ext: str) -> str:
    return f"cil_{epci}_{annee}T{trimestre}.{ext}"


def neutralised(col: str) -> pl.Expr:
    """The text with a leading `'` when a spreadsheet would take it for a formula."""
    c = pl.col(col)
    return pl.when(c.str.contains(FORMULA_START)).then(pl.lit("'") + c).otherwise(c).alias(col)


# --- the long CSV -------------------------------------------------------------------------------------


def _number(col: str, integer: pl.Expr) -> pl.Expr:
    """A value as the file writes it: an integer where `integer`, else half-even to 4 decimals, no
    exponent, `.` as decimal point, trailing zeros dropped; empty when null."""
    c = pl.col(col)
    decimal = (
        c.round(4, mode="half_to_even")
        .cast(pl.Decimal(38, 4))
        .cast(pl.String)
        .str.replace(r"0+$", "")
        .str.replace(r"\.$", "")
    )
    return pl.when(integer).then(c.round(0).cast(pl.Int64).cast(pl.String)).otherwise(decimal).alias(col)


def csv_frame(rows: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """The published long table as strings, in the file's order (level, place, indicator, modality)."""
    nature = catalogue.select("indicateur", "nature")
    whole = lambda c: pl.col(c) == pl.col(c).round(0)  # noqa: E731
    return (
        rows.join(nature, on="indicateur", how="left", maintain_order="left")
        .with_columns(
            _number("valeur", pl.col("nature").is_in(["compte", "drapeau"])),
            _number("numerateur", whole("numerateur")),
            _number("denominateur", whole("denominateur")),
            *(neutralised(c) for c in TEXT_COLUMNS),
        )
        .sort(level_order(), "code_geo", "indicateur", "modalite")
        .select(COLUMNS)
    )


def csv_bytes(rows: pl.DataFrame, catalogue: pl.DataFrame) -> bytes:
    """`;`-separated, UTF-8 with BOM, `\\n` line ends, empty cells for nulls (secret or not computable)."""
    buf = io.BytesIO()
    csv_frame(rows, catalogue).write_csv(buf, separator=";", include_bom=True, null_value="", quote_style="necessary")
    return buf.getvalue()


# --- sheets -------------------------------------------------------------------------------------------


def sheet_of(catalogue: pl.DataFrame) -> pl.Expr:
    """The pack's sheet of a row (joined to the catalogue): its indicator's `feuille_cil`, where the
    rows of an `Ensemble` indicator cut by typology go to `Typologie`."""
    by_type = (pl.col("feuille_cil") == "Ensemble") & pl.col("modalite").str.contains(r"(^|,)typologie=")
    return pl.when(by_type).then(pl.lit("Typologie")).otherwise(pl.col("feuille_cil")).alias("feuille")


def with_sheets(rows: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """The rows with their sheet and catalogue facts (libelle, nature, unite); rows of no sheet dropped."""
    facts = catalogue.select("indicateur", "libelle", "nature", "unite", "feuille_cil")
    return (
        rows.join(facts, on="indicateur", how="left", maintain_order="left")
        .with_columns(sheet_of(catalogue))
        .filter(pl.col("feuille").is_in(SHEETS))
    )


def secret_shares(rows: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Per sheet (and `Tout le pack`): rows, secret rows and their share."""
    tagged = with_sheets(rows, catalogue).with_columns(secret=pl.col("statut") == "secret")
    per = tagged.group_by("feuille").agg(lignes=pl.len(), secretes=pl.col("secret").sum())
    total = tagged.select(feuille=pl.lit("Tout le pack"), lignes=pl.len(), secretes=pl.col("secret").sum())
    order = {s: i for i, s in enumerate((*SHEETS, "Tout le pack"))}
    return (
        pl.concat([per, total.cast(per.schema)])
        .with_columns(part=pl.col("secretes") / pl.col("lignes"))
        .sort(pl.col("feuille").replace_strict(order, default=len(order)))
    )


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    format: str | None = None  # Excel number format of the column (None: text)


# Number formats a French Excel shows as `1 234`, `12,5 %`, `1 234,5`.
FORMATS = {
    "compte": "#,##0",
    "drapeau": "0",
    "part": "0.0%",
    "ratio": "#,##0.00",
    "duree": "#,##0.0",
    "score": "#,##0.0",
}
LEVELS = {
    "EPCI": "EPCI",
    "SECTEUR": "Secteur",
    "COMMUNE": "Commune",
    "BAILLEUR": "Bailleur",
    "RESERVATAIRE": "Réservataire",
    "RESIDENCE": "Résidence",
}


def level_order() -> pl.Expr:
    """EPCI first, then sectors, communes, landlords, réservataires, residences."""
    return pl.col("niveau_geo").replace_strict(list(LEVELS), list(range(len(LEVELS))), default=len(LEVELS))


STATUSES = {"ok": "", "secret": "secret", "non_calculable": "non calculable", "sans_objet": "sans objet"}
TABLE_COLUMNS = [
    Column("Indicateur", 46),
    Column("Code", 22),
    Column("Niveau", 13),
    Column("Territoire", 34),
    Column("Code territoire", 16),
    Column("Détail", 30),
    Column("Valeur", 12, "valeur"),
    Column("Unité", 18),
    Column("Numérateur", 12, "#,##0"),
    Column("Dénominateur", 13, "#,##0"),
    Column("Statut", 15),
]
RESIDENCE_COLUMNS = [
    Column("Résidence", 42),
    Column("Code", 24),
    Column("Alerte", 14),
    Column("Motifs de l'alerte", 70),
]


def table_rows(tagged: pl.DataFrame, sheet: str) -> pl.DataFrame:
    """One sheet's rows as the workbook shows them (French labels; numbers kept as numbers)."""
    return (
        tagged.filter(pl.col("feuille") == sheet)
        .sort("indicateur", level_order(), "code_geo", "modalite")
        .select(
            pl.col("libelle").alias("Indicateur"),
            pl.col("indicateur").alias("Code"),
            pl.col("niveau_geo").replace_strict(LEVELS, default=pl.col("niveau_geo")).alias("Niveau"),
            pl.col("libelle_geo").alias("Territoire"),
            pl.col("code_geo").alias("Code territoire"),
            pl.when(pl.col("modalite") == "ensemble").then(pl.lit("")).otherwise(pl.col("modalite")).alias("Détail"),
            pl.col("valeur").alias("Valeur"),
            pl.col("unite").alias("Unité"),
            pl.col("numerateur").alias("Numérateur"),
            pl.col("denominateur").alias("Dénominateur"),
            pl.col("statut").replace_strict(STATUSES, default=pl.col("statut")).alias("Statut"),
            pl.col("nature"),
        )
    )


def residence_rows(tagged: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """R1 as flags and reasons, without counts: one row per residence."""
    labels = dict(catalogue.select("indicateur", "libelle").iter_rows())
    reasons = {code: f"{labels.get(ind, ind)} dans le décile supérieur de l'EPCI" for code, ind in R1_REASONS.items()}
    alerts = tagged.filter(pl.col("indicateur") == "R1_alerte")
    flag = alerts.filter(pl.col("modalite") == "ensemble").select(
        "code_geo",
        "libelle_geo",
        pl.when(pl.col("statut") == "secret")
        .then(pl.lit(SECRET_MARK))
        .when(pl.col("statut") != "ok")
        .then(pl.col("statut").replace_strict(STATUSES, default=pl.col("statut")))
        .when(pl.col("valeur") == 1)
        .then(pl.lit("oui"))
        .otherwise(pl.lit("non"))
        .alias("Alerte"),
    )
    why = (
        alerts.filter(pl.col("modalite").str.starts_with("motif=") & (pl.col("valeur") == 1))
        .with_columns(motif=pl.col("modalite").str.strip_prefix("motif=").replace_strict(reasons, default=None))
        .group_by("code_geo")
        .agg(pl.col("motif").sort().str.join(" ; ").alias("Motifs de l'alerte"))
    )
    return (
        flag.join(why, on="code_geo", how="left")
        .sort("code_geo")
        .select(
            pl.col("libelle_geo").alias("Résidence"),
            pl.col("code_geo").alias("Code"),
            "Alerte",
            pl.col("Motifs de l'alerte").fill_null(""),
        )
    )


# --- writing ------------------------------------------------------------------------------------------


@dataclass
class Pack:
    """What one quarter's pack holds, read from the warehouse (see cil_sources.read_pack)."""

    epci: str
    annee: int
    trimestre: int
    rows: pl.DataFrame  # the CIL-audience table (publishable)
    catalogue: pl.DataFrame
    lisez_moi: list  # [(title, text or frame)] — see cil_lisez_moi
    charts: list[Path] = field(default_factory=list)

    @property
    def fin(self) -> dt.date:
        nxt = dt.date(self.annee + self.trimestre // 4, self.trimestre % 4 * 3 + 1, 1)
        return nxt - dt.timedelta(days=1)


def source_line(fin: dt.date) -> str:
    return (
        "Source : SNE, fichiers des bailleurs et de la commission ; observatoire de la demande de logement social "
        f"de la CASA, données au {fin:%d/%m/%Y}"
    )


def write_atomic(target: Path, data: bytes) -> Path:
    """Write to a hidden temporary file, then rename: a reader never sees half a file."""
    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    private_file(tmp)
    os.replace(tmp, target)
    return target


def write_pack(pack: Pack, folder: Path, browser=None) -> tuple[Path, Path]:
    """The CSV, the chart images and the XLSX of the pack under `folder`; returns the CSV and XLSX paths.
    `browser`: a cil_charts.Browser already started (else one is started here)."""
    from .cil_charts import write_charts
    from .cil_workbook import workbook_bytes

    # Chromium draws the charts while Python writes the workbook (4.6 s and 2.9 s on a loaded 2-core machine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        key = (pack.epci, pack.annee, pack.trimestre)
        charts = pool.submit(write_charts, pack.rows, *key, folder, source_line(pack.fin), browser)
        csv = write_atomic(folder / file_name(*key, "csv"), csv_bytes(pack.rows, pack.catalogue))
        xlsx = write_atomic(folder / file_name(*key, "xlsx"), workbook_bytes(pack))
        charts.result()
    return csv, xlsx

"""Statistical confidentiality per audience.

temporary: replaced at merge by the full module (primary suppression of household counts only, so that
the CIL pack runs before the merge).
"""

from __future__ import annotations

import duckdb
import polars as pl

from ..settings import Settings

AUDIENCES = ("cil", "public")


def publishable(
    rows: pl.DataFrame, audience: str, settings: Settings, catalogue: pl.DataFrame, communes: pl.DataFrame
) -> pl.DataFrame:
    """The rows this audience may see: S1 dropped, R1 kept as its alerts only (CIL), household counts
    under the audience's threshold hidden."""
    seuil = settings.seuil_secret_cil if audience == "cil" else settings.seuil_secret_public
    kept = rows.filter(
        ~pl.col("indicateur").str.starts_with("S1_")
        & (~pl.col("indicateur").str.starts_with("R1_") | (pl.col("indicateur") == "R1_alerte"))
    )
    if audience != "cil":
        kept = kept.filter(~pl.col("indicateur").str.starts_with("R1_"))
    kind = catalogue.select("indicateur", "nature", "compte_de")
    small = (
        (pl.col("nature") == "compte")
        & (pl.col("compte_de") != "logements")
        & (pl.col("valeur") > 0)
        & (pl.col("valeur") < seuil)
    )
    return (
        kept.join(kind, on="indicateur", how="left", maintain_order="left")
        .with_columns(
            pl.when(small).then(pl.lit("secret")).otherwise(pl.col("statut")).alias("statut"),
            *(pl.when(small).then(None).otherwise(c).alias(c) for c in ("valeur", "numerateur", "denominateur")),
        )
        .select(rows.columns)
    )


def read_reference(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(catalogue, communes) as the warehouse holds them."""
    return con.sql("select * from referentiels.indicateurs").pl(), con.sql("select * from referentiels.communes").pl()

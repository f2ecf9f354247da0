"""Statistical confidentiality, applied once, in one place (INDICATORS.md, "three audiences";
docs/confidentialite.md for partners).

`publishable` takes the rows of one release (one quarter of `marts.fct_indicateurs`) and an audience, and
returns the rows that audience may see, hidden rows as `secret` with empty valeur, numerateur and
denominateur: the audience's scope and primary suppression (primary.py), then secondary suppression
(secondary.py) over the additive relations of the release (relations.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ..paths import DBT_DIR
from . import primary as P
from .relations import candidates, cells, check

if TYPE_CHECKING:  # worker processes import this module: dagster (settings) cost them 0.9 s of CPU each
    import duckdb

    from ..settings import Settings

AUDIENCES = ("cil", "public")
COUNTS = ("valeur", "numerateur", "denominateur")
IDENTITIES = DBT_DIR / "seeds" / "indicateurs_identites.csv"
CATALOGUE_COLUMNS = ["indicateur", "famille", "nature", "compte_de", "fenetre", "sensible"]


@dataclass(frozen=True)
class Thresholds:
    """What confidentiality reads of the settings, for worker processes (public_rows): unpickling Settings
    would import its module, hence dagster."""

    seuil_secret_cil: int
    seuil_secret_public: int

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(settings.seuil_secret_cil, settings.seuil_secret_public)


def threshold(settings: Settings | Thresholds, audience: str) -> int:
    if audience not in AUDIENCES:
        raise ValueError(f"public inconnu : {audience!r} (attendu : {', '.join(AUDIENCES)})")
    return settings.seuil_secret_cil if audience == "cil" else settings.seuil_secret_public


def read_reference(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(catalogue, communes): the seeds `indicateurs` and `communes` as the warehouse holds them."""
    return (
        con.sql("select * from referentiels.indicateurs order by indicateur").pl(),
        con.sql("select * from referentiels.communes order by code_insee").pl(),
    )


def read_identities(path: Path = IDENTITIES) -> pl.DataFrame:
    """The identities seed (a count recurring as another indicator's component), as data-tested by dbt."""
    return pl.read_csv(path, schema_overrides={c: pl.String for c in ("indicateur", "egal_a")})


def _household_identities(identities: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Identities whose other side is a household count (those make a dwelling indicator maskable)."""
    households = catalogue.filter(pl.col("compte_de") != "logements").select(egal_a="indicateur")
    return identities.join(households, on="egal_a", how="semi")


def _state(
    rows: pl.DataFrame, audience: str, t: int, catalogue: pl.DataFrame, communes: pl.DataFrame, identities: pl.DataFrame
) -> pl.DataFrame:
    """Each row with its catalogue columns, `_out`, `_locked` and `_primary` for this audience."""
    r = rows.with_row_index("_id").join(catalogue.select(CATALOGUE_COLUMNS), on="indicateur", how="left")
    r = P.audience_scope(r, audience, communes)
    r = P.never_masked(r, audience, _household_identities(identities, catalogue))
    return P.primary(r, audience, t)


def relations(c: pl.DataFrame, communes: pl.DataFrame, identities: pl.DataFrame) -> pl.DataFrame:
    """The members of the relations between the cells `c` that hold, with their rest."""
    members = candidates(c, communes, identities)
    return members.join(check(members).filter("holds").select("rel", "reste"), on="rel")


def told_zeros(r: pl.DataFrame, c: pl.DataFrame) -> pl.Series:
    """The classes of the zeros that a received row's statut tells: a row `non_calculable` for want of any
    observation stays so when hidden, so its denominateur (and a share's numerateur) is known to be 0."""
    over_none = r.filter(~pl.col("_out"), pl.col("statut") == "non_calculable", pl.col("denominateur") == 0)
    told = (pl.col("composante") == "denominateur") | (pl.col("nature") == "part")
    zeros = c.join(over_none.select("_id", "nature"), on="_id").filter(told, pl.col("v") == 0)
    return zeros["cls"].unique()


def hidden_rows(
    rows: pl.DataFrame, audience: str, settings: Settings | Thresholds, *reference: pl.DataFrame | None
) -> pl.DataFrame:
    """Every row of the release with `_id` (its position), `_out` (not for this audience), `_primary`,
    `_hidden` (primary or secondary) and `_locked` (published as it is); `reference` is (catalogue, communes)
    and optionally the identities (else the seed's)."""
    # here, not at the top: secondary (numpy, scipy) is imported only by a publication step, not by the
    # definitions every run loads (0.5 s of a run's start at scale 1, `python -X importtime`)
    from .secondary import classes, suppress

    catalogue, communes, identities = (*reference, None)[:3]
    identities = read_identities() if identities is None else identities
    t = threshold(settings, audience)
    r = _state(rows, audience, t, catalogue, communes, identities)
    c = cells(r)
    members = relations(c, communes, identities)
    c, between = classes(c, members)
    small = r.select("_id", "_primary", "indicateur", "niveau_geo", "code_geo", "modalite")
    cell_rows = c.join(small, on=["_id", "indicateur"]).select(
        "_id", "cls", "v", _small=pl.col("_primary") & (pl.col("v") > 0) & (pl.col("v") < t), _key=P.KEY
    )
    hidden = suppress(cell_rows, between, r.select("_id", "_out", "_locked", "_primary"), t, told_zeros(r, c))
    return r.join(hidden, on="_id").select(
        "_id", "_out", "_locked", "_primary", _hidden=pl.col("_hidden") | pl.col("_out")
    )


def publishable(
    rows: pl.DataFrame,
    audience: str,
    settings: Settings | Thresholds,
    catalogue: pl.DataFrame,
    communes: pl.DataFrame,
    identities: pl.DataFrame | None = None,
    reasons: bool = False,
) -> pl.DataFrame:
    """The rows `audience` may see, in the order and columns of `rows`; a hidden row is `secret` with empty
    counts, except a row already `non_calculable` or `sans_objet`, which keeps its statut and loses its
    counts. With `reasons`, a last column `secret` says why a secret row is hidden: `primaire` (too few
    households itself) or `secondaire` (hidden so that another cell cannot be deduced from it)."""
    state = hidden_rows(rows, audience, settings, catalogue, communes, identities)
    out = rows.with_row_index("_id").join(state.select("_id", "_out", "_hidden", "_primary"), on="_id", how="left")
    hide = pl.col("_hidden")
    secret = pl.when(hide & (pl.col("statut") == "ok"))
    published = (
        out.filter(~pl.col("_out"))
        .sort("_id")
        .with_columns(
            [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in COUNTS]
            + [secret.then(pl.lit("secret")).otherwise("statut").alias("statut")]
            + [
                secret.then(pl.when("_primary").then(pl.lit("primaire")).otherwise(pl.lit("secondaire"))).alias(
                    "secret"
                )
            ]
        )
    )
    return published.select(*rows.columns, *(["secret"] if reasons else []))

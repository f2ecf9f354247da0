"""The quarters of the CIL export: partition keys `AAAAT<q>` and which quarter is ready to publish.

The history's quarters come from the warehouse (`int_trimestres`), so the partitions are dynamic: a quarter
is added when it is first exported. A quarter is complete once every file the landlords owe for its last
month has arrived (the completeness matrix `int_flux_completude`); it is published anyway, with its gaps
stated in the `Lisez-moi`, from the 20th day of the next quarter.
"""

from __future__ import annotations

import datetime as dt
import re

import dagster as dg
import polars as pl

trimestres_cil = dg.DynamicPartitionsDefinition(name="trimestres_cil")
DEADLINE_DAY = 20  # day of the quarter's next month by which its pack goes out, complete or not
_KEY = re.compile(r"(\d{4})T([1-4])")


def quarter_key(annee: int, trimestre: int) -> str:
    return f"{annee}T{trimestre}"


def parse_quarter(text: str) -> tuple[int, int]:
    """(annee, trimestre) of `AAAAT<q>`, or a French error."""
    m = _KEY.fullmatch(text.strip())
    if not m:
        raise ValueError(f"trimestre « {text} » mal écrit : AAAAT<q> attendu, par exemple 2026T3 (q de 1 à 4)")
    return int(m[1]), int(m[2])


def last_month(annee: int, trimestre: int) -> dt.date:
    return dt.date(annee, 3 * trimestre, 1)


def deadline(annee: int, trimestre: int) -> dt.date:
    """The day the quarter's pack goes out even with gaps: the 20th of the month after the quarter."""
    nxt = last_month(annee, trimestre) + dt.timedelta(days=31)
    return dt.date(nxt.year, nxt.month, DEADLINE_DAY)


def gaps(completude: pl.DataFrame, annee: int, trimestre: int) -> pl.DataFrame:
    """The files owed for the quarter's months that have not arrived (bailleur_siren, mois, flux)."""
    first = dt.date(annee, 3 * trimestre - 2, 1)
    return (
        completude.filter(pl.col("mois").is_between(first, last_month(annee, trimestre)) & ~pl.col("recu"))
        .select("bailleur_siren", "mois", "flux")
        .sort("mois", "flux", "bailleur_siren")
    )


def is_complete(completude: pl.DataFrame, annee: int, trimestre: int) -> bool:
    """Every file owed for the quarter's last month has arrived."""
    end = last_month(annee, trimestre)
    return completude.filter((pl.col("mois") == end) & ~pl.col("recu")).height == 0


def quarter_to_publish(
    quarters: list[tuple[int, int]], completude: pl.DataFrame, today: dt.date
) -> tuple[int, int, bool] | None:
    """(annee, trimestre, complete) of the last quarter of the history that is complete, or past its
    deadline; None when there is none."""
    for annee, trimestre in sorted(quarters, reverse=True):
        complete = is_complete(completude, annee, trimestre)
        if complete or today >= deadline(annee, trimestre):
            return annee, trimestre, complete
    return None

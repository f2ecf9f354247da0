"""The reference tables the publications show beside the figures (the EPCI, code lists, targets), read from
the warehouse in one place for the pack, the site and the internal table."""

from __future__ import annotations

import duckdb
import polars as pl


def epci(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """(SIREN, name) of the EPCI the warehouse serves."""
    [(siren, nom)] = con.sql("select siren, nom from referentiels.epci").fetchall()
    return siren, nom


def codes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """(liste, code, libelle) of the official code lists, in their order."""
    return con.sql("select liste, code, libelle from raw.codes order by liste, ordre").pl()


def objectifs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The targets in force each year (int_objectifs), per landlord and réservataire."""
    return con.sql("select annee, bailleur_siren, reservataire, quota, taux_cible from intermediate.int_objectifs").pl()


def objectifs_legaux(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The legal targets (seed objectifs_legaux): quota, réservataire (`*` for all), rate."""
    return con.sql("select quota, reservataire, taux_cible from referentiels.objectifs_legaux").pl()

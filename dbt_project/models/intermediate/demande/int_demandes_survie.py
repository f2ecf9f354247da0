"""The chance of being housed (H1, INDICATORS.md Appendix A) at the end of every quarter: one Aalen–Johansen
curve per group of each cut, read at 1, 2, 3 and 5 years with its 95 % band, and the month it crosses 50 %.
Facts for the encoder (int_ind_demande_survie), each naming the one cut it is the value of.

A dbt Python model because the estimator is numpy (assets/survie.py, tested against lifelines and on
simulated spells), not SQL: its curves need sorted cumulative products per group. Spells of the EPCI's
communes (1st choice), from int_demandes_periodes; the delayed entry is at the history's first extraction."""

import polars as pl

from assets.survie import SCHEMA_H1, indicateurs_h1, parcours_connus


def model(dbt, session):
    dbt.config(materialized="table")
    trimestres = dbt.ref("int_trimestres").pl()
    parcours = dbt.ref("int_demandes_periodes").pl().filter(pl.col("dans_epci"))
    communes = dbt.ref("int_geographies").pl().filter(niveau_geo="COMMUNE")
    colonnes = {"annee": pl.Int32, "trimestre": pl.Int32} | SCHEMA_H1
    if parcours.is_empty():
        return pl.DataFrame(schema=colonnes).to_arrow()
    origine = parcours["premiere_extraction"].min()
    # a commune that is its own sector (its code as code_secteur) has no SECTEUR row
    secteurs = communes.select(
        commune="code_geo",
        secteur=pl.when(pl.col("code_secteur") != pl.col("code_geo")).then(pl.col("code_secteur")),
    )
    parcours = parcours.select(
        "date_depot",
        "date_fin",
        "statut",
        "derniere_extraction",
        "typologie",
        commune="commune_choix1",
        prioritaire=pl.when(pl.col("prioritaire_declare")).then(pl.lit("OUI")).otherwise(pl.lit("NON")),
    ).join(secteurs, on="commune", how="left")
    faits = [
        indicateurs_h1(parcours_connus(parcours, origine, t["fin"])).with_columns(
            annee=pl.lit(t["annee"]), trimestre=pl.lit(t["trimestre"])
        )
        for t in trimestres.iter_rows(named=True)
    ]
    return (
        pl.concat([pl.DataFrame(schema=colonnes), *faits], how="diagonal_relaxed")
        .select(pl.col(c).cast(t) for c, t in colonnes.items())
        .to_arrow()
    )

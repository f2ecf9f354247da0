"""The chance of being housed (H1, INDICATORS.md Appendix A) for the last complete quarter: one Aalen–Johansen
curve per cut, read at 1, 2, 3 and 5 years with its 95 % band, and the month it crosses 50 %.

A dbt Python model because the estimator is numpy (assets/survie.py, tested against lifelines and on
simulated spells), not SQL: its curves need sorted cumulative products per cut. Spells of the EPCI's communes
(1st choice), from int_demandes_periodes; the delayed entry is at the history's first extraction."""

import polars as pl

from assets.survie import SCHEMA_H1, indicateurs_h1, parcours_connus


def model(dbt, session):
    dbt.config(materialized="table")
    trimestres = dbt.ref("int_trimestres").pl().sort("debut")
    parcours = dbt.ref("int_demandes_periodes").pl().filter(pl.col("dans_epci"))
    communes = dbt.ref("int_geographies").pl().filter(niveau_geo="COMMUNE")
    epci = dbt.ref("epci").pl()["siren"][0]
    # the long table's columns in its order (colonnes_indicateurs), and the reason of a row not computable
    noms = ["annee", "trimestre", "niveau_geo", "code_geo", "libelle_geo", "indicateur", "modalite", "valeur"]
    noms += ["numerateur", "denominateur", "statut", "raison"]
    colonnes = {n: SCHEMA_H1.get(n, pl.String) for n in noms} | {"annee": pl.Int32, "trimestre": pl.Int32}
    if trimestres.is_empty() or parcours.is_empty():
        return pl.DataFrame(schema=colonnes).to_arrow()
    dernier = trimestres.row(-1, named=True)
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
    lignes = indicateurs_h1(parcours_connus(parcours, origine, dernier["fin"]), epci)
    libelles = dbt.ref("int_geographies").pl().select("niveau_geo", "code_geo", "libelle_geo")
    return (
        lignes.join(libelles, on=["niveau_geo", "code_geo"], how="left")
        .with_columns(annee=pl.lit(dernier["annee"]), trimestre=pl.lit(dernier["trimestre"]))
        .select(pl.col(c).cast(t) for c, t in colonnes.items())
        .to_arrow()
    )

"""The chance of being housed (H1, INDICATORS.md Appendix A) at the end of every quarter: one Aalen–Johansen
curve per group of each cut, read at 1, 2, 3 and 5 years with its 95 % band, and the month it crosses 50 %.
Facts for the encoder (int_ind_demande_survie), each naming the one cut it is the value of.

A dbt Python model because the estimator is numpy (assets/survie.py, tested against lifelines and on
simulated spells), not SQL: its curves need sorted cumulative products per group. Spells of the EPCI's
communes (1st choice), from int_demandes_periodes; the delayed entry is at the history's first extraction."""

import polars as pl

from assets.survie import faits_h1


def model(dbt, session):
    dbt.config(materialized="table")
    return faits_h1(
        dbt.ref("int_trimestres").pl(),
        dbt.ref("int_demandes_periodes").pl().filter(pl.col("dans_epci")),
        dbt.ref("int_geographies").pl().filter(niveau_geo="COMMUNE"),
    )

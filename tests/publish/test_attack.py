"""The attack test on the whole release of the synthetic territory (issue 11): for each audience, the auditor
(tests/publish/auditor.py, which never reads the suppressing code) finds no hidden cell that the published ones
pin to one value, and no cell hidden for being small whose interval is narrower than the audience's threshold,
beyond what the rows the rules never mask reveal by themselves."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from assets.publish.confidentiality import publishable
from assets.settings import load_settings

from .auditor import audit, count_cells

IDENTITY_COLUMNS = ["indicateur", "composante", "egal_a", "composante_egal_a"]
# INDICATORS.md: the CIL's pack never masks the quotas, the annual flows and the CAL results by landlord.
CIL_NEVER_MASKED = pl.col("famille").is_in(["Q1", "Q2", "Q3", "P5"]) | (
    pl.col("famille").is_in(["C1", "C2"]) & (pl.col("niveau_geo") == "BAILLEUR")
)


@pytest.fixture(scope="module")
def release(warehouse):
    """(settings, last quarter's rows of fct_indicateurs, catalogue, communes, declared identities)."""
    settings = load_settings(warehouse)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows = con.sql(
            "select * from marts.fct_indicateurs "
            "where (annee, trimestre) = (select max((annee, trimestre)) from marts.fct_indicateurs)"
        ).pl()
        catalogue = con.sql("select * from referentiels.indicateurs").pl()
        communes = con.sql("select * from referentiels.communes").pl()
        declared = con.sql(
            "select count(*) from information_schema.tables "
            "where table_schema = 'referentiels' and table_name = 'indicateurs_identites'"
        ).fetchall()[0][0]
        identities = (
            con.sql(f"select {', '.join(IDENTITY_COLUMNS)} from referentiels.indicateurs_identites").pl()
            if declared
            else pl.DataFrame(schema=dict.fromkeys(IDENTITY_COLUMNS, pl.Utf8))
        )
    finally:
        con.close()
    return settings, rows, catalogue, communes, identities


def test_the_relations_the_auditor_keeps_hold_on_the_unsuppressed_release(release):
    settings, rows, catalogue, communes, identities = release
    result = audit(rows, rows, catalogue, communes, identities, settings.seuil_secret_cil)
    truth = count_cells(rows, catalogue)
    assert len(result.relations) > 1000
    assert all(r.holds(truth) for r in result.relations)
    assert not any(r.holds(truth) for r in result.dropped if not r.partout)
    # any-choice demands are counted in every commune a demand cites: they do not sum to the EPCI's D1
    across = "D1.valeur = somme de D1_toutes_communes.valeur sur commune"
    assert across in {r.origine for r in result.dropped}
    assert across not in {r.origine for r in result.relations}
    assert result.intervals.is_empty()  # nothing hidden, nothing to attack


@pytest.mark.parametrize("audience", ["cil", "public"])
def test_no_hidden_cell_of_the_release_can_be_recomputed_from_what_it_publishes(release, audience):
    settings, rows, catalogue, communes, identities = release
    seuil = {"cil": settings.seuil_secret_cil, "public": settings.seuil_secret_public}[audience]
    published = publishable(rows, audience, settings, catalogue, communes)
    never_masked = None
    if audience == "cil":
        families = rows.join(catalogue.select("indicateur", "famille"), on="indicateur")
        never_masked = families.filter(CIL_NEVER_MASKED).select(rows.columns)
    result = audit(rows, published, catalogue, communes, identities, seuil, never_masked)
    print(
        f"{audience}: {result.intervals.height} hidden cells, {len(result.relations)} relations kept "
        f"({len(result.dropped)} candidates dropped), {result.components} components, {result.seconds:.1f} s, "
        f"{result.intervals['inevitable'].sum()} bounded by the never-masked rows alone"
    )
    assert result.intervals.filter("primaire").height > 0  # something small is hidden: the attack is not vacuous
    assert result.pinned.is_empty(), result.pinned
    assert result.exposed.is_empty(), result.exposed

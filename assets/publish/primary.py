"""Who sees which row, and primary suppression (INDICATORS.md, "Statistical confidentiality").

Works on a release whose rows carry the catalogue's columns (`famille`, `nature`, `agregat`, `compte_de`,
`sensible`); every function adds boolean columns, set-based, and never drops a row: the rows an audience
does not see still take part in the relations of secondary suppression, as cells it cannot read.
"""

from __future__ import annotations

import polars as pl

# Rows the CIL exists to follow, never masked in its pack: whole families, and families by landlord.
INSTITUTIONAL = ("Q1", "Q2", "Q3", "P5")
INSTITUTIONAL_BY_LANDLORD = ("C1", "C2")
# The quotas are institutional for the public too: published at landlord and réservataire level, under the
# count thresholds only.
QUOTAS = ("Q1", "Q2", "Q3")
# Sensitive attributes in a modalite (INDICATORS.md: handicap, health and violence motives, DALO, priority
# criteria): any value of these keys, and these values of `motif` (the contract's codes: DALO and priority
# positionings or exemptions, handicap, violence, health; motif_demande 06 violences, 07 handicap, 08 santé).
SENSITIVE_KEYS = ("prioritaire",)
SENSITIVE_MOTIFS = ("DALO", "PRIORITAIRE", "HANDICAP", "VIOLENCES", "06", "07", "08")
# Estimated curves (the chance of being housed): every row of a group, its 50 % crossing too, stands on the
# attributions it observed (numerateur): published from the audience's threshold on, none (0) included.
CURVES = ("H1",)

SENSITIVE = pl.col("sensible").fill_null(False) | pl.col("modalite").str.contains(
    "(^|,)(" + "|".join(SENSITIVE_KEYS) + ")=|(^|,)motif=(" + "|".join(SENSITIVE_MOTIFS) + ")(,|$)"
)
FAMILY = pl.col("famille")
# A cell named by its row and component: ties between equal counts are broken on it, whatever the rows' order.
KEY = pl.concat_str("indicateur", "niveau_geo", "code_geo", "modalite", "composante", separator="|")


def multi_commune_sectors(communes: pl.DataFrame) -> pl.DataFrame:
    """(code_insee) of the communes whose sector groups several communes."""
    return communes.filter(pl.len().over("code_secteur") > 1).select("code_insee")


def audience_scope(rows: pl.DataFrame, audience: str, communes: pl.DataFrame) -> pl.DataFrame:
    """Adds `_out`: the row is not in this audience's table. S1 is internal; the CIL sees R1 as flags only;
    the public sees no R1, sensitive attributes at EPCI level only (the quotas apart), and a commune of a
    multi-commune sector only through its sector."""
    r1 = pl.col("indicateur").str.starts_with("R1_")
    out = pl.col("indicateur").str.starts_with("S1_")
    if audience == "cil":
        out = out | (r1 & (pl.col("indicateur") != "R1_alerte"))
    else:
        grouped = multi_commune_sectors(communes)["code_insee"]
        out = (
            out
            | r1
            | (SENSITIVE & (pl.col("niveau_geo") != "EPCI") & ~FAMILY.is_in(QUOTAS))
            | ((pl.col("niveau_geo") == "COMMUNE") & pl.col("code_geo").is_in(grouped.implode()))
        )
    return rows.with_columns(_out=out)


def never_masked(rows: pl.DataFrame, audience: str, household_identities: pl.DataFrame) -> pl.DataFrame:
    """Adds `_locked`: the row is published as it is. Dwelling counts (public in RPLS open data), except an
    indicator whose component is a household count (identities seed, e.g. the demands of
    P4_demandes_pour_100); flags; and for the CIL its institutional rows."""
    dwellings = (pl.col("compte_de") == "logements") & ~pl.col("indicateur").is_in(
        household_identities["indicateur"].implode()
    )
    locked = dwellings | (pl.col("nature") == "drapeau")
    if audience == "cil":
        locked = (
            locked
            | FAMILY.is_in(INSTITUTIONAL)
            | (FAMILY.is_in(INSTITUTIONAL_BY_LANDLORD) & (pl.col("niveau_geo") == "BAILLEUR"))
        )
    return rows.with_columns(_locked=locked)


def primary(rows: pl.DataFrame, audience: str, threshold: int) -> pl.DataFrame:
    """Adds `_primary`: the row is hidden for being small. A count of 1 to the threshold − 1; a share or ratio
    whose numerateur (unless 0) or denominateur is under it; a median, mean or quartile over fewer
    observations; a curve (CURVES) on fewer attributions; for the public, a share of a sensitive attribute at
    0 % or 100 % (the quotas apart)."""
    # A zero describes no household: it is published, as a share's zero numerator is (INDICATORS.md); hiding
    # zeros hid 56 % of the CIL's cells of the demo's last quarter, mostly empty commune × typology crosses.
    small = (pl.col("valeur") > 0) & (pl.col("valeur") < threshold)
    num_small = (pl.col("numerateur") < threshold) & (pl.col("numerateur") != 0)
    # a denominator of dwellings (P4_demandes_pour_100) is public in RPLS: only a household one can be small
    households = pl.col("compte_de") != "logements"
    den_small = (pl.col("denominateur") > 0) & (pl.col("denominateur") < threshold) & households
    nature = pl.col("nature")
    hidden = (
        pl.when(nature == "compte")
        .then(small)
        .when(nature.is_in(["part", "ratio"]))
        .then(num_small | den_small)
        .when(nature.is_in(["duree", "score"]))
        .then(den_small)
        .otherwise(False)
    )
    hidden = pl.when(FAMILY.is_in(CURVES)).then(pl.col("numerateur") < threshold).otherwise(hidden)
    if audience == "public":
        extreme = (nature == "part") & SENSITIVE & ~FAMILY.is_in(QUOTAS) & pl.col("valeur").is_in([0.0, 1.0])
        hidden = hidden | extreme
    return rows.with_columns(_primary=hidden.fill_null(False) & ~pl.col("_locked") & ~pl.col("_out"))

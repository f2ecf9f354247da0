"""The additive relations between the counts of one release (briefs: relations.md), written from the
structure (catalogue, communes seed, modalite keys), then kept only where they hold on the unsuppressed
release.

A cell is one count component of a row (`_id`, `composante`, `v`): the valeur of a count, the numerateur
and denominateur of a share or ratio, the denominateur (observations) of a median, mean or quartile.
A relation is a set of member cells, one of them the total (`total`), with `reste` the part of the total
that no cell of the release publishes (0 for an exact sum; the earlier quarters of a rolling window).
"""

from __future__ import annotations

import polars as pl

TOLERANCE = 1e-9
# Where the territory is a key of the row: the pseudo-key a cut by commune, sector, landlord... removes.
GEO_KEY = {
    "COMMUNE": "commune",
    "SECTEUR": "secteur",
    "BAILLEUR": "bailleur",
    "RESERVATAIRE": "reservataire",
    "RESIDENCE": "residence",
}
COMPONENTS = {
    "compte": ("valeur",),
    "part": ("numerateur", "denominateur"),
    "ratio": ("numerateur", "denominateur"),
    "duree": ("denominateur",),
    "score": ("denominateur",),
}
WINDOWS_LONGER = ("r4q", "ytd", "12m")
GEO_CUTS = (*GEO_KEY.values(), "commune>secteur")


def cells(rows: pl.DataFrame) -> pl.DataFrame:
    """(_id, indicateur, composante, v, sig, pairs, famille, compte_de, fenetre) of every known count."""
    geo = pl.col("niveau_geo").replace_strict(GEO_KEY, default=None)
    pairs = (
        pl.when(pl.col("modalite") == "ensemble")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col("modalite").str.split(","))
        .list.concat(
            pl.when(geo.is_null())
            .then(pl.lit([], dtype=pl.List(pl.String)))
            .otherwise(pl.concat_list(geo + "=" + pl.col("code_geo")))
        )
        .list.sort()
    )
    base = rows.select("_id", "indicateur", "nature", "famille", "compte_de", "fenetre", pairs=pairs)
    out = []
    for nature, comps in COMPONENTS.items():
        for comp in comps:
            out.append(
                base.filter(pl.col("nature") == nature)
                .join(rows.select("_id", v=pl.col(comp)), on="_id")
                .with_columns(composante=pl.lit(comp))
            )
    return (
        pl.concat(out).filter(pl.col("v").is_not_null()).with_columns(sig=pl.col("pairs").list.join(",")).drop("nature")
    )


def _member(frame: pl.DataFrame, total: bool) -> pl.DataFrame:
    return frame.select("rel", "fam", "_id", "composante", "v", total=pl.lit(total))


def _sums(parts: pl.DataFrame, c: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Members of the relations `total = Σ parts`: `parts` carry their total's key (`t_indicateur`,
    `t_composante`, `t_sig`) and the `cut`; a relation is named by its kind, parts' count, total and cut,
    its family is the same without the territory and modalite (`t_sig`)."""
    fam = pl.concat_str(pl.lit(kind), "indicateur", "composante", "t_indicateur", "t_composante", "cut", separator="|")
    keyed = parts.with_columns(fam=fam, rel=pl.concat_str(fam, "t_sig", separator="|"))
    totals = c.select(t_indicateur="indicateur", t_composante="composante", t_sig="sig", _id="_id", v="v")
    tot = (
        keyed.select("t_indicateur", "t_composante", "t_sig", "rel", "fam")
        .unique()
        .join(totals, on=["t_indicateur", "t_composante", "t_sig"])
    )
    return pl.concat([_member(keyed, False), _member(tot.with_columns(composante="t_composante"), True)])


def cuts(c: pl.DataFrame, communes: pl.DataFrame) -> pl.DataFrame:
    """Geography and cuts: a row with pair k=v sums, over the values of k, to the row without it (the EPCI
    when the pair is the territory); a commune's row sums into its sector's, the sectors into the EPCI."""
    one = c.with_columns(pair=pl.col("pairs")).explode("pair").filter(pl.col("pair").is_not_null())
    without = pl.col("pairs").list.set_difference(pl.concat_list("pair"))
    one = one.with_columns(t_sig=without.list.sort().list.join(","), cut=pl.col("pair").str.extract("^([^=]+)="))
    sector = (
        one.filter(pl.col("cut") == "commune")
        .with_columns(code_insee=pl.col("pair").str.strip_prefix("commune="))
        .join(communes.select("code_insee", "code_secteur"), on="code_insee")
        .with_columns(
            t_sig=without.list.concat(pl.concat_list("secteur=" + pl.col("code_secteur"))).list.sort().list.join(","),
            cut=pl.lit("commune>secteur"),
        )
        .drop("code_insee", "code_secteur")
    )
    # EPCI = Σ sectors, where a commune that is its own sector has no sector row: its commune row stands in.
    alone = sector.join(
        communes.filter(pl.len().over("code_secteur") == 1).select(pair="commune=" + pl.col("code_insee")), on="pair"
    )
    with_sectors = one.filter(pl.col("cut") == "secteur").select("indicateur").unique()
    alone = alone.join(with_sectors, on="indicateur", how="semi")
    alone = alone.with_columns(t_sig=without.list.sort().list.join(","), cut=pl.lit("secteur"))
    parts = pl.concat([one, sector, alone]).drop("pair")
    same = parts.with_columns(t_indicateur="indicateur", t_composante="composante")
    # A cut whose total is another indicator, kept later only if it holds for every one of its relations: a
    # count of the same kind (compte_de) and window (D7_tranche's bands sum to D1), or any count of the same
    # family (to D7_median's denominateur; P5_part_flux's numerators to P5_attribues).
    own = c.select(indicateur="indicateur", composante="composante", t_sig="sig")
    orphans = parts.join(own, on=["indicateur", "composante", "t_sig"], how="anti")
    same_count = c.filter(pl.col("composante") == "valeur").select(
        t_indicateur="indicateur", t_composante="composante", t_sig="sig", compte_de="compte_de", fenetre="fenetre"
    )
    family = c.select(t_indicateur="indicateur", t_composante="composante", t_sig="sig", famille="famille")
    by_count = orphans.filter(pl.col("composante") == "valeur").join(same_count, on=["t_sig", "compte_de", "fenetre"])
    cross = pl.concat([by_count, orphans.join(family, on=["t_sig", "famille"])], how="diagonal")
    cross = cross.filter(pl.col("t_indicateur") != pl.col("indicateur")).unique(
        ["indicateur", "composante", "sig", "cut", "t_indicateur", "t_composante"]
    )
    return pl.concat([_sums(same, c, "cut"), _sums(cross, c, "croise"), shared_denominators(parts, c)])


def shared_denominators(parts: pl.DataFrame, c: pl.DataFrame) -> pl.DataFrame:
    """A share cut by a modalite that has no row without it (C1 by decision): the parts' numerators sum to
    their common denominator, and each part's denominator is the first part's (two-cell relations)."""
    own = c.select("indicateur", "composante", t_sig="sig")
    nums = parts.filter(pl.col("composante") == "numerateur", ~pl.col("cut").is_in(GEO_CUTS))
    nums = nums.join(own, on=["indicateur", "composante", "t_sig"], how="anti")
    nums = nums.with_columns(first=pl.col("sig").min().over("indicateur", "t_sig", "cut"))
    dens = c.filter(pl.col("composante") == "denominateur").select("indicateur", "sig", _id_d="_id", v_d="v")
    nums = nums.join(dens, on=["indicateur", "sig"]).join(
        dens.rename({"sig": "first", "_id_d": "_id_f", "v_d": "v_f"}), on=["indicateur", "first"]
    )
    fam = pl.concat_str(pl.lit("commun"), "indicateur", "cut", separator="|")
    nums = nums.with_columns(fam=fam, rel=pl.concat_str(fam, "t_sig", separator="|"))
    first = nums.select("rel", "fam", _id="_id_f", composante=pl.lit("denominateur"), v="v_f").unique()
    same = nums.filter(pl.col("sig") != pl.col("first")).with_columns(
        fam=pl.col("fam") + "|denominateur", rel=pl.concat_str(pl.col("fam") + "|denominateur", "sig", separator="|")
    )
    return pl.concat(
        [
            _member(nums, False),
            _member(first, True),
            _member(same.with_columns(_id="_id_d", v="v_d", composante=pl.lit("denominateur")), False),
            _member(same.with_columns(_id="_id_f", v="v_f", composante=pl.lit("denominateur")), True),
        ]
    )


def windows(c: pl.DataFrame) -> pl.DataFrame:
    """A count over a longer window (R4Q, YTD, 12 months) ≥ the quarter's count of the same family and
    territory: the longer one's total, with the earlier quarters as an unpublished rest."""
    counts = c.filter(pl.col("composante") == "valeur")
    short = counts.filter(pl.col("fenetre") == "trimestre")
    long = counts.filter(pl.col("fenetre").is_in(WINDOWS_LONGER))
    pairs = short.join(long, on=["famille", "compte_de", "sig"], suffix="_long")
    fam = pl.concat_str(pl.lit("fenetre"), "indicateur", "indicateur_long", separator="|")
    pairs = pairs.with_columns(fam=fam, rel=pl.concat_str(fam, "sig", separator="|"))
    return pl.concat(
        [
            _member(pairs, False),
            _member(pairs.select("rel", "fam", _id="_id_long", composante="composante_long", v="v_long"), True),
        ]
    )


def identities(c: pl.DataFrame, seed: pl.DataFrame) -> pl.DataFrame:
    """The identities seed: a count recurring as another row's component, a relation of two cells."""
    left = c.join(seed, on=["indicateur", "composante"])
    right = c.select("sig", egal_a="indicateur", composante_egal_a="composante", _id_t="_id", v_t="v")
    fam = pl.concat_str(pl.lit("identite"), "indicateur", "composante", "egal_a", separator="|")
    pairs = left.join(right, on=["sig", "egal_a", "composante_egal_a"])
    pairs = pairs.with_columns(fam=fam, rel=pl.concat_str(fam, "sig", separator="|"))
    right_member = pairs.select("rel", "fam", _id="_id_t", composante="composante_egal_a", v="v_t")
    return pl.concat([_member(pairs, False), _member(right_member, True)])


def candidates(c: pl.DataFrame, communes: pl.DataFrame, seed: pl.DataFrame) -> pl.DataFrame:
    """Every candidate relation's members (rel, _id, composante, v, total)."""
    members = pl.concat([cuts(c, communes), windows(c), identities(c, seed)])
    members = members.unique(["rel", "_id", "composante"], maintain_order=True)
    return members.filter(pl.col("total").any().over("rel"))  # a cut whose total is not in the release


def check(members: pl.DataFrame) -> pl.DataFrame:
    """(rel, reste, holds) of each candidate: Σ parts = total within 1e-9, or ≤ it for a window (its
    rest ≥ 0 is the earlier quarters); a guessed relation only if so in every relation of its family (same
    kind, counts and cut, any territory and modalite)."""
    per = members.group_by("rel", "fam").agg(
        total=pl.col("v").filter("total").sum(),
        parts=pl.col("v").filter(~pl.col("total")).sum(),
        n_parts=(~pl.col("total")).sum(),
    )
    per = per.with_columns(reste=pl.col("total") - pl.col("parts"), kind=pl.col("fam").str.extract("^([^|]+)"))
    exact = pl.col("reste").abs() <= TOLERANCE
    holds = pl.when(pl.col("kind") == "fenetre").then(pl.col("reste") >= -TOLERANCE).otherwise(exact)
    per = per.with_columns(holds=holds & (pl.col("n_parts") > 0))
    # A guessed relation (a total that is another indicator, a common denominator) is the rule only if it holds
    # in every relation of its family; elsewhere it holds by coincidence (an empty sector, a zero band). A cut
    # is protected wherever it holds: a reader who knows it is exact there (typologies all known) may use it.
    guessed = pl.col("kind").is_in(["croise", "commun"])
    holds = pl.when(guessed).then(pl.col("holds").all().over("fam")).otherwise("holds")
    return per.select("rel", reste=pl.col("reste").clip(lower_bound=0), holds=holds)

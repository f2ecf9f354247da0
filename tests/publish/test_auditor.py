"""The attack test's auditor on hand-made releases whose answer is known: a naive suppression (only the small
cells hidden) is undone, a suppression with complements holds, and the LP's intervals are the ones computed by
hand below."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from assets.settings import load_settings

from .auditor import audit, candidate_relations, count_cells, select

SEEDS = Path(__file__).parents[2] / "dbt_project" / "seeds"
CATALOGUE = pl.read_csv(SEEDS / "indicateurs.csv", infer_schema_length=0)
COMMUNES = pl.read_csv(SEEDS / "communes.csv", infer_schema_length=0)
NO_IDENTITY = pl.DataFrame(schema=dict.fromkeys(["indicateur", "composante", "egal_a", "composante_egal_a"], pl.Utf8))
IDENTITIES = pl.DataFrame(
    [("D6", "numerateur", "D1", "valeur"), ("D6", "denominateur", "D5_r4q", "valeur")],
    schema=list(NO_IDENTITY.columns),
    orient="row",
)
EPCI, A, B = "240600585", "06004", "06018"  # Antibes and Biot: each its own sector


@pytest.fixture(scope="module")
def seuil(tmp_path_factory) -> int:
    return load_settings(tmp_path_factory.mktemp("home")).seuil_secret_cil


def row(indicateur, niveau, code, modalite="ensemble", valeur=None, numerateur=None, denominateur=None):
    if numerateur is None and valeur is not None:
        numerateur = valeur  # a count's numerateur is the count
    return dict(
        annee=2026,
        trimestre=2,
        niveau_geo=niveau,
        code_geo=code,
        libelle_geo=code,
        indicateur=indicateur,
        modalite=modalite,
        valeur=None if valeur is None else float(valeur),
        numerateur=None if numerateur is None else float(numerateur),
        denominateur=None if denominateur is None else float(denominateur),
        statut="ok",
    )


def table(indicateur: str, cells: dict[tuple[str, str], int]) -> list[dict]:
    """Rows of a count, from {(code_geo, modalite): valeur}; the EPCI's code makes an EPCI row."""
    return [row(indicateur, "EPCI" if g == EPCI else "COMMUNE", g, m, v) for (g, m), v in cells.items()]


# D1 at the end of the quarter, two communes × two typologies, and their margins
D1 = {
    (A, "typologie=T1"): 20, (A, "typologie=T2"): 3, (A, "ensemble"): 23,
    (B, "typologie=T1"): 12, (B, "typologie=T2"): 9, (B, "ensemble"): 21,
    (EPCI, "typologie=T1"): 32, (EPCI, "typologie=T2"): 12, (EPCI, "ensemble"): 44,
}  # fmt: skip
# attributions of the quarter and of the four quarters ending with it (D5_r4q ≥ D5, cell by cell)
D5 = {(A, "ensemble"): 2, (B, "ensemble"): 7, (EPCI, "ensemble"): 9}
D5_R4Q = {(A, "ensemble"): 4, (B, "ensemble"): 15, (EPCI, "ensemble"): 19}
D5_R4Q_TYPOLOGIE = {
    (A, "typologie=T1"): 3, (A, "typologie=T2"): 1, (B, "typologie=T1"): 10, (B, "typologie=T2"): 5,
    (EPCI, "typologie=T1"): 13, (EPCI, "typologie=T2"): 6,
} | D5_R4Q  # fmt: skip


def release(*tables: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([r for t in tables for r in t])


def hide(rows: pl.DataFrame, *cells: tuple[str, str, str]) -> pl.DataFrame:
    """The release with these (indicateur, code_geo, modalite) rows secret, as `publishable` returns them."""
    hidden = pl.struct("indicateur", "code_geo", "modalite").is_in(
        [dict(indicateur=i, code_geo=g, modalite=m) for i, g, m in cells]
    )
    return rows.with_columns(
        pl.when(hidden).then(pl.lit("secret")).otherwise("statut").alias("statut"),
        *(pl.when(hidden).then(None).otherwise(c).alias(c) for c in ("valeur", "numerateur", "denominateur")),
    )


def interval(result, indicateur: str, coordonnees: str, composante: str = "valeur") -> tuple[float, float]:
    found = result.intervals.filter(indicateur=indicateur, coordonnees=coordonnees, composante=composante).select(
        "bas", "haut"
    )
    assert found.height == 1, (indicateur, coordonnees, composante)
    return tuple(round(v, 6) for v in found.row(0))


def test_a_small_cell_hidden_alone_is_recomputed_from_its_margins(seuil):
    before = release(table("D1", D1))
    naive = hide(before, ("D1", A, "typologie=T2"))
    result = audit(before, naive, CATALOGUE, COMMUNES, NO_IDENTITY, seuil)
    assert interval(result, "D1", f"commune={A},typologie=T2") == (3, 3)  # 23 − 20, or 12 − 9
    assert result.pinned["valeur"].to_list() == [3.0]
    assert result.exposed.height == 1


def test_a_rectangle_of_four_hidden_cells_leaves_each_an_interval_of_twelve(seuil):
    before = release(table("D1", D1))
    fixed = hide(before, *(("D1", g, f"typologie={t}") for g in (A, B) for t in ("T1", "T2")))
    result = audit(before, fixed, CATALOGUE, COMMUNES, NO_IDENTITY, seuil)
    # x = A×T2 ∈ [0, 12]: A×T1 = 23 − x, B×T2 = 12 − x, B×T1 = 9 + x, all ≥ 0
    assert interval(result, "D1", f"commune={A},typologie=T2") == (0, 12)
    assert interval(result, "D1", f"commune={A},typologie=T1") == (11, 23)
    assert interval(result, "D1", f"commune={B},typologie=T2") == (0, 12)
    assert interval(result, "D1", f"commune={B},typologie=T1") == (9, 21)
    assert result.pinned.is_empty() and result.exposed.is_empty()


def test_rows_the_audience_does_not_receive_are_unknowns_not_reported(seuil):
    before = release(table("D1", D1))
    received = hide(before.filter(pl.col("code_geo") != B), ("D1", A, "typologie=T1"), ("D1", A, "typologie=T2"))
    result = audit(before, received, CATALOGUE, COMMUNES, NO_IDENTITY, seuil)
    # B = 44 − 23 is known, not its typologies: the same rectangle as above, seen from A's side only
    assert result.intervals["coordonnees"].to_list() == [f"commune={A},typologie=T1", f"commune={A},typologie=T2"]
    assert interval(result, "D1", f"commune={A},typologie=T2") == (0, 12)
    assert interval(result, "D1", f"commune={A},typologie=T1") == (11, 23)


def d6(code: str, modalite: str = "ensemble") -> dict:
    """D6 = D1 ÷ D5_r4q: its numerateur and denominateur repeat those counts."""
    d1, r4q = D1[(code, modalite)], D5_R4Q_TYPOLOGIE[(code, modalite)]
    return row("D6", "EPCI" if code == EPCI else "COMMUNE", code, modalite, d1 / r4q, d1, r4q)


def test_a_hidden_count_published_as_another_rows_numerateur_is_pinned(seuil):
    before = release(table("D1", D1), table("D5_r4q", D5_R4Q_TYPOLOGIE), [d6(*cell) for cell in D1])
    small = [("D5_r4q", A, "typologie=T2")]  # 1 attribution
    rectangle = [("D1", g, f"typologie={t}") for g in (A, B) for t in ("T1", "T2")]
    rectangle_r4q = [("D5_r4q", g, f"typologie={t}") for g in (A, B) for t in ("T1", "T2")]
    naive = hide(before, *small, *rectangle)
    result = audit(before, naive, CATALOGUE, COMMUNES, IDENTITIES, seuil)
    assert interval(result, "D1", f"commune={A},typologie=T2") == (3, 3)  # D6's numerateur
    assert interval(result, "D5_r4q", f"commune={A},typologie=T2") == (1, 1)  # D6's denominateur
    fixed = hide(before, *rectangle, *rectangle_r4q, *(("D6", g, m) for _, g, m in rectangle))
    result = audit(before, fixed, CATALOGUE, COMMUNES, IDENTITIES, seuil)
    assert interval(result, "D1", f"commune={A},typologie=T2") == (0, 12)
    assert interval(result, "D6", f"commune={A},typologie=T2", "numerateur") == (0, 12)
    # y = A×T2 attributions: A×T1 = 4 − y, B×T2 = 6 − y, B×T1 = 9 + y
    assert interval(result, "D6", f"commune={A},typologie=T2", "denominateur") == (0, 4)
    assert interval(result, "D5_r4q", f"commune={B},typologie=T1") == (9, 13)
    assert result.pinned.is_empty()
    # A's attributions (3 and 1, both small) stay within [0, 4]: hidden, yet narrower than the threshold
    exposed = set(result.exposed.select("indicateur", "coordonnees").unique().iter_rows())
    assert exposed == {(i, f"commune={A},typologie={t}") for i in ("D5_r4q", "D6") for t in ("T1", "T2")}


def test_a_hidden_row_whose_counts_are_published_elsewhere_reveals_nothing(seuil):
    before = release(table("D1", D1), table("D5_r4q", D5_R4Q_TYPOLOGIE), [d6(*cell) for cell in D1])
    rows = hide(before, ("D6", B, "typologie=T1"))  # 12 ÷ 10: not small, its counts are D1's and D5_r4q's
    result = audit(before, rows, CATALOGUE, COMMUNES, IDENTITIES, seuil)
    assert interval(result, "D6", f"commune={B},typologie=T1", "numerateur") == (12, 12)
    assert result.intervals["copie"].all()
    assert result.pinned.is_empty() and result.exposed.is_empty()


def test_a_wider_window_bounds_the_quarter_it_contains(seuil):
    before = release(table("D5", D5), table("D5_r4q", D5_R4Q))
    naive = hide(before, ("D5", A, "ensemble"))
    assert interval(audit(before, naive, CATALOGUE, COMMUNES, NO_IDENTITY, seuil), "D5", f"commune={A}") == (2, 2)
    # with a complement, A + B = 9 leaves A anywhere in [0, 9], but A ≤ its published R4Q count 4
    complement = hide(before, ("D5", A, "ensemble"), ("D5", B, "ensemble"))
    result = audit(before, complement, CATALOGUE, COMMUNES, NO_IDENTITY, seuil)
    assert interval(result, "D5", f"commune={A}") == (0, 4)
    assert interval(result, "D5", f"commune={B}") == (5, 9)
    assert result.pinned.is_empty()
    assert result.exposed["coordonnees"].to_list() == [f"commune={A}"]  # 4 − 0 < 5
    # hiding the R4Q counts too: y_A + y_B = 19, y ≥ x
    both = hide(before, *((i, g, "ensemble") for i in ("D5", "D5_r4q") for g in (A, B)))
    result = audit(before, both, CATALOGUE, COMMUNES, NO_IDENTITY, seuil)
    assert interval(result, "D5", f"commune={A}") == (0, 9)
    assert interval(result, "D5_r4q", f"commune={A}") == (0, 19)
    assert result.pinned.is_empty() and result.exposed.is_empty()


@pytest.mark.parametrize(("trimestre", "kind"), [(1, "eq"), (2, "ge")])
def test_a_year_to_date_count_is_the_quarters_at_the_first_quarter_and_at_least_it_after(trimestre, kind):
    # no indicator of the catalogue has both windows today: D5_r4q read as a year-to-date count
    ytd = CATALOGUE.with_columns(pl.when(indicateur="D5_r4q").then(pl.lit("ytd")).otherwise("fenetre").alias("fenetre"))
    truth = count_cells(release(table("D5", D5), table("D5_r4q", D5_R4Q)), CATALOGUE)
    windows = [r for r in candidate_relations(truth, ytd, COMMUNES, NO_IDENTITY, trimestre) if "≥" in r.origine]
    assert len(windows) == 3 and {r.kind for r in windows} == {kind}


def test_kept_relations_hold_and_a_non_additive_indicator_is_dropped():
    # a demand citing both communes counts in each: any-choice counts do not add up to the EPCI's D1
    toutes = [
        row("D1_toutes_communes", "COMMUNE", A, "ensemble", 30),
        row("D1_toutes_communes", "COMMUNE", B, "ensemble", 25),
    ]
    before = release(table("D1", D1), toutes)
    truth = count_cells(before, CATALOGUE)
    kept, dropped = select(candidate_relations(truth, CATALOGUE, COMMUNES, NO_IDENTITY, 2), truth)
    assert all(abs(r.residual(truth)) <= 1e-9 for r in kept)
    assert {r.origine for r in dropped} == {"D1.valeur = somme de D1_toutes_communes.valeur sur commune"}
    assert not any("D1_toutes_communes" in r.origine for r in kept)
    # the geography and the typologies of D1 are all there: 3 rows × (communes, typologies)
    assert (
        sorted(r.origine for r in kept)
        == ["D1.valeur = somme sur commune"] * 3 + ["D1.valeur = somme sur typologie"] * 3
    )


def test_the_parts_of_a_share_cut_without_its_total_add_up_to_their_common_denominator(seuil):
    # C1: candidates examined by decision, over all candidates examined; two small communes of one sector
    c1 = [
        row("C1", "COMMUNE", code, f"decision={d}", n / den, n, den)
        for code, counts in (
            ("06017", {"ATTRIBUTION": 9, "NON_ATTRIBUTION": 2}),
            ("06022", {"ATTRIBUTION": 6, "NON_ATTRIBUTION": 5}),
        )
        for den in [sum(counts.values())]
        for d, n in counts.items()
    ]
    before = release(c1)
    truth = count_cells(before, CATALOGUE)
    kept, _ = select(candidate_relations(truth, CATALOGUE, COMMUNES, NO_IDENTITY, 2), truth)
    assert sorted({r.origine for r in kept}) == [
        "C1.denominateur = somme de C1.numerateur sur decision",
        "C1.denominateur commun sur decision",
    ]  # two communes of one sector share no denominator, even when equal (11)
    result = audit(
        before, hide(before, ("C1", "06017", "decision=NON_ATTRIBUTION")), CATALOGUE, COMMUNES, NO_IDENTITY, seuil
    )
    assert interval(result, "C1", "commune=06017,decision=NON_ATTRIBUTION", "numerateur") == (2, 2)  # 11 − 9
    assert result.intervals.filter(composante="denominateur")["copie"].to_list() == [True]  # 11, published beside
    assert result.pinned["composante"].to_list() == ["numerateur"]


def test_what_the_never_masked_rows_bound_by_themselves_is_no_fault_of_the_suppression(seuil):
    # C1 ATTRIBUTION: 4 candidates at the EPCI, 1 + 3 by landlord (never masked for the CIL), 1 + 3 by commune
    c1 = [
        row("C1", niveau, code, "decision=ATTRIBUTION", n / 20, n, 20)
        for niveau, code, n in (
            ("EPCI", EPCI, 4),
            ("BAILLEUR", "b1", 1),
            ("BAILLEUR", "b2", 3),
            ("COMMUNE", A, 1),
            ("COMMUNE", B, 3),
        )
    ]
    before = release(c1)
    released = hide(before, ("C1", A, "decision=ATTRIBUTION"), ("C1", B, "decision=ATTRIBUTION"))
    # the landlords' rows give the EPCI's 4: each commune lies in [0, 4], narrower than the threshold
    result = audit(before, released, CATALOGUE, COMMUNES, NO_IDENTITY, seuil)
    assert interval(result, "C1", f"commune={A},decision=ATTRIBUTION", "numerateur") == (0, 4)
    assert result.exposed.height == 2
    # those rows alone bound them as narrowly: inevitable, not exposed
    never_masked = before.filter(pl.col("niveau_geo") == "BAILLEUR")
    result = audit(before, released, CATALOGUE, COMMUNES, NO_IDENTITY, seuil, never_masked)
    assert result.intervals.filter("primaire")["inevitable"].all()
    assert result.exposed.is_empty()
    # a release that publishes B as well gives A away: more than the never-masked rows did
    leaky = hide(before, ("C1", A, "decision=ATTRIBUTION"))
    result = audit(before, leaky, CATALOGUE, COMMUNES, NO_IDENTITY, seuil, never_masked)
    assert result.exposed["coordonnees"].to_list() == [f"commune={A},decision=ATTRIBUTION"]

"""Statistical confidentiality (assets/publish/confidentiality.py) on hand-made releases whose answer is
known, then on the last release of a generated territory for both audiences."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from assets.publish.confidentiality import AUDIENCES, hidden_rows, publishable, read_identities, read_reference
from assets.publish.relations import candidates, cells, check
from assets.publish.secondary import classes
from assets.settings import Settings

EPCI = "240600585"
SETTINGS = Settings(home=None)
CIL, PUBLIC = SETTINGS.seuil_secret_cil, SETTINGS.seuil_secret_public

# A small catalogue: the columns confidentiality reads.
CATALOGUE = pl.DataFrame(
    [
        ("N", "N", "compte", "somme", "menages", "trimestre", False),
        ("N_r4q", "N", "compte", "somme", "menages", "r4q", False),
        ("B", "B", "compte", "somme", "menages", "trimestre", False),
        ("L", "L", "compte", "somme", "logements", "date_t", False),
        ("S", "S", "part", "rapport", "menages", "trimestre", False),
        ("M", "M", "duree", "mediane", "menages", "trimestre", False),
        ("X", "X", "part", "rapport", "menages", "trimestre", True),
        ("Q1", "Q1", "part", "rapport", "menages", "ytd", True),
        ("C1", "C1", "part", "rapport", "menages", "trimestre", False),
        ("R1_alerte", "R1", "drapeau", "max", "residences", "36m", False),
        ("R1_vacance", "R1", "part", "rapport", "logements", "date_t", False),
        ("S1_baux", "S1", "compte", "somme", "menages", "mois", True),
        ("H1_1an", "H1", "part", "estimation", "menages", "date_t", False),
        ("H1_delai_50", "H1", "duree", "estimation", "menages", "date_t", False),
    ],
    schema=["indicateur", "famille", "nature", "agregat", "compte_de", "fenetre", "sensible"],
    orient="row",
)
# Three communes in their own sector, two in a sector of small communes.
COMMUNES = pl.DataFrame(
    {
        "code_insee": ["A", "B", "C", "P1", "P2"],
        "nom": ["A", "B", "C", "P1", "P2"],
        "code_secteur": ["A", "B", "C", "PETITES", "PETITES"],
        "libelle_secteur": ["A", "B", "C", "Petites", "Petites"],
    }
)
# S's denominateur is N's count (the identities seed's format).
IDENTITIES = pl.DataFrame(
    {"indicateur": ["S"], "composante": ["denominateur"], "egal_a": ["N"], "composante_egal_a": ["valeur"]}
)


def row(ind, niveau, code, valeur=None, num=None, den=None, modalite="ensemble", statut="ok") -> dict:
    if valeur is not None and num is None and den is None:
        num = valeur  # a count: numerateur = the count
    return dict(
        annee=2026,
        trimestre=3,
        niveau_geo=niveau,
        code_geo=code,
        libelle_geo=code,
        indicateur=ind,
        modalite=modalite,
        valeur=None if valeur is None else float(valeur),
        numerateur=None if num is None else float(num),
        denominateur=None if den is None else float(den),
        statut=statut,
    )


def share(ind, niveau, code, num, den, **kw) -> dict:
    return row(ind, niveau, code, valeur=num / den if den else None, num=num, den=den, **kw)


def release(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(
        list(rows), schema_overrides={"valeur": pl.Float64, "numerateur": pl.Float64, "denominateur": pl.Float64}
    )


def publish(rows: pl.DataFrame, audience: str, settings: Settings = SETTINGS) -> pl.DataFrame:
    return publishable(rows, audience, settings, CATALOGUE, COMMUNES, IDENTITIES)


def status(out: pl.DataFrame, ind: str, code: str, modalite: str = "ensemble") -> str | None:
    hit = out.filter((pl.col("indicateur") == ind) & (pl.col("code_geo") == code) & (pl.col("modalite") == modalite))
    return hit["statut"].item() if hit.height else None


def epci_and_communes(ind: str, values: dict[str, int], modalite: str = "ensemble") -> list[dict]:
    return [row(ind, "EPCI", EPCI, sum(values.values()), modalite=modalite)] + [
        row(ind, "COMMUNE", c, v, modalite=modalite) for c, v in values.items()
    ]


# --- primary suppression -------------------------------------------------------------------------------


def test_a_household_count_under_the_public_threshold_is_secret_and_empty():
    rows = release(row("N", "EPCI", EPCI, PUBLIC - 1))
    public = publish(rows, "public").row(0, named=True)
    assert public["statut"] == "secret"
    assert public["valeur"] is None and public["numerateur"] is None and public["denominateur"] is None
    assert publish(rows, "cil")["statut"].item() == "ok"  # above the CIL's threshold


def test_a_household_count_under_the_cil_threshold_is_secret_for_the_cil():
    out = publish(release(row("N", "EPCI", EPCI, CIL - 1)), "cil")
    assert out["statut"].item() == "secret" and out["valeur"].item() is None


def test_a_curve_of_the_chance_of_being_housed_needs_the_audience_s_count_of_attributions():
    # numerateur: attributions observed; denominateur: spells (the catalogue's 30 are the encoder's)
    for attributions, public, cil in (
        (PUBLIC, "ok", "ok"),
        (PUBLIC - 1, "secret", "ok"),
        (CIL - 1, "secret", "secret"),
    ):
        rows = release(
            row("H1_1an", "EPCI", EPCI, valeur=0.25, num=attributions, den=40),
            row("H1_delai_50", "EPCI", EPCI, valeur=30.5, num=attributions, den=40),
        )
        for audience, expected in (("public", public), ("cil", cil)):
            out = publish(rows, audience)
            assert [status(out, i, EPCI) for i in ("H1_1an", "H1_delai_50")] == [expected] * 2, (attributions, audience)
    # no attribution: the curve stands on nothing, unlike a share's zero numerator
    rows = release(row("H1_1an", "EPCI", EPCI, valeur=0.0, num=0, den=40))
    assert publish(rows, "public")["statut"].item() == publish(rows, "cil")["statut"].item() == "secret"


def test_a_zero_count_is_published_and_never_chosen_as_a_complement():
    # communes A (0), B (2), C (30), D (40): B is small; a zero beside it would protect nothing
    rows = release(*epci_and_communes("N", {"A": 0, "B": 2, "C": 30, "D": 40}))
    out = publish(rows, "cil")
    assert [status(out, "N", c) for c in ("A", "B", "C", "D")] == ["ok", "secret", "secret", "ok"]
    assert out.filter(pl.col("code_geo") == "A")["valeur"].item() == 0


def test_zeros_stay_published_where_only_zeros_are_left_to_hide_and_a_share_over_none_tells_no_secret():
    # the whole relation is small (3 = 1 + 2 + 0 + 0): hiding its zeros would protect nothing, and the share
    # over C's zero proposals, `non_calculable`, would tell that the hidden count beside it is 0
    rows = release(
        *epci_and_communes("N", {"A": 1, "B": 2, "C": 0, "D": 0}),
        row("S", "COMMUNE", "C", num=0, den=0, statut="non_calculable"),
    )
    out = publish(rows, "cil")
    assert [status(out, "N", c) for c in ("A", "B", "C", "D")] == ["secret", "secret", "ok", "ok"]
    assert out.filter(pl.col("indicateur") == "S")["denominateur"].item() == 0


def test_a_share_is_secret_when_its_numerator_or_denominator_is_small_but_not_for_a_zero_numerator():
    rows = release(
        share("S", "BAILLEUR", "b1", 3, 40),  # small numerator
        share("S", "BAILLEUR", "b2", 0, 40),  # zero: published
        share("S", "BAILLEUR", "b3", 2, 3),  # small denominator
        share("S", "BAILLEUR", "b4", 20, 40),
    )
    out = publish(rows, "cil")
    assert [status(out, "S", b) for b in ("b1", "b2", "b3", "b4")] == ["secret", "ok", "secret", "ok"]


def test_a_median_over_fewer_observations_than_the_threshold_is_secret():
    rows = release(row("M", "BAILLEUR", "b1", 12.5, den=PUBLIC - 1), row("M", "BAILLEUR", "b2", 14.0, den=PUBLIC))
    out = publish(rows, "public")
    assert status(out, "M", "b1") == "secret" and status(out, "M", "b2") == "ok"
    assert status(publish(rows, "cil"), "M", "b1") == "ok"


def test_dwelling_counts_are_never_masked():
    rows = release(*epci_and_communes("L", {"A": 1, "B": 0, "C": 40}))
    for audience in AUDIENCES:
        out = publish(rows, audience)
        assert set(out["statut"]) == {"ok"}, audience
        assert out.filter(pl.col("code_geo") == "A")["valeur"].item() == 1


def test_rows_already_not_computable_keep_their_statut_and_lose_a_small_count():
    rows = release(
        row("S", "BAILLEUR", "b1", den=2, statut="non_calculable"), row("S", "BAILLEUR", "b2", statut="sans_objet")
    )
    out = publish(rows, "cil")
    assert out["statut"].to_list() == ["non_calculable", "sans_objet"]
    assert out["denominateur"].to_list() == [None, None]


def test_thresholds_come_from_settings():
    rows = release(row("N", "EPCI", EPCI, 15))
    assert publish(rows, "public")["statut"].item() == "ok"
    strict = Settings(home=None, seuil_secret_public=20, seuil_secret_cil=16)
    assert publish(rows, "public", strict)["statut"].item() == "secret"
    assert publish(rows, "cil", strict)["statut"].item() == "secret"


# --- who sees what ---------------------------------------------------------------------------------------


def test_institutional_rows_are_never_masked_for_the_cil():
    rows = release(
        share("Q1", "BAILLEUR", "b1", 1, 2, modalite="reservataire=COLTER"),
        share("Q1", "RESERVATAIRE", "COLTER", 1, 2),
        share("C1", "BAILLEUR", "b1", 1, 3, modalite="decision=ATTRIBUTION"),
        share("C1", "COMMUNE", "A", 1, 3, modalite="decision=ATTRIBUTION"),
    )
    cil = publish(rows, "cil")
    assert status(cil, "Q1", "b1", "reservataire=COLTER") == "ok" and status(cil, "Q1", "COLTER") == "ok"
    assert status(cil, "C1", "b1", "decision=ATTRIBUTION") == "ok"
    assert status(cil, "C1", "A", "decision=ATTRIBUTION") == "secret"  # C1 is institutional by landlord only
    public = publish(rows, "public")
    # the quotas by landlord and réservataire are public, under the count thresholds
    assert status(public, "Q1", "b1", "reservataire=COLTER") == "secret"


def test_cells_that_institutional_rows_determine_are_published_for_the_cil():
    # the EPCI's C1 numerator (3) is small, but the landlords' rows, never masked, sum to it
    rows = release(
        share("C1", "EPCI", EPCI, 3, 40, modalite="decision=ATTRIBUTION"),
        share("C1", "BAILLEUR", "b1", 1, 20, modalite="decision=ATTRIBUTION"),
        share("C1", "BAILLEUR", "b2", 2, 20, modalite="decision=ATTRIBUTION"),
    )
    assert set(publish(rows, "cil")["statut"]) == {"ok"}
    assert status(publish(rows, "public"), "C1", EPCI, "decision=ATTRIBUTION") == "secret"


def test_the_residence_watch_is_flags_for_the_cil_and_absent_for_the_public():
    rows = release(
        row("R1_alerte", "RESIDENCE", "b1:R1", 1, modalite="motif=VACANCE"),
        share("R1_vacance", "RESIDENCE", "b1:R1", 3, 30),
    )
    assert publish(rows, "cil")["indicateur"].to_list() == ["R1_alerte"]
    assert publish(rows, "public").height == 0


def test_the_monthly_follow_up_table_is_never_released():
    rows = release(row("S1_baux", "EPCI", EPCI, 40, modalite="mois=2026-07"), row("N", "EPCI", EPCI, 40))
    for audience in AUDIENCES:
        assert publish(rows, audience)["indicateur"].to_list() == ["N"]


def test_sensitive_attributes_are_published_at_epci_level_only_for_the_public():
    rows = release(
        *epci_and_communes("N", {"A": 20, "B": 30, "C": 40}, modalite="prioritaire=OUI"),
        share("X", "EPCI", EPCI, 20, 90),
        share("X", "COMMUNE", "A", 12, 20),
    )
    public = publish(rows, "public")
    assert public["niveau_geo"].unique().to_list() == ["EPCI"]
    assert publish(rows, "cil").height == rows.height


def test_a_sensitive_share_of_zero_or_one_hundred_percent_is_secret_for_the_public():
    rows = release(
        share("X", "EPCI", EPCI, 0, 90),
        share("X", "BAILLEUR", "b1", 30, 30),
        share("Q1", "BAILLEUR", "b1", 0, 30, modalite="reservataire=COLTER"),
    )
    public = publish(rows, "public")
    assert status(public, "X", EPCI) == "secret"
    assert status(public, "Q1", "b1", "reservataire=COLTER") == "ok"  # a quota, public under the thresholds
    assert status(publish(rows, "cil"), "X", EPCI) == "ok"


def test_a_commune_of_a_multi_commune_sector_falls_back_to_its_sector_for_the_public():
    rows = release(
        *epci_and_communes("N", {"A": 50, "P1": 30, "P2": 20}),
        row("N", "SECTEUR", "PETITES", 50),
    )
    public = publish(rows, "public")
    assert set(public["code_geo"]) == {EPCI, "A", "PETITES"}
    assert set(public["statut"]) == {"ok"}
    assert set(publish(rows, "cil")["code_geo"]) == {EPCI, "A", "P1", "P2", "PETITES"}


# --- secondary suppression -------------------------------------------------------------------------------


def test_a_single_hidden_commune_gets_a_complement_so_the_epci_total_does_not_reveal_it():
    rows = release(*epci_and_communes("N", {"A": 3, "B": 30, "C": 27}))
    out = publish(rows, "cil")
    assert [status(out, "N", c) for c in (EPCI, "A", "B", "C")] == ["ok", "secret", "ok", "secret"]


def test_hidden_cells_of_a_relation_sum_to_at_least_the_threshold():
    # A (1) and B (2) are hidden for being small; together 3 < 5, so C, the smallest published, joins them
    rows = release(*epci_and_communes("N", {"A": 1, "B": 2, "C": 27, "P1": 40}))
    out = publish(rows, "cil")
    assert [status(out, "N", c) for c in ("A", "B", "C", "P1")] == ["secret", "secret", "secret", "ok"]


def test_each_small_cell_has_other_hidden_cells_worth_the_threshold_beside_it():
    # A (3) and B (4) sum to 7 ≥ 5, but beside B, A leaves only 3 to hide it: C, the smallest published, joins
    rows = release(*epci_and_communes("N", {"A": 3, "B": 4, "C": 27, "P1": 40}))
    out = publish(rows, "cil")
    assert [status(out, "N", c) for c in ("A", "B", "C", "P1")] == ["secret", "secret", "secret", "ok"]


def test_a_hidden_commune_is_protected_inside_its_typologies_too():
    rows = release(
        *epci_and_communes("N", {"A": 40, "B": 30}),
        row("N", "COMMUNE", "A", 2, modalite="typologie=T1"),
        row("N", "COMMUNE", "A", 38, modalite="typologie=T2"),
    )
    out = publish(rows, "cil")
    # T1 hidden; T2 alone would give it away from A's total: T2 is hidden too
    assert status(out, "N", "A", "typologie=T1") == "secret" and status(out, "N", "A", "typologie=T2") == "secret"


def test_a_count_hidden_in_one_row_is_hidden_where_it_recurs():
    # C's count (27) is a complement; it recurs as the denominator of S at C: S at C is hidden too
    rows = release(
        *epci_and_communes("N", {"A": 3, "B": 30, "C": 27}),
        share("S", "COMMUNE", "C", 10, 27),
        share("S", "COMMUNE", "B", 10, 30),
    )
    out = publish(rows, "cil")
    assert status(out, "N", "C") == "secret" and status(out, "S", "C") == "secret"
    assert status(out, "S", "B") == "ok"


def test_a_window_longer_than_the_quarter_bounds_a_hidden_quarter_count():
    # the quarter's 2 is hidden; the R4Q's 6 would pin it within [0, 6]: narrower than the public's 11
    rows = release(row("N", "EPCI", EPCI, 2), row("N_r4q", "EPCI", EPCI, PUBLIC - 5))
    assert set(publish(rows, "public")["statut"]) == {"secret"}


def test_a_longer_window_whose_cells_are_all_published_asks_for_no_complement():
    # T1 (3) is hidden and T2 (27) is its complement; the quarter's 30 stays, though the R4Q's 100 holds it
    rows = release(
        row("N", "EPCI", EPCI, 30),
        row("N_r4q", "EPCI", EPCI, 100),
        row("N", "EPCI", EPCI, 3, modalite="typologie=T1"),
        row("N", "EPCI", EPCI, 27, modalite="typologie=T2"),
    )
    out = publish(rows, "cil")
    assert [status(out, "N", EPCI, m) for m in ("ensemble", "typologie=T1", "typologie=T2")] == [
        "ok",
        "secret",
        "secret",
    ]
    assert status(out, "N_r4q", EPCI) == "ok"


def test_the_outcomes_of_a_share_sum_to_their_common_denominator():
    # C1 by decision has no row without it: its numerators sum to the candidates examined (40), which every
    # row shows; the small one (3) gets another outcome hidden beside it
    rows = release(
        share("C1", "EPCI", EPCI, 3, 40, modalite="decision=ATTRIBUTION"),
        share("C1", "EPCI", EPCI, 12, 40, modalite="decision=NON_ATTRIBUTION"),
        share("C1", "EPCI", EPCI, 25, 40, modalite="decision=REFUS"),
    )
    out = publish(rows, "public")
    decisions = ("ATTRIBUTION", "NON_ATTRIBUTION", "REFUS")
    assert [status(out, "C1", EPCI, f"decision={d}") for d in decisions] == ["secret", "secret", "ok"]


def test_relations_that_do_not_hold_on_the_release_are_dropped():
    rows = release(row("N", "EPCI", EPCI, 100), row("N", "COMMUNE", "A", 3), row("N", "COMMUNE", "B", 30))
    r = rows.with_row_index("_id").join(CATALOGUE, on="indicateur")
    verdict = check(candidates(cells(r), COMMUNES, IDENTITIES))
    assert verdict["holds"].to_list() == [False]
    # EPCI ≠ Σ communes here: hiding A needs no complement
    assert [status(publish(rows, "cil"), "N", c) for c in (EPCI, "A", "B")] == ["ok", "secret", "ok"]


def test_counts_are_numbered_by_their_key_whatever_the_rows_order():
    # the LP check's variables follow the class numbers: a vertex, hence the complements, must not depend on
    # the order DuckDB returns the rows in (it did on the demo's release before cells were numbered by key)
    rows = release(
        *epci_and_communes("N", {"A": 3, "B": 30, "C": 27}),
        share("S", "COMMUNE", "C", 10, 27),
        share("S", "COMMUNE", "B", 10, 30),
    )

    def numbered(rows: pl.DataFrame) -> dict[tuple, int]:
        r = rows.with_row_index("_id").join(CATALOGUE, on="indicateur")
        c = cells(r)
        members = candidates(c, COMMUNES, IDENTITIES)
        c, _ = classes(c, members.join(check(members).filter("holds"), on="rel"))
        return {
            (i, sig, comp): cls for i, sig, comp, cls in c.select("indicateur", "sig", "composante", "cls").iter_rows()
        }

    assert numbered(rows) == numbered(rows.reverse())


def test_a_cut_is_protected_wherever_it_holds_a_total_guessed_from_another_indicator_only_if_always():
    # EPCI = Σ communes fails for T1 (commune C is missing) and holds for T2 (C has none there): a reader who
    # knows C had no T2 may use it. B's bands have no total of their own: N's count is guessed as theirs, and
    # it holds at the EPCI but not at A, so it is never the rule.
    rows = release(
        row("N", "EPCI", EPCI, 50, modalite="typologie=T1"),
        row("N", "EPCI", EPCI, 40, modalite="typologie=T2"),
        *[row("N", "COMMUNE", c, 20, modalite=f"typologie={t}") for c in ("A", "B") for t in ("T1", "T2")],
        row("N", "EPCI", EPCI, 30),
        row("N", "COMMUNE", "A", 20),
        *[row("B", "EPCI", EPCI, v, modalite=f"tranche={i}") for i, v in enumerate((10, 20), 1)],
        *[row("B", "COMMUNE", "A", v, modalite=f"tranche={i}") for i, v in enumerate((5, 5), 1)],
    )
    r = rows.with_row_index("_id").join(CATALOGUE, on="indicateur")
    verdict = check(candidates(cells(r), COMMUNES, IDENTITIES)).sort("rel")
    holds = dict(zip(verdict["rel"], verdict["holds"], strict=True))
    assert (
        holds["cut|N|valeur|N|valeur|commune|typologie=T2"] and not holds["cut|N|valeur|N|valeur|commune|typologie=T1"]
    )
    assert not any(h for rel, h in holds.items() if rel.startswith("croise|B|valeur|N"))
    assert any(rel.startswith("croise|B|valeur|N") for rel in holds)


# --- on a generated territory ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def last_release(warehouse):
    """(rows of the last quarter, catalogue, communes) of the session's small territory after the main job."""
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.sql(
            "select * from marts.fct_indicateurs where (annee, trimestre) = "
            "(select max((annee, trimestre)) from marts.fct_indicateurs)"
        ).pl()
        return (rows, *read_reference(con))
    finally:
        con.close()


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_published_household_count_is_between_one_and_the_audience_threshold(last_release, audience):
    rows, catalogue, communes = last_release
    out = publishable(rows, audience, SETTINGS, catalogue, communes).join(catalogue, on="indicateur")
    threshold = CIL if audience == "cil" else PUBLIC
    households = out.filter((pl.col("compte_de") != "logements") & (pl.col("nature") == "compte"))
    assert households.filter(pl.col("valeur").is_between(1, threshold, closed="left")).height == 0
    secret = out.filter(pl.col("statut") == "secret")
    assert secret.height > 0
    assert (
        secret.select(pl.any_horizontal(pl.col("valeur", "numerateur", "denominateur").is_not_null()).any()).item()
        is False
    )
    assert out.columns[: len(rows.columns)] == rows.columns


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_row_over_no_observation_is_hidden_unless_a_positive_count_of_its_own_is(last_release, audience):
    """Such a row stays `non_calculable` when hidden: hidden for a zero, it would give that zero away."""
    rows, catalogue, communes = last_release
    state = hidden_rows(rows, audience, SETTINGS, catalogue, communes)
    over_none = (pl.col("statut") == "non_calculable") & (pl.col("denominateur") == 0)
    told = rows.with_row_index("_id").join(state, on="_id").filter(over_none, "_hidden", ~pl.col("_out"))
    assert told.filter(~(pl.col("numerateur") > 0)).height == 0
    assert rows.filter(over_none).height > 0


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_relation_is_left_with_a_single_hidden_count_that_another_could_protect(last_release, audience):
    rows, catalogue, communes = last_release
    identities = read_identities()
    state = hidden_rows(rows, audience, SETTINGS, catalogue, communes, identities)
    r = rows.with_row_index("_id").join(catalogue, on="indicateur", how="left")
    c = cells(r)
    members = candidates(c, communes, identities)
    members = members.join(check(members).filter("holds"), on="rel")
    c, between = classes(c, members)
    # a count is published when a row the audience receives shows it
    seen = (
        c.join(state, on="_id")
        .group_by("cls")
        .agg(
            shown=(~pl.col("_hidden")).any(), locked=(pl.col("_locked") & ~pl.col("_out")).any(), v=pl.col("v").first()
        )
    )
    seen = seen.with_columns(locked=pl.col("cls").is_in(_known_anyway(between, seen).implode()))
    per = (
        between.join(seen, on="cls")
        .group_by("rel")
        .agg(
            hidden=(~pl.col("shown")).sum(),
            free=(pl.col("shown") & ~pl.col("locked") & (pl.col("v") > 0)).sum(),
            reste=pl.col("reste").first(),
        )
    )
    # the unpublished earlier quarters of a window are one more unknown (docs/confidentialite.md)
    assert per.filter((pl.col("hidden") == 1) & (pl.col("reste") == 0) & (pl.col("free") > 0)).height == 0
    assert state["_primary"].sum() > 0 and state["_hidden"].sum() > state["_primary"].sum()


def _known_anyway(between: pl.DataFrame, seen: pl.DataFrame) -> pl.Series:
    """The counts a reader knows whatever is hidden: the never-masked rows', the zeros (never hidden for
    another's sake, often told by a statut), and, until nothing changes, the count alone unknown in a relation."""
    known = seen.filter(pl.col("locked") | (pl.col("v") == 0))["cls"]
    while True:
        unknown = between.filter(pl.col("reste") == 0, ~pl.col("cls").is_in(known.implode()))
        alone = unknown.filter(pl.len().over("rel") == 1)["cls"].unique()
        if alone.is_empty():
            return known
        known = pl.concat([known, alone])


def test_the_sector_rows_sum_their_communes_and_protect_them_with_the_epci(last_release):
    """The indicators published per commune have SECTEUR rows (issue 12): each is a relation sector = Σ its
    communes that holds, and the EPCI = Σ sectors (a commune that is its own sector standing in for it), the
    relations the secondary suppression keeps."""
    rows, catalogue, communes = last_release
    r = rows.with_row_index("_id").join(catalogue, on="indicateur", how="left")
    checked = check(candidates(cells(r), communes, read_identities()))
    # a cut's relation is named `cut|indicateur|composante|total's indicateur|total's composante|cut|...`
    name = pl.col("rel").str.split("|")
    checked = checked.filter(name.list.get(0) == "cut").with_columns(indicateur=name.list.get(1), cut=name.list.get(5))
    within = checked.filter(pl.col("cut") == "commune>secteur")
    assert within["holds"].all(), within.filter(~pl.col("holds"))
    for cut in ("commune>secteur", "secteur"):
        held = set(checked.filter((pl.col("cut") == cut) & pl.col("holds"))["indicateur"])
        # (the fixture's four months cover no R4Q window: D5_r4q, D6 and D8 have no counts to sum there)
        assert {"D1", "D4", "D7_part_5ans", "P4", "P4_demandes_pour_100"} <= held, cut


def test_same_table_hides_same_cells(last_release):
    rows, catalogue, communes = last_release
    key = ["niveau_geo", "code_geo", "indicateur", "modalite"]
    first = publishable(rows, "public", SETTINGS, catalogue, communes).sort(key)
    again = publishable(rows.reverse(), "public", SETTINGS, catalogue, communes).sort(key)
    assert first.equals(again)


def test_only_the_stock_s_indicators_count_dwellings_that_are_never_masked():
    """A dwelling count is public in RPLS; what a household did in a dwelling (refused its rank-1 offer) is
    not: C2_rang1 counts offers, masked like households."""
    from expectations.catalogue import catalogue

    dwellings = {i.indicateur for i in catalogue() if i.compte_de == "logements"}
    assert all(i.startswith(("P", "R1_")) for i in dwellings), sorted(dwellings)

"""The Aalen–Johansen estimator of the chance of being housed (assets/survie.py): agreement with lifelines on
shared data, exact handling of ties, and validation on simulated spells with known constant hazards."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from assets.survie import (
    ATTRIBUTION,
    AUTRE_SORTIE,
    CENSURE,
    JOURS_PAR_MOIS,
    aalen_johansen,
    indicateurs_h1,
    parcours_connus,
)

REFERENCE = Path(__file__).parents[1] / "fixtures" / "survie" / "reference_lifelines.json"
HORIZONS = np.array([12.0, 24.0, 36.0, 60.0])  # 1, 2, 3 and 5 years, in months
L1, L2 = 0.02, 0.012  # monthly hazards of attribution and of the other exits


def vraie_incidence(t) -> np.ndarray:
    return L1 / (L1 + L2) * (1 - np.exp(-(L1 + L2) * np.asarray(t, dtype=float)))


def simuler(rng, n: int, anciennete: float, histoire: float, taux_censure: float = 0.005):
    """n spells seen by a history of `histoire` months starting at 0 (the first extraction); deposits are
    uniform from `anciennete` months before it. A spell deposited earlier is seen only if still waiting at 0, and
    enters then; every spell is censored at the last extraction, or earlier at an independent random time."""
    depot = rng.uniform(-anciennete, histoire, 4 * n)
    sortie = rng.exponential(1 / (L1 + L2), 4 * n)
    vu = depot + sortie >= 0
    depot, sortie = depot[vu][:n], sortie[vu][:n]
    assert depot.size == n
    entree = np.maximum(0.0, -depot)
    censure = np.minimum(histoire - depot, entree + rng.exponential(1 / taux_censure, n))
    cause = np.where(rng.random(n) < L1 / (L1 + L2), ATTRIBUTION, AUTRE_SORTIE)
    return np.minimum(sortie, censure), np.where(sortie <= censure, cause, CENSURE), entree


SCENARIOS = {"sans_entree_retardee": (0.0, 120.0), "avec_entree_retardee": (120.0, 36.0)}


@pytest.mark.parametrize("cas", ["sans_entree", "avec_entree", "avec_entree_forte_censure"])
def test_curve_variance_and_band_equal_lifelines_on_shared_data(cas):
    data = json.loads(REFERENCE.read_text())["cas"][cas]
    attendu = data["attendu"]
    courbe = aalen_johansen(data["duree"], data["evenement"], data.get("entree"))
    np.testing.assert_array_equal(courbe.temps, attendu["temps"])
    np.testing.assert_allclose(courbe.cif, attendu["cif"], rtol=0, atol=1e-9)
    for champ in ("variance", "bas", "haut"):
        ref = np.asarray(attendu[champ], dtype=float)
        defini = np.isfinite(ref)
        np.testing.assert_allclose(getattr(courbe, champ)[defini], ref[defini], rtol=0, atol=1e-9)
    # lifelines has no variance where every spell at risk leaves (0/0): only the last time, when all exit
    sans_variance = np.flatnonzero(~np.isfinite(np.asarray(attendu["variance"], dtype=float)))
    assert set(sans_variance) <= {courbe.temps.size - 1}
    # nor a band where F is 0 (log(-log 0)): the estimate there has no variance, its band is [0, 0]
    sans_bande = ~np.isfinite(np.asarray(attendu["bas"], dtype=float))
    sans_bande[sans_variance] = False
    assert np.all(courbe.cif[sans_bande] == 0) and np.all(courbe.haut[sans_bande] == 0)


def test_tied_exits_of_both_kinds_are_processed_together():
    # 4 at risk at month 1: one attribution and one other exit the same day, then one attribution at month 2
    courbe = aalen_johansen([1, 1, 2, 3], [ATTRIBUTION, AUTRE_SORTIE, ATTRIBUTION, CENSURE])
    cif, _, _ = courbe.au_temps([0.5, 1, 2, 3])
    np.testing.assert_allclose(cif, [0, 1 / 4, 1 / 4 + 1 / 2 * 1 / 2, 1 / 2], atol=1e-15)


def test_result_does_not_depend_on_row_order_with_ties():
    rng = np.random.default_rng(7)
    duree = rng.integers(1, 40, 300).astype(float)
    entree = np.minimum(duree, rng.integers(0, 10, 300))
    evenement = rng.choice([CENSURE, ATTRIBUTION, AUTRE_SORTIE], 300)
    a = aalen_johansen(duree, evenement, entree)
    ordre = rng.permutation(300)
    b = aalen_johansen(duree[ordre], evenement[ordre], entree[ordre])
    for champ in ("temps", "cif", "variance", "bas", "haut"):
        np.testing.assert_array_equal(getattr(a, champ), getattr(b, champ))


def test_a_spell_leaving_the_day_it_enters_is_at_risk():
    courbe = aalen_johansen([5.0, 8.0], [ATTRIBUTION, CENSURE], entree=[5.0, 0.0])
    assert courbe.au_temps(5.0)[0] == pytest.approx(1 / 2)


def test_curve_is_unknown_beyond_the_last_observed_time_and_may_never_reach_half():
    courbe = aalen_johansen([1, 2, 3, 4], [ATTRIBUTION, AUTRE_SORTIE, AUTRE_SORTIE, CENSURE])
    cif, bas, haut = courbe.au_temps([4, 5])
    assert cif[0] == pytest.approx(1 / 4) and np.isnan(cif[1]) and np.isnan(bas[1]) and np.isnan(haut[1])
    assert courbe.premier_passage(0.5) is None
    assert courbe.premier_passage(0.25) == 1


def test_entry_after_exit_is_refused():
    with pytest.raises(ValueError, match="entrée"):
        aalen_johansen([3.0], [ATTRIBUTION], entree=[4.0])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_band_covers_the_closed_form_in_at_least_90_percent_of_200_samples(scenario):
    rng = np.random.default_rng(2026)
    vrai = vraie_incidence(HORIZONS)
    couvert = np.zeros(HORIZONS.size)
    for _ in range(200):
        duree, evenement, entree = simuler(rng, 1000, *SCENARIOS[scenario])
        _, bas, haut = aalen_johansen(duree, evenement, entree).au_temps(HORIZONS)
        couvert += (bas <= vrai) & (vrai <= haut)
    assert np.all(couvert / 200 >= 0.90), couvert / 200


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_error_at_1_2_3_5_years_is_under_2_points_with_20000_spells(scenario):
    duree, evenement, entree = simuler(np.random.default_rng(14), 20_000, *SCENARIOS[scenario])
    courbe = aalen_johansen(duree, evenement, entree)
    cif, _, _ = courbe.au_temps(HORIZONS)
    assert np.max(np.abs(cif - vraie_incidence(HORIZONS))) < 0.02
    # the curve crosses 50 % where the closed form does (50.3 months), within two months
    mediane = -np.log(1 - 0.5 * (L1 + L2) / L1) / (L1 + L2)
    assert courbe.premier_passage(0.5) == pytest.approx(mediane, abs=2)


def test_ignoring_delayed_entry_underestimates_the_chance_of_being_housed():
    duree, evenement, entree = simuler(np.random.default_rng(14), 20_000, *SCENARIOS["avec_entree_retardee"])
    juste, _, _ = aalen_johansen(duree, evenement, entree).au_temps(HORIZONS)
    naif, _, _ = aalen_johansen(duree, evenement).au_temps(HORIZONS)
    vrai = vraie_incidence(HORIZONS)
    assert np.max(np.abs(juste - vrai)) < 0.02
    # old demands counted from their deposit fill the early risk set with survivors: every point falls short
    assert np.all(naif < vrai - 0.05), naif - vrai


ORIGINE, T = date(2023, 1, 31), date(2025, 12, 31)


def test_spells_known_at_t_enter_at_their_age_at_the_first_extraction():
    parcours = pl.DataFrame(
        {
            "id": ["ancienne", "recente", "avant", "apres_t", "disparue", "future"],
            "date_depot": [
                date(2020, 1, 31),
                date(2024, 3, 1),
                date(2019, 5, 1),
                date(2025, 6, 1),
                date(2023, 6, 1),
                date(2026, 1, 15),
            ],
            "date_fin": [date(2024, 1, 31), None, date(2022, 12, 1), date(2026, 2, 1), None, None],
            "statut": ["attribuee", "active", "radiee", "attribuee", "sortie_sans_radiation", "active"],
            "derniere_extraction": [
                date(2023, 12, 31),
                date(2026, 2, 28),
                None,
                date(2026, 1, 31),
                date(2024, 5, 31),
                date(2026, 2, 28),
            ],
        }
    )
    connus = {r["id"]: r for r in parcours_connus(parcours, ORIGINE, T).iter_rows(named=True)}
    # ended before the history began: never seen at risk; deposited after t: not known at t
    assert sorted(connus) == ["ancienne", "apres_t", "disparue", "recente"]
    a = connus["ancienne"]
    assert a["entree"] == pytest.approx(1096 / JOURS_PAR_MOIS) and a["duree"] == pytest.approx(1461 / JOURS_PAR_MOIS)
    assert a["evenement"] == ATTRIBUTION
    assert connus["recente"]["entree"] == 0 and connus["recente"]["evenement"] == CENSURE
    assert connus["recente"]["duree"] == pytest.approx(670 / JOURS_PAR_MOIS)  # censored at t
    # attributed after t: still waiting at t
    assert connus["apres_t"]["evenement"] == CENSURE and connus["apres_t"]["duree"] == pytest.approx(
        213 / JOURS_PAR_MOIS
    )
    # gone from the snapshots without a radiation: censored when last seen
    assert connus["disparue"]["evenement"] == CENSURE and connus["disparue"]["duree"] == pytest.approx(
        365 / JOURS_PAR_MOIS
    )


def _parcours_simules(n: int, commune: str, secteur: str | None, typologie: str, prioritaire: str, seed: int):
    duree, evenement, entree = simuler(np.random.default_rng(seed), n, *SCENARIOS["avec_entree_retardee"])
    return pl.DataFrame({"duree": duree, "evenement": evenement, "entree": entree}).with_columns(
        commune=pl.lit(commune),
        secteur=pl.lit(secteur, dtype=pl.String),
        typologie=pl.lit(typologie),
        prioritaire=pl.lit(prioritaire),
    )


def test_h1_facts_read_each_cut_s_own_curve():
    grande = _parcours_simules(3000, "06152", None, "T2", "NON", seed=1)
    petite = _parcours_simules(400, "06004", "S1", "T3", "OUI", seed=2)
    faits = indicateurs_h1(pl.concat([grande, petite]))
    cle = ["decoupage", "commune", "secteur", "typologie", "prioritaire"]
    assert faits.select(cle).unique().sort(cle, nulls_last=True).rows() == [
        ("commune:typologie", "06004", None, "T3", None),
        ("commune:typologie", "06152", None, "T2", None),
        ("epci", None, None, None, None),
        ("epci:prioritaire", None, None, None, "NON"),
        ("epci:prioritaire", None, None, None, "OUI"),
        ("secteur:typologie", None, "S1", "T3", None),  # a commune that is its own sector has no sector fact
    ]
    assert faits.group_by(cle).len()["len"].to_list() == [13] * 6  # 4 horizons x (value, bounds) + delai_50

    def fait(decoupage, indicateur, **cles):
        return faits.filter(decoupage=decoupage, indicateur=indicateur, **cles).row(0, named=True)

    petite_courbe = aalen_johansen(petite["duree"], petite["evenement"], petite["entree"])
    cif, bas, haut = petite_courbe.au_temps([24.0])
    assert fait("secteur:typologie", "H1_2ans", secteur="S1")["x"] == cif[0]
    assert fait("commune:typologie", "H1_2ans_bas", commune="06004")["x"] == bas[0]
    assert fait("epci:prioritaire", "H1_2ans_haut", prioritaire="OUI")["x"] == haut[0]
    assert fait("commune:typologie", "H1_1an", commune="06004")["den"] == 400
    assert fait("commune:typologie", "H1_1an", commune="06004")["num"] == (petite["evenement"] == ATTRIBUTION).sum()
    tout = aalen_johansen(*(pl.concat([grande, petite])[c].to_numpy() for c in ("duree", "evenement", "entree")))
    ensemble = fait("epci", "H1_5ans")
    assert ensemble["x"] == tout.au_temps([60.0])[0][0] and ensemble["raison"] is None
    assert abs(ensemble["x"] - vraie_incidence(60)) < 0.02
    assert fait("epci", "H1_delai_50")["x"] == tout.premier_passage(0.5)


def test_h1_points_beyond_the_horizon_and_a_curve_below_half_are_not_computable():
    courts = pl.DataFrame(
        {
            "duree": [3.0, 6.0, 9.0, 18.0],
            "entree": [0.0] * 4,
            "evenement": [ATTRIBUTION, AUTRE_SORTIE, AUTRE_SORTIE, CENSURE],
            "commune": ["06004"] * 4,
            "secteur": [None] * 4,
            "typologie": ["T2"] * 4,
            "prioritaire": ["NON"] * 4,
        },
        schema_overrides={"secteur": pl.String},
    )
    faits = indicateurs_h1(courts).filter(decoupage="epci")
    raison = dict(zip(faits["indicateur"], faits["raison"], strict=True))
    assert raison["H1_1an"] is None and faits.filter(indicateur="H1_1an")["x"][0] == pytest.approx(1 / 4)
    assert raison["H1_2ans"] == raison["H1_5ans_haut"] == "horizon_non_observe"
    assert raison["H1_delai_50"] == "seuil_50_non_atteint"

"""The Aalen–Johansen estimator of the chance of being housed (assets/survie.py): agreement with lifelines on
shared data, exact handling of ties, and validation on simulated spells with known constant hazards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assets.survie import ATTRIBUTION, AUTRE_SORTIE, CENSURE, aalen_johansen

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

"""The brief's projection arithmetic (dashboards/projection.py) on numbers computed by hand."""

from __future__ import annotations

import pytest

from dashboards.projection import Profil, Ratio, ajoute, q3_ensemble, quotas_projetes, repartir, tension

# A réservataire that let 90 dwellings over the window: 45 to priority households, 20 of the 80 whose quartile
# is known (or rehoused under urban renewal) to the 1st quartile, 60 of 80 to quartiles 2–4.
PROFIL = Profil(q1=Ratio(45, 90), q2=Ratio(20, 80), q3=Ratio(60, 80))
OBSERVE = {"Q1": Ratio(10, 40), "Q2": Ratio(6, 30), "Q3": Ratio(8, 20)}


def test_a_typology_mix_is_apportioned_by_the_largest_remainder():
    assert repartir(10, {"T2": 3, "T3": 5, "T4": 2}) == {"T2": 3, "T3": 5, "T4": 2}
    # 1.43, 2.86, 5.71 → 1, 2, 5 and the two largest remainders (T2 .86, T3 .71) get one more
    assert repartir(10, {"T1": 1, "T2": 2, "T3": 4}) == {"T1": 1, "T2": 3, "T3": 6}
    assert repartir(7, {"T2": 1, "T3": 1, "T4": 1}) == {"T2": 3, "T3": 2, "T4": 2}  # a tie: the first key
    assert repartir(5, {}) == {} and repartir(0, {"T2": 1}) == {}


def test_outside_qpv_the_lettings_move_q1_and_q2_at_the_reservataires_observed_shares():
    got = quotas_projetes(OBSERVE, PROFIL, 10, qpv=False)
    assert got["Q1"] == Ratio(15, 50) and got["Q1"].value == pytest.approx(0.30)  # (10 + 10 × 0.5) ÷ 50
    assert got["Q2"] == Ratio(8.5, 40) and got["Q2"].value == pytest.approx(0.2125)  # (6 + 10 × 0.25) ÷ 40
    assert got["Q3"] == Ratio(8, 20)  # Q3 counts lettings in QPV only


def test_in_qpv_the_lettings_move_q1_and_q3_and_leave_q2():
    got = quotas_projetes(OBSERVE, PROFIL, 10, qpv=True)
    assert got["Q1"] == Ratio(15, 50)
    assert got["Q2"] == Ratio(6, 30)
    assert got["Q3"].value == pytest.approx(15.5 / 30)  # (8 + 10 × 0.75) ÷ 30


def test_no_letting_leaves_the_observed_quota_and_an_unknown_profile_gives_no_projection():
    assert ajoute(Ratio(3, 4), 0, None) == Ratio(3, 4)
    assert ajoute(Ratio(3, 4), 2, None) is None
    assert Ratio(0, 0).value is None


def test_the_q3_of_a_whole_adds_each_reservataires_lettings_at_its_own_share():
    profils = {
        "PPRIOR": Profil(Ratio(1, 1), Ratio(1, 2), Ratio(1, 2)),
        "COLACT": Profil(PROFIL.q1, PROFIL.q2, Ratio(4, 4)),
    }
    assert q3_ensemble(Ratio(8, 20), {"PPRIOR": 4, "COLACT": 6}, profils, qpv=True) == Ratio(16, 30)  # 8 + 2 + 6
    assert q3_ensemble(Ratio(8, 20), {"PPRIOR": 4, "COLACT": 6}, profils, qpv=False) == Ratio(8, 20)
    assert q3_ensemble(Ratio(8, 20), {"AUTRES": 1}, profils, qpv=True) is None


def test_the_tension_after_delivery_adds_the_first_lettings_to_the_years_attributions():
    assert tension(120, 30 / 3) == pytest.approx(12.0)
    assert tension(120, 30 / 3, livres=2) == pytest.approx(10.0)
    assert tension(5, 0) is None and tension(5, 0, livres=5) == 1.0

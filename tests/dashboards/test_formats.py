"""French formats (dashboards/formats.py) on values whose writing is known."""

from __future__ import annotations

import datetime as dt

from dashboards.formats import date_longue, evolution, nombre, pourcent, trimestre

N = "\u202f"


def test_numbers_are_written_the_french_way():
    assert nombre(1234.5, 1) == f"1{N}234,5"
    assert nombre(1234567) == f"1{N}234{N}567"
    assert nombre(0.25, 2) == "0,25"
    assert nombre(-3.25, 1) == "-3,2"  # round half to even, as Python formats


def test_shares_are_percentages_with_a_no_break_space():
    assert pourcent(0.125) == f"12,5{N}%"
    assert pourcent(1.0, 0) == f"100{N}%"


def test_a_quarter_and_a_date_read_as_in_french_text():
    assert trimestre(2026, 3) == f"T3{N}2026"
    assert date_longue(dt.date(2026, 10, 1)) == "1er octobre 2026"
    assert date_longue(dt.date(2026, 3, 31)) == "31 mars 2026"


def test_a_change_is_told_in_words_and_not_from_zero():
    assert evolution(100, 104) == f"augmenté de 4{N}%"
    assert evolution(250, 220) == f"baissé de 12{N}%"
    assert evolution(1000, 1005) == "peu changé"
    assert evolution(0, 12) is None


def test_a_place_takes_its_article_after_de():
    from dashboards.formats import de_lieu

    assert de_lieu("Antibes") == "d'Antibes"
    assert de_lieu("Le Bar-sur-Loup") == "du Bar-sur-Loup"
    assert de_lieu("Les Ferres") == "des Ferres"
    assert de_lieu("La Colle-sur-Loup") == "de La Colle-sur-Loup"
    assert de_lieu("Valbonne") == "de Valbonne"


def test_share_axes_read_10_percent_with_a_space_up_to_their_target():
    from dashboards.blocks import bars, lines, target_line
    from dashboards.theme import percent_ticks

    fig = percent_ticks(target_line(lines(["T1", "T2"], {"Q1": [0.04, 0.11]}, share=True), 0.25, "objectif"))
    assert fig.layout.yaxis.tickformat is None
    assert fig.layout.yaxis.ticktext[:3] == ("0" + N + "%", "5" + N + "%", "10" + N + "%")
    assert fig.layout.yaxis.tickvals[-1] >= 0.25  # the target is on the scale
    flat = percent_ticks(bars(["A", "B"], {"part": [0.3, None]}, horizontal=True, share=True))
    assert f"30{N}%" in flat.layout.xaxis.ticktext and flat.layout.yaxis.ticktext is None
    counts = percent_ticks(bars(["A"], {"n": [12]}))
    assert counts.layout.yaxis.tickvals is None


def test_a_history_names_each_year_once_under_its_first_quarter():
    from dashboards.blocks import quarter_ticks
    from dashboards.formats import trimestre

    periods = [trimestre(2025, 3), trimestre(2025, 4), trimestre(2026, 1), trimestre(2026, 2)]
    assert quarter_ticks(periods) == ["T3<br>2025", "T4", "T1<br>2026", "T2"]

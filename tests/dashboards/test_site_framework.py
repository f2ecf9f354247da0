"""The pieces every page is made of, on hand-made rows: a secret figure is marked and explained, series
are told apart without colour, a chart is a figure with its caption, summary, source, method and a CSV
table in the French Excel dialect, and the home page's key figures say their change over a year."""

from __future__ import annotations

import html
import re

import polars as pl

from dashboards.blocks import Chart, bars, lines, status_text, with_status
from dashboards.pages import accueil
from dashboards.pages.common import change_words, finding, history_chart
from dashboards.render import Page, Section, csv_bytes, write_page
from tests.dashboards.sitedata import catalogue, row, site_data

CAT = catalogue(("D1", "compte", "sne_demandes"), ("C2", "part", "cal"), ("D6", "ratio", "sne_demandes cal"))


def test_a_secret_or_not_computable_bar_is_marked_on_the_axis_never_left_as_a_silent_gap():
    fig = bars(["A", "B", "C"], {"demandes": [12, None, None]}, {"demandes": ["ok", "secret", "non_calculable"]})
    assert list(fig.data[0].text) == ["", "s", "nc"]
    # an empty bar carries the mark in its slot (plotly.js writes no text on a null), its hover says why
    assert list(fig.data[0].y) == [12, 0, 0]
    assert list(fig.data[0].hovertext) == ["12", "secret statistique", "non calculable"]


def test_series_differ_by_pattern_or_dash_not_by_colour_alone():
    two = bars(["A"], {"un": [1], "deux": [2]})
    assert two.data[0].marker.pattern.shape != two.data[1].marker.pattern.shape
    hist = lines(["T1 2026", "T2 2026"], {"un": [1, 2], "deux": [2, 3]})
    assert hist.data[0].line.dash != hist.data[1].line.dash
    assert hist.data[0].marker.symbol != hist.data[1].marker.symbol


def test_a_secret_says_why_in_french_with_the_threshold():
    assert "moins de 11 ménages" in status_text("secret", "primaire", 11)
    assert "déduire par différence" in status_text("secret", "secondaire", 11)
    assert status_text("ok", None, 11) == ""
    assert status_text("non_calculable", None, 11).startswith("non calculable")
    frame = pl.DataFrame({"statut": ["ok", "secret"], "secret": [None, "primaire"]})
    assert with_status(frame, 5)["Statut"].to_list() == ["", status_text("secret", "primaire", 5)]


def test_changes_over_a_year_are_in_points_for_shares_and_in_percent_for_counts():
    assert change_words({"valeur": 0.40}, {"valeur": 0.43}, "part") == "a gagné 3,0 points en un an"
    assert change_words({"valeur": 0.40}, {"valeur": 0.39}, "part") == "a perdu 1,0 point en un an"
    assert change_words({"valeur": 100.0}, {"valeur": 104.0}, "compte") == "a augmenté de 4\u202f% en un an"
    assert change_words(None, {"valeur": 1.0}, "compte") is None
    assert change_words({"valeur": 1.0}, {"valeur": None}, "compte") is None
    assert finding("La demande", {"valeur": 100.0}, {"valeur": 104.0}, "compte") == (
        "La demande a augmenté de 4\u202f% en un an"
    )
    assert finding("La demande", None, {"valeur": 104.0}, "compte") == (
        "La demande : évolution sur un an non disponible"
    )


def test_the_source_line_gives_each_feed_s_last_extraction_dates():
    data = site_data([], CAT)
    line = data.source_line(["D6"])
    assert "SNE, demandes actives (fichier du 30 septembre 2026)" in line
    assert "retours de CAL des bailleurs (derniers fichiers du 31 août 2026 au 30 septembre 2026)" in line


def test_the_history_chart_title_states_the_change_over_a_year():
    rows = [row("D1", v, q=q) for v, q in ((1000, (2025, 3)), (1020, (2026, 2)), (1040, (2026, 3)))]
    chart = history_chart(site_data(rows, CAT), "h", {"demandes actives": "D1"}, "compte", "demandes")
    assert chart.title == "Libellé D1 a augmenté de 4\u202f% en un an"
    assert chart.table["Trimestre"].to_list() == ["T3\u202f2025", "T2\u202f2026", "T3\u202f2026"]


def test_the_home_page_cards_say_value_and_change_and_link_to_their_page():
    rows = [row("D1", 1000, q=(2025, 3)), row("D1", 1100), row("C2", None, statut="secret", secret="primaire")]
    data = site_data(rows, CAT)
    d1 = accueil.card(data, accueil.KeyFigure("D1", "Demandes actives", "demande.html#x", "compte"))
    assert d1 == {"label": "Demandes actives", "href": "demande.html#x", "value": "1\u202f100",
                  "change": "a augmenté de 10\u202f% en un an"}  # fmt: skip
    c2 = accueil.card(data, accueil.KeyFigure("C2", "Refus", "commission.html#y", "part"))
    assert c2["value"] == "secret statistique"


def test_a_chart_is_a_figure_with_caption_summary_source_method_and_its_csv(tmp_path):
    table = pl.DataFrame({"Commune": ["Antibes", "Biot"], "Part (%)": [12.5, None], "Statut": ["", "secret"]})
    chart = Chart("c1", "La part a baissé", "part des refus, T3 2026", bars(["A"], {"x": [1]}), "Résumé.",
                  table, ["C2"])  # fmt: skip
    page = Page("essai.html", "Essai", "Intro", [Section("Une section", [chart])])
    common = dict(site_name="Obs", menu=[("essai.html", "Essai")], period="T3 2026", fin="30 septembre 2026", seuil=11)
    [page_path, csv_path] = write_page(page, tmp_path, common, lambda c: "Source : test.", lambda c: [
        {"libelle": "Refus", "definition": "Déf."}])  # fmt: skip
    text = page_path.read_text(encoding="utf-8")
    figure = re.search(r'<figure class="graphique" id="c1">.*?</figure>', text, re.S).group(0)
    assert re.search(r"<figcaption>\s*<h3>La part a baissé</h3>", figure)
    assert "Résumé." in figure and "Source : test." in figure and "<dd>Déf.</dd>" in figure
    assert '<a href="donnees/essai-c1.csv" download>' in figure
    assert "<td>12,5</td>" in html.unescape(figure)
    assert 'lang="fr"' in text and 'src="static/plotly.min.js"' in text
    assert csv_path == tmp_path / "donnees" / "essai-c1.csv"
    assert csv_path.read_bytes() == csv_bytes(table)
    assert csv_path.read_bytes().decode("utf-8") == "\ufeffCommune;Part (%);Statut\nAntibes;12,5;\nBiot;;secret\n"

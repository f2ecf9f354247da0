"""The map of the communes (dashboards/carte.py) on hand-made outlines and values whose drawing is known."""

from __future__ import annotations

import math

import polars as pl

from dashboards.carte import bounds, carte, class_labels, class_of, legend_words, outlines, path, rings

N = "\u202f"
SQUARE = [[0, 0], [0, 4], [4, 4], [4, 0], [0, 0]]  # clockwise: an outline given the wrong way round
HOLE = [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]  # counter-clockwise: a hole given the wrong way round
ISLAND = [[10, 0], [11, 0], [11, 1], [10, 1], [10, 0]]


def signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2


def shapes(*features):
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code_insee": code, "nom": code}, "geometry": geometry}
            for code, geometry in features
        ],
    }


def frame(rows):
    """(code_insee, nom, valeur, statut, url[, secteur]) rows: `secteur` names the sector whose figure a
    commune carries."""
    return pl.DataFrame(
        [(*r, None)[:6] for r in rows],
        schema={
            "code_insee": pl.String,
            "nom": pl.String,
            "valeur": pl.Float64,
            "statut": pl.String,
            "url": pl.String,
            "secteur": pl.String,
        },  # fmt: skip
        orient="row",
    )


def test_a_multipolygon_keeps_each_polygon_and_its_hole_turned_so_that_the_hole_stays_empty():
    geometry = {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [ISLAND]]}
    found = rings(geometry)
    assert len(found) == 3
    outline, hole, island = found
    assert signed_area(outline) == 16 and signed_area(island) == 1  # outlines counter-clockwise
    assert signed_area(hole) == -4  # the hole clockwise: non-zero winding leaves it unfilled
    xs, ys = path(geometry)
    assert xs.count(None) == ys.count(None) == 2  # three rings in one trace, separated by gaps
    assert len(xs) == 5 * 3 + 2


def test_coordinates_are_rounded_to_four_decimals():
    geometry = {
        "type": "Polygon",
        "coordinates": [[[7.123456, 43.654321], [7.2, 43.6], [7.1, 43.7], [7.123456, 43.654321]]],
    }  # noqa: E501
    xs, ys = path(geometry)
    assert xs[0] == 7.1235 and ys[0] == 43.6543


def test_classes_hold_about_as_many_communes_each_with_limits_rounded_down():
    values = [1, 2, 3, 4, 5, 6, 7, 8]
    assert bounds(values) == [3, 5, 7]
    assert [class_of(v, [3, 5, 7]) for v in values] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert bounds([8.2, 11.0, 15.7, 16.9, 17.3, 19.5, 19.6]) == [11, 16, 19]  # 16.9 → 16, 19.5 → 19
    assert bounds([4127, 179, 597]) == [590, 4100]  # three values, three classes: none left empty
    assert bounds([5.0]) == []


def test_the_legend_states_each_class_bounds_in_french():
    assert class_labels([1200, 4500], "compte") == [f"moins de 1{N}200", f"de 1{N}200 à moins de 4{N}500",
                                                    f"4{N}500 ou plus"]  # fmt: skip
    assert class_labels([0.05, 0.125], "part") == [f"moins de 5,0{N}%", f"de 5,0{N}% à moins de 12,5{N}%",
                                                   f"12,5{N}% ou plus"]  # fmt: skip
    assert class_labels([11.0, 16.0], "ratio") == ["moins de 11", "de 11 à moins de 16", "16 ou plus"]


def test_each_commune_is_a_filled_shape_that_links_to_its_page_and_names_its_value():
    outline = {"type": "Polygon", "coordinates": [SQUARE]}
    island = {"type": "MultiPolygon", "coordinates": [[SQUARE], [ISLAND]]}
    values = frame([
        ("A", "Antibes", 8.2, "ok", "commune-A.html"),
        ("B", "Biot", 15.7, "ok", "commune-B.html"),
        ("C", "Caussols", None, "non_calculable", "commune-C.html", "Petites communes"),
        ("D", "Opio", None, "secret", "commune-D.html"),
    ])  # fmt: skip
    fig = carte(shapes(("A", outline), ("B", island), ("C", outline), ("D", outline)), values, "ratio", "demandes")
    communes = [t for t in fig.data if t.customdata is not None]
    assert [t.name for t in communes] == ["Antibes", "Biot", "Caussols", "Opio"]
    for trace, code in zip(communes, "ABCD", strict=True):
        assert set(trace.customdata) == {f"commune-{code}.html"}  # every point: site.js opens the page
        assert trace.fill == "toself" and trace.hoveron == "fills"
    assert communes[0].text == "Antibes : 8,2 demandes"
    assert communes[1].x.count(None) == 1  # both polygons of the MultiPolygon in its one trace
    assert communes[0].fillcolor != communes[1].fillcolor  # two classes, two colours…
    assert communes[2].text == "Caussols : non calculable (chiffre du secteur « Petites communes »)"
    assert communes[2].fillpattern.shape != communes[3].fillpattern.shape  # …and each reason its own hatching
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend == ["moins de 15", "15 ou plus", "secret statistique", "non calculable"]
    assert legend_words(values, "ratio") == ["moins de 15", "15 ou plus", "non calculable",
                                              "secret statistique"]  # fmt: skip


def test_a_commune_published_with_its_sector_is_coloured_with_the_sectors_figure_and_says_so():
    square = {"type": "Polygon", "coordinates": [SQUARE]}
    grouped = [(f"S{k}", f"Petite {k}", 30.0, "ok", f"commune-S{k}.html", "Petites communes") for k in range(6)]
    values = frame([("A", "Antibes", 10.0, "ok", "commune-A.html"), ("B", "Biot", 20.0, "ok", "commune-B.html"),
                    ("C", "Cannes", 40.0, "ok", "commune-C.html"), *grouped])  # fmt: skip
    fig = carte(shapes(*((c, square) for c in values["code_insee"])), values, "ratio", "demandes")
    communes = {t.name: t for t in fig.data if t.customdata is not None}
    assert communes["Petite 0"].text == "Petite 0 : 30,0 demandes (chiffre du secteur « Petites communes »)"
    assert communes["Petite 0"].fillcolor == communes["Petite 5"].fillcolor != "#d9d9d9"
    # the sector's figure is one place among four, not six: the classes split 10, 20, 30, 40 apart
    assert legend_words(values, "ratio")[:4] == ["moins de 20", "de 20 à moins de 30", "40 ou plus",
                                                 "de 30 à moins de 40"]  # fmt: skip


def test_the_map_draws_no_geo_trace_and_keeps_distances_true():
    fig = carte(outlines(), frame([("06004", "Antibes", 3.0, "ok", "commune-06004.html")]), "ratio", "demandes")
    assert {t.type for t in fig.data} == {"scatter"}  # no geo trace: nothing fetched from a CDN
    assert not {"geo", "map", "mapbox"} & set(fig.to_plotly_json()["layout"])
    assert fig.layout.yaxis.scaleanchor == "x"
    assert abs(fig.layout.yaxis.scaleratio - 1 / math.cos(math.radians(43.7))) < 0.01  # the CASA's latitude
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


def test_the_shipped_outlines_are_the_24_communes():
    features = outlines()["features"]
    assert len(features) == 24
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}

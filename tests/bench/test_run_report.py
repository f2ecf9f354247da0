"""The benchmark's report (bench/run.py) has the shape issue 13 gives, its cost model is the least-squares line,
and its floor reads every row of every file. No timing is asserted: the figures are made up or counted."""

from __future__ import annotations

import pytest

from tests.bench import load_script


def load_bench():
    return load_script("run")


def measured(wall: float, rss: int = 2**30) -> dict:
    return {"wall_s": wall, "peak_rss_bytes": rss}


def scale(echelle: int, lignes: int, run_s: float, floor_s: float, update_s: float) -> dict:
    steps = {k: measured(run_s / 5) for k in ("generate", "ingestion", "dbt", "checks", "publication")}
    update = {k: measured(update_s / 5) for k in ("ingestion", "dbt", "checks", "publication")}
    return {
        "echelle": echelle,
        "mois": 36,
        "lignes": lignes,
        "floor_s": floor_s,
        "run": measured(run_s),
        **steps,
        "mise_a_jour": {"run": measured(update_s), **update},
    }


def test_the_report_has_the_shape_of_issue_13_and_fits_the_cost_line():
    bench = load_bench()
    # run = 20 s + 20 s per million rows, floor = 0.1 s + 0.9 s per million rows
    r = bench.report([scale(1, 1_000_000, 40, 1.0, 30), scale(10, 10_000_000, 220, 9.1, 28)])

    assert {"echelles", "modele", "limites_expliquees"} <= r.keys()
    for e in r["echelles"]:
        assert {"echelle", "mois", "lignes", "floor_s"} <= e.keys()
        for step in ("run", "generate", "ingestion", "dbt", "checks", "publication"):
            assert set(e[step]) == {"wall_s", "peak_rss_bytes"}
    line = ("fixed_s", "slope_s_per_million_rows", "floor_slope_s_per_million_rows", "marginal_ratio")
    assert {k: r["modele"][k] for k in line} == {
        "fixed_s": pytest.approx(20),
        "slope_s_per_million_rows": pytest.approx(20),
        "floor_slope_s_per_million_rows": pytest.approx(0.9),
        "marginal_ratio": pytest.approx(22.22),
    }
    # each step is a fifth of the run here: 4 s + 4 s per million rows
    assert r["modele"]["par_etape"]["dbt"] == {
        "fixed_s": pytest.approx(4),
        "slope_s_per_million_rows": pytest.approx(4),
    }
    # met: run at scale 1 (40 < 45 s), fixed cost (20 < 30 s); missed: the update (30 s), the ratio (22 > 4)
    missed = r["limites_expliquees"]
    assert [x["cible"] for x in missed] == ["mise à jour d'un mois < 25 s à l'échelle 1", "marginal_ratio ≤ 4"]
    assert all(set(x) == {"cible", "mesure", "raison"} and x["raison"] for x in missed)
    assert missed[0]["mesure"] == "30,0 s"
    assert "par étape : ingestion 4,0 s, dbt 4,0 s" in missed[1]["raison"]


def test_a_missed_target_names_the_slowest_steps_and_dbt_nodes_measured(tmp_path):
    bench = load_bench()
    target = tmp_path / "home" / "dbt" / "target"
    target.mkdir(parents=True)
    nodes = [("model.observatoire.int_lent", 3.0), ("test.observatoire.unique_x", 0.5), ("model.observatoire.b", 1.0)]
    results = [{"unique_id": u, "execution_time": t} for u, t in nodes]
    (target / "run_results.json").write_text(bench.json.dumps({"results": results, "elapsed_time": 2.6}))
    one = scale(1, 400_000, 50, 1.2, 20)
    one["dbt_detail"] = bench.dbt_nodes(tmp_path / "home")
    one["etapes_les_plus_longues"] = [{"cle": "raw__cal", "wall_s": 6.3}]
    one["cpu_s"] = 80.0  # 1.6 cores busy over the 50 s run

    [missed] = bench.report([one])["limites_expliquees"]

    assert one["dbt_detail"]["noeuds"] == {"model": 2, "test": 1}
    assert "étapes les plus longues : raw__cal 6,3 s" in missed["raison"]
    assert "dbt : 2 model, 1 test, 2,6 s dans dbt (somme des nœuds 4,5 s)" in missed["raison"]
    assert "les plus longs : int_lent 3,0 s, b 1,0 s, unique_x 0,5 s" in missed["raison"]
    assert f"CPU 80,0 s en 50,0 s : 1,60 cœurs occupés sur {bench.os.cpu_count()}" in missed["raison"]


def test_the_memory_target_names_the_step_and_feeds_that_peak():
    bench = load_bench()
    big = scale(250, 11_000_000, 350, 5.7, 200)
    big["run"] = measured(350, 10 * 2**30)
    big["dbt"] = measured(100, 9 * 2**30)
    big["ingestion_par_flux"] = {"raw__sne_demandes": measured(90, 9 * 2**30), "raw__cal": measured(2, 2**30)}

    missed = {x["cible"]: x for x in bench.report([big])["limites_expliquees"]}["mémoire < 8 Gio à l'échelle 250"]

    assert missed["mesure"] == "10,0 Gio"
    assert missed["raison"].startswith("pic pendant dbt")
    assert "raw__sne_demandes 9,0 Gio, raw__cal 1,0 Gio" in missed["raison"]


def test_one_scale_gives_no_cost_line():
    bench = load_bench()
    one = scale(1, 400_000, 50, 1.2, 20)
    one["reussi"] = False  # a blocking check failed: nothing published
    r = bench.report([one])
    assert set(r["modele"].values()) == {None}
    assert [x["cible"] for x in r["limites_expliquees"]] == ["observatoire run < 45 s à l'échelle 1"]
    assert "traitement en échec" in r["limites_expliquees"][0]["raison"]


def test_the_floor_reads_every_row_of_every_file_with_both_readers(tmp_path):
    bench = load_bench()
    (tmp_path / "a.csv").write_text("x;y\n1;2\n3;4\n5;6\n", encoding="utf-8")
    (tmp_path / "b.csv").write_bytes("nom;ville\nRené;Valbonne\nZoé;Antibes\n".encode("cp1252"))
    (tmp_path / "c.csv").write_bytes(b'\xef\xbb\xbfcode;libelle\r\n007;"a;b"\r\n')

    assert bench.floor_polars(sorted(tmp_path.iterdir())) == 6
    assert bench.floor_duckdb(sorted(tmp_path.iterdir())) == 6
    f = bench.floor(tmp_path)
    assert (f["lignes"], f["fichiers"]) == (6, 3)
    assert f["lecteur"] in ("polars", "duckdb") and f["floor_s"] == min(f["lecteurs_s"].values())


def test_each_step_gets_its_durations_and_the_peak_within_them():
    bench = load_bench()
    samples = [(100.0, 1), (101.0, 5), (102.0, 3), (103.0, 9), (104.0, 2)]
    steps = [
        {"cle": "raw__sne_demandes", "etape": "ingestion", "debut": 100.9, "fin": 101.5},
        {"cle": "raw__cal", "etape": "ingestion", "debut": 101.6, "fin": 102.1},
        {"cle": "dbt_models", "etape": "dbt", "debut": 102.9, "fin": 103.1},
    ]
    out = bench.split_run({"wall_s": 4.0, "peak_rss_bytes": 9, "echantillons": samples}, steps)
    assert out["ingestion"] == {"wall_s": 1.1, "peak_rss_bytes": 5}
    assert out["dbt"] == {"wall_s": 0.2, "peak_rss_bytes": 9}
    assert out["checks"] == {"wall_s": 0, "peak_rss_bytes": None}
    assert set(out["ingestion_par_flux"]) == {"raw__sne_demandes", "raw__cal"}


def test_the_one_month_update_is_the_next_month_of_the_same_territory(tmp_path):
    """The update brings the last month of the one generation, held back from the first drop: a generation
    ending a month later is another territory (other landlords, other dwellings), not a later month."""
    from pipelines.generator.api import generate

    bench = load_bench()
    depot, later = tmp_path / "depot", tmp_path / "suivant"
    generate(depot, seed=3, scale=0.05, debut="2025-01", fin="2025-02")
    generated = {p.name: p.read_bytes() for p in depot.iterdir()}

    moved = bench.hold_back_month(depot, "2025-02", later)

    names = sorted(p.name for p in moved)
    assert names == sorted(p.name for p in later.iterdir())
    assert {"sne_demandes_20250228.csv", "sne_radiations_20250228.csv", "positionnements_202502.csv"} <= set(names)
    assert all("202502" in n for n in names)
    assert not any("202502" in p.name for p in depot.iterdir())
    kept = {p.name: p.read_bytes() for p in [*depot.iterdir(), *later.iterdir()]}
    assert kept == generated  # nothing lost, nothing rewritten

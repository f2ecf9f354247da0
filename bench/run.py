"""How long the whole observatory takes at each scale of the synthetic territory, against the floor of reading
its files once (issue 13; targets on 2 cores: at scale 1 `observatoire run` under 45 s and a one-month update
under 25 s, a fixed cost under 30 s, a marginal cost at most 4 times the floor's, under 8 GiB at scale 250).

    .venv/bin/python bench/run.py [--echelles 1,10] [--mois 36,36] [--dossier D] [--json FICHIER]

For each scale, in `<dossier>/echelle_<s>/` (emptied first; the folder must be the benchmark's own):
1. `observatoire generate --scale s` of `mois` months ending 2026-09 into `depot/`;
2. the floor: every file of `depot/` read once, all columns as text, one file at a time, by Polars then by
   DuckDB; the faster counts (and its row count is the scale's input rows);
3. `bench/notebook.py` on `depot/` (the analyst's pandas notebook);
4. `observatoire run` on `home/`, whose inbox holds those files (hard links);
5. the one-month update: the files of 2026-10, held back from `depot/` into `suivant/` (the generation runs to
   2026-10), dropped in the inbox, then `observatoire run` again. A second generation ending a month later
   would be another territory (the window sets the landlords' merger and the programmes: 974 of 979 files
   differ at scale 1), whose new files cite dwellings the loaded stock gives to other landlords.
Each command runs in its own process: its wall time and the peak RSS of its whole process tree (the process
and every child, dbt included, summed, sampled every 50 ms with psutil). `observatoire run` runs ingestion, dbt,
checks and publication in one process: their times are the sums of the durations of the run's Dagster steps
(read from the home's instance), their peaks the tree's peak within those steps. The cost model is the
least-squares line `time = fixed + slope × rows` over the scales run (two at least). Prints a table and writes
a JSON report (default `<dossier>/bench_run.json`), shape of issue 13.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from dashboards.formats import nombre  # noqa: E402 - after the path

MARK = ".bench"  # the folder of a scale is emptied only when it carries this mark
FIN, SUIVANT = "2026-09", "2026-10"  # the history ends with the demo's; the update brings the month after
MOIS_DEFAUT = {1: 36, 10: 36}  # other scales: 3 months (issue 13)
STEPS = ("run", "generate", "ingestion", "dbt", "checks", "publication")
PARTS = ("ingestion", "dbt", "checks", "publication")
TOP = 5  # the slowest steps and dbt nodes the report keeps
SAMPLE_S = 0.05
TARGET_RUN_S, TARGET_UPDATE_S, TARGET_FIXED_S, TARGET_RATIO, TARGET_RSS = 45, 25, 30, 4, 8 * 2**30


# --- measuring a process tree ---------------------------------------------------------------------


class TreeSampler(threading.Thread):
    """The RSS of a process and all its descendants, summed, every SAMPLE_S seconds: (time, bytes)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.done = pid, [], threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.done.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in (root, *root.children(recursive=True)):
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            self.samples.append((time.time(), total))
            self.done.wait(SAMPLE_S)


def measure(command: list[str], log: Path, must_succeed: bool = True) -> dict:
    """Run a command (output to `log`); its wall time, the peak RSS of its tree, the samples and its success."""
    start, load = time.time(), os.getloadavg()[0]
    with open(log, "w", encoding="utf-8") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.time() - start
    sampler.done.set()
    sampler.join()
    ok = os.waitstatus_to_exitcode(status) == 0
    if not ok:
        say(f"Échec de « {' '.join(command)} » (journal : {log}).")
        if must_succeed:
            sys.exit(1)
    # wait4 sees the root's own peak between two samples (kilobytes on Linux)
    peak = max([usage.ru_maxrss * 1024, *(rss for _, rss in sampler.samples)])
    return {
        "wall_s": round(wall, 2),
        "peak_rss_bytes": peak,
        "debut": start,
        "echantillons": sampler.samples,
        "ok": ok,
        # CPU of the process and its waited-for children (dbt): on a shared machine wall time follows the load
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "charge": round(load, 2),
    }


def step(m: dict) -> dict:
    return {"wall_s": m["wall_s"], "peak_rss_bytes": m["peak_rss_bytes"]}


# --- the run's steps, from the home's Dagster instance ----------------------------------------------


def dagster_steps(home: Path, since: float) -> list[dict]:
    """Every step of the runs started after `since`: key, category, start and end (Unix time)."""
    import dagster as dg

    from assets.settings import load_settings
    from pipelines.jobs import PUBLICATION_JOB

    wanted = {
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS,
        dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.ASSET_MATERIALIZATION,
    }
    instance = dg.DagsterInstance.from_config(str(load_settings(home).dagster_home))
    after = dt.datetime.fromtimestamp(since, tz=dt.UTC)
    steps = {}
    for run in instance.get_runs(filters=dg.RunsFilter(created_after=after)):
        for ev in instance.all_logs(run.run_id, of_type=wanted):
            s = steps.setdefault((run.run_id, ev.step_key), {"cle": ev.step_key, "materialise": False})
            kind = ev.dagster_event.event_type
            if kind == dg.DagsterEventType.STEP_START:
                s["debut"] = ev.timestamp
            elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                s["materialise"] = True
            else:
                s["fin"] = ev.timestamp
            s["publication"] = run.job_name == PUBLICATION_JOB
    instance.dispose()
    return [{**s, "etape": category(s)} for s in steps.values() if "debut" in s and "fin" in s]


def category(s: dict) -> str:
    """Asset checks materialize nothing; the Parquet export of the main job (`published/donnees`) is publication."""
    if s["publication"] or s["cle"].startswith("published"):
        return "publication"
    if not s["materialise"]:
        return "checks"
    return "ingestion" if s["cle"].startswith("raw") else "dbt"


def peak_within(samples: list, windows: list[tuple[float, float]]) -> int | None:
    """The highest sample within the windows, widened by one period so that a short step sees one."""
    inside = [rss for t, rss in samples if any(a - SAMPLE_S <= t <= b + SAMPLE_S for a, b in windows)]
    return max(inside, default=None)


def split_run(m: dict, steps: list[dict]) -> dict:
    """The run's whole measurement, its steps by category, and the ingestion by feed."""

    def within(windows: list[tuple[float, float]]) -> dict:
        return {
            "wall_s": round(sum(b - a for a, b in windows), 2),
            "peak_rss_bytes": peak_within(m["echantillons"], windows),
        }

    # a failed run (blocking check) publishes nothing
    out = {"run": step(m), "reussi": m.get("ok", True), "cpu_s": m.get("cpu_s"), "charge_1_min": m.get("charge")}
    for name in PARTS:
        out[name] = within([(s["debut"], s["fin"]) for s in steps if s["etape"] == name])
    out["ingestion_par_flux"] = {s["cle"]: within([(s["debut"], s["fin"])]) for s in steps if s["etape"] == "ingestion"}
    longest = sorted(steps, key=lambda s: s["debut"] - s["fin"])[:TOP]
    out["etapes_les_plus_longues"] = [{"cle": s["cle"], "wall_s": round(s["fin"] - s["debut"], 2)} for s in longest]
    return out


def dbt_nodes(home: Path) -> dict:
    """What dbt's last invocation on `home` spent (its `run_results.json`): the nodes by kind, dbt's own elapsed
    time against the sum of its nodes' times (two threads), and the slowest nodes."""
    path = home / "dbt" / "target" / "run_results.json"
    if not path.exists():
        return {}
    r = json.loads(path.read_text(encoding="utf-8"))
    kinds: dict[str, int] = {}
    for x in r["results"]:
        kind = x["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    slowest = sorted(r["results"], key=lambda x: -x["execution_time"])[:TOP]
    return {
        "noeuds": kinds,
        "elapsed_s": round(r["elapsed_time"], 2),
        "somme_noeuds_s": round(sum(x["execution_time"] for x in r["results"]), 2),
        "plus_longs": [{"noeud": x["unique_id"].split(".")[-1], "s": round(x["execution_time"], 2)} for x in slowest],
    }


# --- the floor --------------------------------------------------------------------------------------


def floor_polars(files: list[Path]) -> int:
    import polars as pl

    rows = 0
    for f in files:  # one file at a time: memory stays that of the largest file
        frame = pl.read_csv(f, separator=";", infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True)
        rows += frame.height
    return rows


def floor_duckdb(files: list[Path]) -> int:
    import duckdb

    rows = 0
    with duckdb.connect() as con, tempfile.TemporaryDirectory() as tmp:
        for f in files:  # materialized (all columns), as Polars does: a count alone would skip the parsing
            if not utf8(f):  # Windows-1252 (some landlords) needs DuckDB's encodings extension, not here
                text = f.read_bytes().decode("cp1252", errors="replace")
                f = Path(tmp) / f.name
                f.write_text(text, encoding="utf-8")
            con.execute(
                "create or replace temp table t as select * from read_csv(?, delim=';', header=true, "
                "all_varchar=true, strict_mode=false, null_padding=true)",
                [str(f)],
            )
            rows += con.execute("select count(*) from t").fetchone()[0]
    return rows


def utf8(path: Path) -> bool:
    """DuckDB needs the encoding; the decoding it costs is part of the reading (by chunks: a national
    extraction is close to a gigabyte)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 24):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def floor(folder: Path) -> dict:
    """Both readers on every input file; the faster one is the floor, its row count the input rows."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    times, rows = {}, {}
    for name, reader in (("polars", floor_polars), ("duckdb", floor_duckdb)):
        start = time.perf_counter()
        rows[name] = reader(files)
        times[name] = round(time.perf_counter() - start, 2)
    best = min(times, key=times.get)
    return {"floor_s": times[best], "lecteur": best, "lecteurs_s": times, "lignes": rows[best], "fichiers": len(files)}


# --- one scale --------------------------------------------------------------------------------------


def months_before(end: str, months: int) -> str:
    y, m = map(int, end.split("-"))
    n = y * 12 + m - 1 - (months - 1)
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def fresh(folder: Path) -> None:
    if folder.exists():
        if not (folder / MARK).exists():
            sys.exit(f"{folder} existe et ne vient pas du banc d'essai : choisissez un autre --dossier.")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARK).write_text("Dossier créé par bench/run.py : il peut être effacé.\n")


def hold_back_month(depot: Path, month: str, into: Path) -> list[Path]:
    """Move the files `depot` holds for `month` (AAAA-MM, the date their name carries) into `into`: the
    one-month update of the same territory. Returns them, sorted."""
    from expectations.contract import feed_for

    into.mkdir(parents=True, exist_ok=True)
    moved = []
    for f in sorted(depot.iterdir()):
        contract = feed_for(f.name)
        date = contract.file_info(f.name).date if contract else None
        if date is not None and f"{date:%Y-%m}" == month:
            moved.append(f.replace(into / f.name))
    return moved


def drop(files: list[Path], inbox: Path) -> None:
    """Into the inbox by hard link (the run moves them to its archive; the depot keeps its copy)."""
    inbox.mkdir(parents=True, exist_ok=True)
    for f in files:
        try:
            os.link(f, inbox / f.name)
        except OSError:
            shutil.copy2(f, inbox / f.name)


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def generate(scale: float, debut: str, fin: str, out: str) -> list[str]:
    return [tool("observatoire"), "generate", "--scale", f"{scale:g}", "--debut", debut, "--fin", fin, "--out", out]


def run_scale(scale: float, months: int, folder: Path) -> dict:
    fresh(folder)
    depot, home, later = folder / "depot", folder / "home", folder / "suivant"
    debut = months_before(FIN, months)
    say(f"échelle {scale:g} : génération de {debut} à {SUIVANT}…")
    gen = measure(generate(scale, debut, SUIVANT, str(depot)), folder / "generate.log")
    new = hold_back_month(depot, SUIVANT, later)
    say(f"échelle {scale:g} : plancher (lecture de chaque fichier)…")
    fl = floor(depot)
    say(f"échelle {scale:g} : carnet pandas de l'analyste…")
    notebook = measure([sys.executable, str(ROOT / "bench" / "notebook.py"), str(depot)], folder / "notebook.log")
    home.mkdir()
    # no wait for files still being copied: the benchmark measures the processing
    (home / "observatoire.toml").write_text("stabilite_secondes = 0\n", encoding="utf-8")
    drop(sorted(depot.iterdir()), home / "inbox")
    say(f"échelle {scale:g} : observatoire run sur {fl['fichiers']} fichiers, {fl['lignes']:,} lignes…")
    run = measure([tool("observatoire"), "run", "--home", str(home)], folder / "run.log", must_succeed=False)
    steps = {**split_run(run, dagster_steps(home, run["debut"])), "dbt_detail": dbt_nodes(home)}
    say(f"échelle {scale:g} : mise à jour d'un mois ({SUIVANT})…")
    drop(new, home / "inbox")
    update = measure([tool("observatoire"), "run", "--home", str(home)], folder / "run_suivant.log", must_succeed=False)
    update_steps = {**split_run(update, dagster_steps(home, update["debut"])), "dbt_detail": dbt_nodes(home)}
    return {
        "echelle": scale,
        "mois": months,
        "lignes": fl["lignes"],
        "floor_s": fl["floor_s"],
        "plancher": {k: fl[k] for k in ("lecteur", "lecteurs_s", "fichiers")},
        "generate": step(gen),
        **steps,
        "lignes_par_seconde": round(fl["lignes"] / steps["run"]["wall_s"]),
        "run_sur_plancher": round(steps["run"]["wall_s"] / fl["floor_s"], 1),
        "mise_a_jour": {**update_steps, "fichiers": len(new)},
        "carnet_pandas": {**step(notebook), "indicateurs": notebook_figures(folder / "notebook.log")},
    }


def notebook_figures(log: Path) -> dict:
    lines = log.read_text(encoding="utf-8").strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


# --- the report -------------------------------------------------------------------------------------


def fit(xs: list[float], ys: list[float]) -> tuple[float, float] | None:
    """Least squares `y = a + b x`; None under two distinct x."""
    if len(set(xs)) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return my - b * mx, b


def model(scales: list[dict]) -> dict:
    """The cost line of the whole run and of the floor; each step's slope says where the marginal cost goes."""
    millions = [e["lignes"] / 1e6 for e in scales]
    run = fit(millions, [e["run"]["wall_s"] for e in scales])
    fl = fit(millions, [e["floor_s"] for e in scales])
    if run is None or fl is None:
        return {
            "fixed_s": None,
            "slope_s_per_million_rows": None,
            "floor_slope_s_per_million_rows": None,
            "marginal_ratio": None,
        }
    per_step = {k: fit(millions, [e[k]["wall_s"] for e in scales]) for k in PARTS}
    return {
        "fixed_s": round(run[0], 2),
        "slope_s_per_million_rows": round(run[1], 3),
        "floor_slope_s_per_million_rows": round(fl[1], 3),
        "marginal_ratio": round(run[1] / fl[1], 2) if fl[1] > 0 else None,
        "par_etape": {
            k: {"fixed_s": round(a, 2), "slope_s_per_million_rows": round(b, 3)} for k, (a, b) in per_step.items()
        },
    }


def fr(x: float, unit: str = "s") -> str:
    return f"{x:.1f} {unit}".replace(".", ",")


def breakdown(e: dict) -> str:
    """The run's steps, its slowest Dagster steps and dbt's slowest nodes, as measured."""
    parts = [f"{k} {fr(e[k]['wall_s'])}" for k in PARTS]
    rest = e["run"]["wall_s"] - sum(e[k]["wall_s"] for k in PARTS)
    failed = "" if e.get("reussi", True) else "traitement en échec (voir son journal), publication non faite ; "
    out = failed + ", ".join(parts) + f", hors étapes (démarrage, définitions, résumé) {fr(rest)}"
    if e.get("cpu_s"):  # how busy the cores were: wall time no step can shorten without less CPU
        cores = nombre(e["cpu_s"] / e["run"]["wall_s"], 2)
        out += f" ; CPU {fr(e['cpu_s'])} en {fr(e['run']['wall_s'])} : {cores} cœurs occupés sur {os.cpu_count()}"
    if e.get("etapes_les_plus_longues"):
        out += " ; étapes les plus longues : " + ", ".join(
            f"{x['cle']} {fr(x['wall_s'])}" for x in e["etapes_les_plus_longues"]
        )
    d = e.get("dbt_detail")
    if d:
        nodes = ", ".join(f"{n} {k}" for k, n in sorted(d["noeuds"].items()))
        out += (
            f" ; dbt : {nodes}, {fr(d['elapsed_s'])} dans dbt (somme des nœuds {fr(d['somme_noeuds_s'])}), "
            "les plus longs : " + ", ".join(f"{x['noeud']} {fr(x['s'])}" for x in d["plus_longs"])
        )
    return out


def marginal(m: dict) -> str:
    slopes = sorted(m.get("par_etape", {}).items(), key=lambda kv: -kv[1]["slope_s_per_million_rows"])
    steps = ", ".join(f"{k} {fr(v['slope_s_per_million_rows'])}" for k, v in slopes)
    return (
        f"{fr(m['slope_s_per_million_rows'])} par million de lignes contre {fr(m['floor_slope_s_per_million_rows'])} "
        f"pour le plancher" + (f" ; par étape : {steps}" if steps else "")
    )


def memory(e: dict) -> str:
    worst = max(PARTS, key=lambda k: e[k]["peak_rss_bytes"] or 0)
    feeds = sorted(e["ingestion_par_flux"].items(), key=lambda kv: -(kv[1]["peak_rss_bytes"] or 0))[:3]
    peaks = ", ".join(f"{k} {fr(e[k]['peak_rss_bytes'] / 2**30, 'Gio')}" for k in PARTS if e[k]["peak_rss_bytes"])
    return f"pic pendant {worst} ; pics par étape : {peaks} ; ingestion, flux les plus gourmands : " + ", ".join(
        f"{k} {fr(v['peak_rss_bytes'] / 2**30, 'Gio')}" for k, v in feeds if v["peak_rss_bytes"]
    )


def limits(scales: list[dict], m: dict) -> list[dict]:
    """One entry per target missed, with the measurement that shows where the time (or memory) goes."""
    out = []
    for e in scales:
        u = e["mise_a_jour"]
        if e["echelle"] == 1 and e["run"]["wall_s"] >= TARGET_RUN_S:
            out.append(miss(f"observatoire run < {TARGET_RUN_S} s à l'échelle 1", fr(e["run"]["wall_s"]), breakdown(e)))
        if e["echelle"] == 1 and u["run"]["wall_s"] >= TARGET_UPDATE_S:
            cible = f"mise à jour d'un mois < {TARGET_UPDATE_S} s à l'échelle 1"
            out.append(miss(cible, fr(u["run"]["wall_s"]), breakdown(u)))
        if e["echelle"] == 250 and e["run"]["peak_rss_bytes"] >= TARGET_RSS:
            out.append(
                miss("mémoire < 8 Gio à l'échelle 250", fr(e["run"]["peak_rss_bytes"] / 2**30, "Gio"), memory(e))
            )
    if m["fixed_s"] is not None and m["fixed_s"] >= TARGET_FIXED_S:
        smallest = min(scales, key=lambda e: e["lignes"])
        why = "ordonnée à l'origine de la droite des moindres carrés ; à l'échelle la plus petite : " + breakdown(
            smallest
        )
        out.append(miss(f"coût fixe < {TARGET_FIXED_S} s", fr(m["fixed_s"]), why))
    if m["marginal_ratio"] is not None and m["marginal_ratio"] > TARGET_RATIO:
        out.append(miss(f"marginal_ratio ≤ {TARGET_RATIO}", f"{m['marginal_ratio']:g}".replace(".", ","), marginal(m)))
    return out


def miss(cible: str, mesure: str, raison: str) -> dict:
    return {"cible": cible, "mesure": mesure, "raison": raison}


def report(scales: list[dict]) -> dict:
    m = model(scales)
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"coeurs": os.cpu_count(), "charge_1_5_15_min": [round(x, 2) for x in os.getloadavg()]},
        "echelles": scales,
        "modele": m,
        "limites_expliquees": limits(scales, m),
    }


def table(r: dict) -> str:
    head = f"{'échelle':>8}{'mois':>6}{'lignes':>12}{'plancher':>10}" + "".join(f"{k:>13}" for k in STEPS)
    head += f"{'÷ plancher':>12}{'màj':>9}{'pandas':>9}"
    lines = [
        f"Banc d'essai (charge {r['machine']['charge_1_5_15_min']} sur {r['machine']['coeurs']} cœurs) ; "
        "par étape : durée / pic de mémoire de l'arbre de processus",
        head,
    ]
    for e in r["echelles"]:
        cells = "".join(f"{e[k]['wall_s']:>6.1f}s/{(e[k]['peak_rss_bytes'] or 0) / 2**20:>4.0f}M" for k in STEPS)
        lines.append(
            f"{e['echelle']:>8g}{e['mois']:>6}{e['lignes']:>12,}{e['floor_s']:>9.1f}s{cells}"
            f"{e['run_sur_plancher']:>11.0f}×{e['mise_a_jour']['run']['wall_s']:>8.1f}s"
            f"{e['carnet_pandas']['wall_s']:>8.1f}s"
        )
    m = r["modele"]
    if m["fixed_s"] is None:
        lines.append("Modèle de coût : deux échelles au moins.")
    else:
        lines.append(
            f"Modèle : {m['fixed_s']:.1f} s + {m['slope_s_per_million_rows']:.2f} s par million de lignes "
            f"(plancher {m['floor_slope_s_per_million_rows']:.2f} s) ; marginal_ratio {m['marginal_ratio']}"
        )
    lines += [f"MANQUÉ : {x['cible']} : {x['mesure']} ({x['raison']})" for x in r["limites_expliquees"]]
    return "\n".join(lines)


def say(msg: str) -> None:
    print(msg, flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--echelles", default="1", help="échelles séparées par des virgules (défaut : 1)")
    p.add_argument("--mois", help="mois d'historique par échelle, dans le même ordre (défaut : 36 à 1 et 10, 3 sinon)")
    p.add_argument("--dossier", default="/tmp/observatoire_bench", help="dossier des homes (un par échelle)")
    p.add_argument("--json", help="rapport JSON (défaut : <dossier>/bench_run.json)")
    args = p.parse_args()
    scales = [int(x) if float(x).is_integer() else float(x) for x in map(float, args.echelles.split(","))]
    months = [int(m) for m in args.mois.split(",")] if args.mois else [MOIS_DEFAUT.get(s, 3) for s in scales]
    if len(months) != len(scales):
        sys.exit("--mois : un nombre de mois par échelle.")
    folder = Path(args.dossier).resolve()
    out = Path(args.json) if args.json else folder / "bench_run.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    results = []
    for s, n in zip(scales, months, strict=True):
        results.append(run_scale(s, n, folder / f"echelle_{s:g}"))
        r = report(results)  # written after each scale: a larger one may fail (memory) hours later
        out.write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(r))
    print(f"Rapport : {out}")


if __name__ == "__main__":
    main()

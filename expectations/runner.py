"""Validate a pandas frame against a committed GX suite (expectations/suites/*.json) — no Dagster.

`validate(frame, "sne_demandes")` returns a compact `Result`: success, and per expectation its
French description, success and observed figure (and, when asked, the file and line of its first
unexpected rows). `validate_files` runs a feed's two distribution suites on every file of a run.
The structural suite's controls that GX has no
expectation for (`meta.controles`: every commune present, EPCI and each sector = Σ their communes, no
quarter missing) run here in Python over the same frame and are reported in the same result. `save` keeps the GX
validation result as JSON so that `build_data_docs` can render the GX data docs later.

Great Expectations is imported inside the functions that need it (it costs ~4 s).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .suites_gen import SUITES_DIR

RESULT_FORMAT = "SUMMARY"
PARTIAL_NAMED = 20  # unexpected rows named (file, line) per expectation: enough to find them, not a dump
# Rows of a run's files validated at once by a row suite, all slices in one GX context (a context keeps its
# frame): on 9.6 M demand rows (scale 50's extracts six times), +5.6 GB in one pass, +0.66 GB by slices.
GX_SLICE_ROWS = 500_000
# Per-row expectations: each row passes or not on its own, so the counts of slices add up to the whole's.
ROW_EXPECTATIONS = {
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_null",
}
DOCS_SITE = "observatoire"


@dataclass
class ExpectationResult:
    type: str
    column: str | None
    description: str
    success: bool
    observed: Any = None
    details: str = ""
    # The rows or files that missed it, when the validation was asked to name them: [{fichier, ligne?, valeur}]
    constats: list[dict] = field(default_factory=list)


@dataclass
class Result:
    suite: str
    success: bool
    rows: int
    expectations: list[ExpectationResult]
    gx: dict = field(default_factory=dict, repr=False)  # the GX validation result, as JSON
    unit: str = "lignes"  # what `rows` counts (a per-file suite validates one row per file)

    @property
    def failures(self) -> list[ExpectationResult]:
        return [e for e in self.expectations if not e.success]

    def summary(self) -> str:
        n = len(self.expectations)
        return f"{self.suite} : {n - len(self.failures)}/{n} attentes satisfaites sur {self.rows} {self.unit}"

    def markdown(self) -> str:
        lines = ["| | attente | observé |", "|---|---|---|"]
        for e in self.expectations:
            obs = _fmt(e.observed) + (f" ({e.details})" if e.details else "")
            lines.append(f"| {'✅' if e.success else '❌'} | {e.description} | {obs.replace('|', '/')} |")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "suite": self.suite,
            "success": self.success,
            "rows": self.rows,
            "expectations": [asdict(e) for e in self.expectations],
        }


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)[:80]


def suite_path(name: str) -> Path:
    return SUITES_DIR / f"{name}.json"


def load_suite(suite: str | Path | dict) -> dict:
    """A suite as JSON: a committed suite's name, a path, or the dict itself."""
    if isinstance(suite, dict):
        return suite
    path = Path(suite) if str(suite).endswith(".json") else suite_path(str(suite))
    return json.loads(path.read_text(encoding="utf-8"))


def suite_columns(suite: str | Path | dict) -> list[str]:
    """The columns a suite looks at, in order of first mention."""
    seen: dict[str, None] = {}
    for e in load_suite(suite)["expectations"]:
        kwargs = e["kwargs"]
        for c in ([kwargs["column"]] if "column" in kwargs else []) + list(kwargs.get("column_list", [])):
            seen.setdefault(c, None)
    return list(seen)


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    # the ephemeral context makes a temporary docs site per context: drop it (data docs are built on demand)
    for name, site in list((ctx.variables.data_docs_sites or {}).items()):
        folder = (site.get("store_backend") or {}).get("base_directory")
        ctx.delete_data_docs_site(name)
        if folder and Path(folder).is_dir() and Path(folder).parent == Path(tempfile.gettempdir()):
            shutil.rmtree(folder, ignore_errors=True)
    return ctx


def validate(frame, suite: str | Path | dict, index_columns: list[str] | None = None) -> Result:
    """Validate a pandas frame. With `index_columns`, each expectation's unexpected rows are named by
    those columns (their first PARTIAL_NAMED: the file and line of an absurd value)."""
    spec = _numbered(suite)
    return _result(spec, _run(spec, frame, index_columns), frame)


def _numbered(suite: str | Path | dict) -> dict:
    """The suite, each expectation numbered (GX reorders results: they are given back in the suite's order)."""
    spec = json.loads(json.dumps(load_suite(suite)))
    for i, e in enumerate(spec["expectations"]):
        e.setdefault("meta", {})["rang"] = i
    return spec


def _run(spec: dict, frame, index_columns: list[str] | None) -> dict:
    """GX's validation result of the frame, as JSON."""
    if any("row_condition" in e["kwargs"] for e in spec["expectations"]):
        frame = _filtered_once(frame)
    return _runner(spec, index_columns)(frame)


def _filtered_once(frame):
    """The frame, its row conditions filtered once each. GX filters the whole frame again for each metric
    of a conditioned expectation (`DataFrame.query`): the structural suite's 3 conditions made 20 filters
    of the 206,000 rows of fct_indicateurs at scale 1, 0.4 s of its 0.55 s of GX (py-spy, cProfile); 3 now.
    Under pandas' copy-on-write, a filtered frame handed out twice cannot be changed through the other."""
    import pandas as pd

    class FilteredOnce(pd.DataFrame):
        _metadata = ["_filters"]

        @property
        def _constructor(self):
            return pd.DataFrame  # what GX derives from it is a plain frame

        def query(self, expr, **kwargs):
            key = (expr, tuple(sorted(kwargs.items())))
            if key not in self._filters:
                self._filters[key] = super().query(expr, **kwargs)
            return self._filters[key].copy(deep=False)

    out = FilteredOnce(frame)
    out._filters = {}
    return out


def _runner(spec: dict, index_columns: list[str] | None) -> Callable[[Any], dict]:
    """The suite's validation of a frame, GX's result as JSON."""
    definition = _definition(spec)
    result_format: str | dict = RESULT_FORMAT
    if index_columns:
        result_format = {
            "result_format": RESULT_FORMAT,
            "unexpected_index_column_names": index_columns,
            "partial_unexpected_count": PARTIAL_NAMED,
        }

    def run(frame) -> dict:
        try:
            return definition.run(batch_parameters={"dataframe": frame}, result_format=result_format).to_json_dict()
        finally:  # the context outlives the validation: it must not keep the frame
            batches = definition.batch_definition.data_asset.datasource.get_execution_engine().batch_manager
            batches.batch_data_cache.clear()
            batches.reset_batch_cache()

    return run


# The process's one GX context ("context") and, per suite name, (its JSON, its validation definition). Made
# for each validation (21 on a first run), a context with its data source, suite and definition cost ~17 ms of
# CPU; with one, a feed's two validations on the scale-1 rows take 0.16-0.21 s of CPU instead of 0.23-0.29 s
# (programmes, rpls).
_GX: dict[str, Any] = {}
_GX_LOCK = threading.Lock()


def _definition(spec: dict):
    """The suite's validation definition in the process's GX context (made again when the suite changed)."""
    import great_expectations as gx
    from great_expectations.data_context.data_context.context_factory import project_manager

    key = json.dumps(spec, sort_keys=True)
    with _GX_LOCK:
        if "context" not in _GX:
            _GX["context"] = _context()
        ctx = _GX["context"]
        project_manager.set_project(ctx)  # GX runs a definition in its current context (another: the data docs')
        known = _GX.get(spec["name"])
        if known is not None and known[0] == key:
            return known[1]
        if "source" not in _GX:
            _GX["source"] = ctx.data_sources.add_pandas("observatoire")
        if known is not None:
            ctx.validation_definitions.delete(spec["name"])
            ctx.suites.delete(spec["name"])
            _GX["source"].delete_asset(spec["name"])
        batch = (
            _GX["source"].add_dataframe_asset(spec["name"]).add_batch_definition_whole_dataframe("lignes_du_traitement")
        )
        suite = ctx.suites.add(gx.ExpectationSuite(**spec))
        definition = ctx.validation_definitions.add(gx.ValidationDefinition(name=spec["name"], data=batch, suite=suite))
        _GX[spec["name"]] = (key, definition)
        return definition


def _result(spec: dict, raw: dict, frame) -> Result:
    """The compact result of GX's, with the suite's own controls run on the frame."""
    results = sorted(raw["results"], key=_rank)
    expectations = [_compact(r) for r in results]
    for control in spec.get("meta", {}).get("controles", []):
        expectations.append(CONTROLS[control["controle"]](frame, control))
    raw["meta"]["controles_observatoire"] = [asdict(e) for e in expectations if e.type.startswith("controle:")]
    return Result(
        suite=spec["name"],
        success=all(e.success for e in expectations),
        rows=len(frame),
        expectations=expectations,
        gx=raw,
    )


def validate_rows(rows, suite: str | Path | dict, index_columns: list[str], slice_rows: int | None = None) -> Result:
    """`validate` on a Polars frame of rows, by slices of `slice_rows` when the suite's expectations are all
    per-row ones, with the result of one pass: counts add up, the first unexpected rows are the first
    slices' (a suite with a uniqueness expectation, the landlord referential's, sees its rows at once)."""
    spec, slice_rows = _numbered(suite), slice_rows or GX_SLICE_ROWS
    per_row = all(e["type"] in ROW_EXPECTATIONS for e in spec["expectations"])
    if not per_row or spec.get("meta", {}).get("controles") or rows.height <= slice_rows:
        return _result(spec, _run(spec, _lists_as_text(rows).to_pandas(), index_columns), rows)
    run = _runner(spec, index_columns)
    starts = range(0, rows.height, slice_rows)
    raws = [run(_lists_as_text(rows.slice(start, slice_rows)).to_pandas()) for start in starts]
    numeric = {name for name, dtype in rows.schema.items() if dtype.is_numeric()}
    return _result(spec, _merge_runs(raws, numeric), rows)


def _merge_runs(raws: list[dict], numeric: set[str]) -> dict:
    """GX's result of the slices' rows validated at once: per expectation, as `_format_map_output` makes it
    from the summed counts and the first unexpected values (`numeric`: the columns whose nulls are NaN
    in pandas)."""
    merged = raws[0]
    by_rank = [{_rank(r): r for r in raw["results"]} for raw in raws]
    for r in merged["results"]:
        slices = [b[_rank(r)] for b in by_rank]
        failed = next((s for s in slices if (s.get("exception_info") or {}).get("raised_exception")), None)
        if failed is not None:
            r.update(success=False, exception_info=failed["exception_info"], result=failed.get("result") or {})
            continue
        column = r["expectation_config"]["kwargs"].get("column")
        r["result"] = _merge_counts([s["result"] for s in slices], distinct_nulls=column in numeric)
        res, mostly = r["result"], r["expectation_config"]["kwargs"].get("mostly", 1)
        nonnull = res["element_count"] - res.get("missing_count", 0)
        r["success"] = (
            not res["unexpected_count"] or not nonnull or (nonnull - res["unexpected_count"]) / nonnull >= mostly
        )
    successes = sum(r["success"] for r in merged["results"])
    merged["success"] = successes == len(merged["results"])
    merged["statistics"].update(
        successful_expectations=successes,
        unsuccessful_expectations=len(merged["results"]) - successes,
        success_percent=successes / len(merged["results"]) * 100 if merged["results"] else None,
    )
    return merged


def _merge_counts(results: list[dict], distinct_nulls: bool) -> dict:
    """One map expectation's SUMMARY result over the slices' results, in the slices' order."""
    out = dict(results[0])
    for key in ("element_count", "unexpected_count", "missing_count"):
        if key in out:
            out[key] = sum(r[key] for r in results)
    for key in ("partial_unexpected_list", "partial_unexpected_index_list"):
        if key in out:
            out[key] = [v for r in results for v in r[key]][:PARTIAL_NAMED]
    total, unexpected = out["element_count"], out["unexpected_count"]
    nonnull = total - out.get("missing_count", 0)
    share = unexpected / total * 100 if total else None
    out["unexpected_percent"] = (unexpected / nonnull * 100 if nonnull else None) if total else None
    if "missing_count" in out:
        out["missing_percent"] = out["missing_count"] / total * 100 if total else None
        out["unexpected_percent_total"] = share
        out["unexpected_percent_nonmissing"] = out["unexpected_percent"]
    if "partial_unexpected_counts" in out:
        out["partial_unexpected_counts"] = _value_counts(out["partial_unexpected_list"], distinct_nulls)
    return out


def _value_counts(values: list, distinct_nulls: bool) -> list[dict]:
    """GX's `partial_unexpected_counts` of the first unexpected values. Only a not-null expectation finds
    nulls, and nothing else: GX counts each NaN of a numeric column apart (NaN ≠ NaN), a None once."""
    if values and values[0] is None:
        return (
            [{"value": None, "count": 1}] * len(values) if distinct_nulls else [{"value": None, "count": len(values)}]
        )
    counted = sorted(Counter(values).most_common(PARTIAL_NAMED), key=lambda x: (-x[1], x[0]))
    return [{"value": v, "count": n} for v, n in counted]


def _rank(r: dict) -> int:
    return (r["expectation_config"].get("meta") or {}).get("rang", 0)


def _compact(r: dict) -> ExpectationResult:
    conf = r["expectation_config"]
    kwargs, meta, res = conf["kwargs"], conf.get("meta") or {}, r.get("result") or {}
    type_ = conf["type"]
    # a repeated key is shown by its first column (the file is already named)
    column = kwargs.get("column") or (kwargs["column_list"][0] if type_.startswith("expect_compound") else None)
    observed, details, constats = res.get("observed_value"), "", []
    if "unexpected_percent_nonmissing" in res or "unexpected_percent" in res:
        observed = res.get("unexpected_count", 0)
        details = "lignes hors attente"
        if res.get("partial_unexpected_list"):
            details += " ; ex. " + ", ".join(str(v) for v in res["partial_unexpected_list"][:5])
        named = [row for row in res.get("partial_unexpected_index_list") or [] if isinstance(row, dict)]
        constats = [_constat(row, column) for row in named]  # plain indexes unless asked
    if r.get("exception_info", {}).get("raised_exception"):
        details = "erreur : " + str(r["exception_info"].get("exception_message"))[:200]
    if isinstance(observed, float) and math.isnan(observed):
        observed = None
    return ExpectationResult(
        type=type_,
        column=column,
        description=meta.get("description", type_),
        success=bool(r["success"]),
        observed=observed,
        details=details,
        constats=constats,
    )


def _constat(row: dict, column: str | None) -> dict:
    """An unexpected row as GX names it: its file, its line (absent on a per-file suite), its value."""
    out = {"fichier": row.get("_fichier")}
    if "_ligne" in row:
        out["ligne"] = row["_ligne"]
    value = row.get(column)
    out["valeur"] = value.item() if hasattr(value, "item") else value  # numpy scalars, for JSON
    return out


# --- the distribution suites on the files of a run ------------------------------------------------------


def feed_columns(feed: str) -> list[str]:
    """The warehouse columns a feed's two distribution suites read, with the file and line of each row."""
    from .suites_gen import measure_columns

    measured = [c for e in load_suite(files_suite(feed))["expectations"] for c in measure_columns(e["meta"]["mesure"])]
    return list(dict.fromkeys([*suite_columns(feed), *measured, "_fichier", "_ligne"]))


def files_suite(feed: str) -> str:
    from .suites_gen import FILES_SUFFIX

    return feed + FILES_SUFFIX


def validate_files(rows, feed: str, previous: dict[str, int | None]) -> list[Result]:
    """A feed's distribution suites on every file of a run: `rows` (a Polars frame of the files' rows with
    `_fichier` and `_ligne`) against `<feed>`, each unexpected row named by file and line; then one row of
    measures per file of `previous` (every file of the run, with the row count of the file before it or
    None), an empty file included, against `<feed>_fichiers`."""
    measures = file_measures(rows, load_suite(files_suite(feed)), previous)
    per_file = validate(measures.to_pandas(), files_suite(feed), index_columns=["_fichier"])
    per_file.unit = "fichiers"
    return [validate_rows(rows, feed, index_columns=["_fichier", "_ligne"]), per_file]


def _lists_as_text(rows):
    """List columns as `a|b` text (the files' own notation): the suites only ask whether they are filled,
    and GX on pandas spends ~30 µs a row on a column of Python lists (11 s for 350 000 demands, measured;
    0,3 s as text)."""
    import polars as pl

    lists = [name for name, dtype in rows.schema.items() if isinstance(dtype, pl.List)]
    return rows.with_columns(pl.col(c).list.eval(pl.element().cast(pl.String)).list.join("|") for c in lists)


def _measure_expr(name: str, m: dict):
    """The Polars aggregate of a file's rows that `meta.mesure` describes: over the rows its `filtre` (a SQL
    predicate) keeps, shares weighted by `poids` when given, null on a file with fewer than `lignes_min` of
    them (GX skips a null: a share of 3 rows says nothing)."""
    import polars as pl

    kind = m["kind"]
    if kind == "lignes":
        return pl.len().alias(name)
    col = pl.col(m["colonne"])
    kept = (pl.sql_expr(m["filtre"]) if m.get("filtre") else pl.lit(True)) & col.is_not_null()
    weight = pl.col(m["poids"]) if m.get("poids") else pl.lit(1)

    def share(condition):
        return pl.when(kept & condition).then(weight).otherwise(0).sum() / pl.when(kept).then(weight).otherwise(0).sum()

    if kind == "part":
        value = share(col.is_in(m["valeurs"]))
    elif kind == "entre":
        low, high = m["min"], m["max"]
        if m.get("jours"):  # days from the file's date
            day = pl.col("_date_fichier")
            low, high = day.dt.offset_by(f"{low}d"), day.dt.offset_by(f"{high}d")
        elif isinstance(low, str):  # ISO dates
            low, high = dt.date.fromisoformat(low), dt.date.fromisoformat(high)
        value = share(col.is_between(low, high))
    elif kind == "mediane":
        value = col.filter(kept).median()
    elif kind == "moyenne":
        value = col.filter(kept).mean()
    else:
        raise ValueError(f"mesure inconnue : {kind}")
    if m.get("lignes_min"):
        value = pl.when(kept.sum() >= m["lignes_min"]).then(value)
    return value.alias(name)


def file_measures(rows, suite: dict, previous: dict[str, int | None]):
    """One row per file of `previous`: the measures the per-file suite bounds (a file without rows has
    0 lines and no other measure), and its volume's variation against the file before it."""
    import polars as pl

    wanted = {e["kwargs"]["column"]: e["meta"]["mesure"] for e in suite["expectations"]}
    aggregates = [_measure_expr(n, m) for n, m in wanted.items() if m["kind"] != "variation"]
    if not any(m["kind"] == "lignes" for m in wanted.values()):
        aggregates.append(pl.len().alias("lignes"))
    files = pl.DataFrame(
        {"_fichier": list(previous), "_volume_precedent": list(previous.values())},
        schema={"_fichier": pl.String, "_volume_precedent": pl.Int64},
    )
    measured = rows.group_by("_fichier").agg(aggregates) if rows.height else None
    out = files if measured is None else files.join(measured, on="_fichier", how="left")
    for name in wanted:
        if name not in out.columns and name != "variation_volume":
            out = out.with_columns(pl.lit(None, pl.Float64).alias(name))
    out = out.with_columns(pl.col("lignes").fill_null(0))
    if "variation_volume" in wanted:
        out = out.with_columns(variation_volume=pl.col("lignes") / pl.col("_volume_precedent") - 1)
    return out.drop("_volume_precedent").sort("_fichier")


# --- the structural controls GX has no expectation for (suite meta `controles`) ------------------------


def _communes() -> list[str]:
    from .contract import communes

    return sorted(c["code_insee"] for c in communes())


def communes_presentes(frame, control: dict) -> ExpectationResult:
    """For each (quarter, indicator) with commune rows of modalite `ensemble`, every commune is there."""
    expected = set(_communes())
    rows = frame[
        (frame["niveau_geo"] == "COMMUNE")
        & (frame["modalite"] == "ensemble")
        & frame["indicateur"].isin(control["indicateurs"])
    ]
    missing = []
    for (annee, trimestre, ind), g in rows.groupby(["annee", "trimestre", "indicateur"], sort=True):
        absent = sorted(expected - set(g["code_geo"]))
        if absent:
            missing.append(f"{ind} {annee}T{trimestre} : {', '.join(absent[:5])}{'…' if len(absent) > 5 else ''}")
    return ExpectationResult(
        "controle:communes_presentes",
        "code_geo",
        control["description"],
        not missing,
        observed=len(missing),
        details="; ".join(missing[:10]) or "toutes présentes",
    )


def _summed(frame, control: dict) -> tuple[list[str], Any]:
    """The rows a sum control reads, modalite ensemble: additive counts where ok, or the numerators and
    denominators of shares (`colonnes`) where shown."""
    columns = control.get("colonnes", ["valeur"])
    rows = frame[(frame["modalite"] == "ensemble") & frame["indicateur"].isin(control["indicateurs"])]
    return columns, rows[rows["statut"] == "ok"] if columns == ["valeur"] else rows.dropna(subset=columns)


def epci_somme_communes(frame, control: dict) -> ExpectationResult:
    """EPCI = Σ commune rows (the unknown-commune remainder included)."""
    columns, rows = _summed(frame, control)
    keys = ["annee", "trimestre", "indicateur"]
    epci = rows[rows["niveau_geo"] == "EPCI"].groupby(keys)[columns].sum()
    communes = rows[rows["niveau_geo"] == "COMMUNE"].groupby(keys)[columns].sum()
    return _sum_result(control, columns, epci, communes, "EPCI", "Σ communes")


def secteur_somme_communes(frame, control: dict) -> ExpectationResult:
    """Each sector row = Σ the rows of its communes (communes seed)."""
    from .contract import communes

    columns, rows = _summed(frame, control)
    keys = ["annee", "trimestre", "indicateur", "code_geo"]
    sectors = rows[rows["niveau_geo"] == "SECTEUR"].groupby(keys)[columns].sum()
    of = {c["code_insee"]: c["code_secteur"] for c in communes()}
    grouped = rows[rows["niveau_geo"] == "COMMUNE"].assign(code_geo=lambda r: r["code_geo"].map(of))
    return _sum_result(control, columns, sectors, grouped.groupby(keys)[columns].sum(), "secteur", "Σ ses communes")


def _sum_result(control: dict, columns: list[str], totals, parts, total_name: str, parts_name: str,
                tolerance: float = 1e-6) -> ExpectationResult:  # fmt: skip
    """Each total row = the parts' row of its key (quarter, indicator[, code]), within `tolerance`."""
    gaps = []
    for key, values in totals.iterrows():
        for column in columns:
            total = parts[column].get(key) if key in parts.index else None
            if total is None or abs(float(values[column]) - float(total)) > tolerance:
                annee, trimestre, ind, *code = key
                gaps.append(
                    f"{ind} {annee}T{trimestre} {column} : {' '.join([total_name, *code])} {values[column]:g} ≠ "
                    f"{parts_name} {'absente' if total is None else f'{total:g}'}"
                )
    return ExpectationResult(
        f"controle:{control['controle']}",
        ",".join(columns),
        control["description"],
        not gaps,
        observed=len(gaps),
        details="; ".join(gaps[:10]) or "égalités vérifiées",
    )


def trimestres_continus(frame, control: dict) -> ExpectationResult:
    """No quarter missing between the table's first and last quarter."""
    present = {
        int(a) * 4 + int(t) - 1 for a, t in frame[["annee", "trimestre"]].drop_duplicates().itertuples(index=False)
    }
    missing = (
        [f"{q // 4}T{q % 4 + 1}" for q in range(min(present), max(present) + 1) if q not in present] if present else []
    )
    return ExpectationResult(
        "controle:trimestres_continus",
        "trimestre",
        control["description"],
        not missing,
        observed=len(missing),
        details=", ".join(missing[:20]) or f"{len(present)} trimestres",
    )


CONTROLS = {
    "communes_presentes": communes_presentes,
    "epci_somme_communes": epci_somme_communes,
    "epci_somme_communes_rapports": epci_somme_communes,
    "secteur_somme_communes": secteur_somme_communes,
    "secteur_somme_communes_rapports": secteur_somme_communes,
    "trimestres_continus": trimestres_continus,
}


# --- persistence and data docs ------------------------------------------------------------------------


def save(result: Result, directory: Path) -> Path:
    """Keep the last validation of the suite: `<directory>/<suite>.json` (GX result + compact result)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{result.suite}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(
        json.dumps({"observatoire": result.to_dict(), "gx": result.gx}, ensure_ascii=False, default=str),
        encoding="utf-8",
    )
    tmp.replace(path)
    return path


def build_data_docs(results_dir: Path, site_dir: Path) -> Path:
    """Render the GX data docs of the saved validations (and of every committed suite) into `site_dir`;
    returns its index.html."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    ctx = _context()
    ctx.add_data_docs_site(
        DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    for path in sorted(SUITES_DIR.glob("*.json")):
        ctx.suites.add(gx.ExpectationSuite(**load_suite(path)))
    for path in sorted(results_dir.glob("*.json")) if results_dir.exists() else []:
        stored = json.loads(path.read_text(encoding="utf-8"))["gx"]
        run = stored["meta"].get("run_id") or {}
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=stored["suite_name"]),
            run_id=RunIdentifier(run_name=run.get("run_name") or "dernier", run_time=run.get("run_time")),
            batch_identifier=stored["meta"].get("active_batch_definition", {}).get("data_asset_name")
            or stored["suite_name"],
        )
        ctx.validation_results_store.set(key, ExpectationSuiteValidationResult(**stored))
    ctx.build_data_docs(site_names=[DOCS_SITE])
    return site_dir / "index.html"

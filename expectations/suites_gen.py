"""Write the GX suites of expectations/suites/ from their sources: `python -m expectations.suites_gen`.

- `<feed>.json` and `<feed>_fichiers.json` (distribution suites, they warn; every feed of the contracts has
  its bounds), run on every file of a run: the first on its rows, what the contract says of the warehouse
  columns (required columns filled, codes in their list, values within their plausibility bounds) and the
  `unique` rules of `distributions.yml` (one row per landlord); the second on one row of measures per file
  (rows loaded, an empty month for a monthly feed, and the hand-written bounds of `distributions.yml`:
  shares of codes or of dwellings, ranges of values and dates, medians, volume against the previous file).
- `fct_indicateurs.json` (structural suite, it blocks publication): Appendix A's list and natures from the
  catalogue seed (`expectations.catalogue`), statuses and geographic levels of the long table; the controls
  GX has no expectation for (every commune present, EPCI = Σ communes, no quarter missing) are declared in
  the suite's `meta` and run by `expectations.runner` over the same frame.

The committed files must equal this module's output (tests/expectations/test_runner.py). GX is not
imported: the suites are written as GX 1.x JSON (`ExpectationSuite(**json)` reads them back).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from .catalogue import Indicateur, catalogue
from .contract import all_contracts
from .contract_doc import number_fr

HERE = Path(__file__).parent
SUITES_DIR = HERE / "suites"
DISTRIBUTIONS = HERE / "distributions.yml"
GX_VERSION = "1.24.1"
STRUCTURE_SUITE = "fct_indicateurs"
FILES_SUFFIX = "_fichiers"  # the per-file suite of a feed
FCT_COLUMNS = [
    "annee",
    "trimestre",
    "niveau_geo",
    "code_geo",
    "libelle_geo",
    "indicateur",
    "modalite",
    "valeur",
    "numerateur",
    "denominateur",
    "statut",
]
FCT_KEY = ["annee", "trimestre", "niveau_geo", "code_geo", "indicateur", "modalite"]
STATUTS = ["ok", "secret", "non_calculable", "sans_objet"]
NIVEAUX_GEO = ["COMMUNE", "SECTEUR", "BAILLEUR", "RESERVATAIRE", "RESIDENCE", "EPCI"]


# Families whose communes grouped in a sector have no row of their own, only their sector's (the applicants'
# information, int_ind_attributions_information). Elsewhere the sector rows come beside every commune's (the
# encoder derives them from the commune): the commune rows are complete and a sector is the sum of its communes.
SECTEUR_SEUL = ("I1",)


def par_commune(i: Indicateur, *niveaux: str) -> bool:
    """Published for every commune (and at `niveaux` too)."""
    return {"commune", *niveaux} <= i.niveaux and i.famille not in SECTEUR_SEUL


def communes_completes() -> list[str]:
    """Counts published per commune: every commune has its row, a count of 0 included."""
    return [i.indicateur for i in catalogue() if i.nature == "compte" and par_commune(i)]


def additifs(niveau: str) -> list[str]:
    """Additive counts published per commune and at `niveau` (epci, secteur): the total = Σ its communes."""
    return [i.indicateur for i in catalogue() if i.additif and par_commune(i, niveau)]


def _exp(type_: str, description: str, origine: str, **kwargs) -> dict:
    return {
        "type": type_,
        "kwargs": {k: v for k, v in kwargs.items() if v is not None},
        "meta": {"description": description, "origine": origine},
    }


def _suite(name: str, expectations: list[dict], meta: dict) -> dict:
    return {"name": name, "expectations": expectations, "meta": {"great_expectations_version": GX_VERSION, **meta}}


def _contract_expectations(feed: str) -> list[dict]:
    """Required columns filled and codes in their list (the reader enforces both; here they guard the
    warehouse after mappings, replays and merges)."""
    from .contract import codes

    out = []
    for col in _contract(feed).columns:
        name = col.warehouse_name
        if name is None:
            continue
        if col.required:
            out.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    f"« {name} » toujours renseigné (colonne obligatoire du contrat)",
                    "contrat",
                    column=name,
                )
            )
        if col.type == "code" and not col.open_codes:
            out.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    f"« {name} » dans la liste de codes « {col.codes} » du contrat"
                    + (f" (ou {col.wildcard} pour tous)" if col.wildcard else ""),
                    "contrat",
                    column=name,
                    value_set=[*codes()[col.codes], *filter(None, [col.wildcard])],
                )
            )
    return out


def _plausibility_expectations(feed: str) -> list[dict]:
    """A value beyond the contract's plausibility bounds is absurd but may be true: the row is loaded and
    the line named (the check asks GX for each unexpected row's file and line)."""
    out = []
    for col in _contract(feed).columns:
        low, high = col.plausible_min, col.plausible_max
        if (low is None and high is None) or col.warehouse_name is None:
            continue
        bounds = (
            f"de {number_fr(low)} à {number_fr(high)}"
            if low is not None and high is not None
            else (f"au plus {number_fr(high)}" if low is None else f"au moins {number_fr(low)}")
        )
        out.append(
            _exp(
                "expect_column_values_to_be_between",
                f"« {col.warehouse_name} » vraisemblable ({bounds} ; au-delà, valeur chargée mais à vérifier)",
                "plausibilite",
                column=col.warehouse_name,
                min_value=low,
                max_value=high,
            )
        )
    return out


def _measure(column: str, fr: str, mesure: dict, low, high) -> dict:
    """An expectation on one measure of each file (a column of the per-file frame the runner computes
    from `meta.mesure`)."""
    e = _exp("expect_column_values_to_be_between", fr, "distribution", column=column, min_value=low, max_value=high)
    e["meta"]["mesure"] = mesure
    return e


OPTIONS = ("filtre", "poids", "lignes_min")  # how a rule narrows or weights its measure


def _name(base: str, rule: dict) -> str:
    """A measure's column: its kind and column, then what narrows it (two medians of one column differ by
    their filter)."""
    narrowed = [rule.get("filtre"), rule.get("poids") and f"par {rule['poids']}"]
    return "_".join([base, *(re.sub(r"\W+", "_", n).strip("_").lower() for n in narrowed if n)])


def measure_columns(m: dict) -> list[str]:
    """The warehouse columns a rule or a measure reads: its column(s), its weight, its filter's columns, and
    the file's date for dates counted in days from it."""
    import polars as pl

    named = [m.get("colonne"), m.get("poids"), *m.get("colonnes", []), "_date_fichier" if m.get("jours") else None]
    try:
        filtered = pl.sql_expr(m["filtre"]).meta.root_names() if m.get("filtre") else []
    except Exception as e:  # Polars' SQL errors have no common public class
        raise ValueError(f"distributions.yml : filtre illisible « {m['filtre']} » ({e})") from e
    return [*filter(None, named), *filtered]


def _check_columns(feed: str, rule: dict) -> None:
    """A misspelt column stops the suites' generation, not a run of the pipeline."""
    contract = _contract(feed)
    known = {c.warehouse_name for c in contract.columns} | {"_date_fichier"}
    known |= {"bailleur_siren"} if contract.landlord_from_file else set()
    unknown = sorted(set(measure_columns(rule)) - known)
    if unknown:
        raise ValueError(f"distributions.yml : {feed}, règle « {rule['fr']} » : colonnes inconnues {unknown}")


def _file_expectations(feed: str, rules: list[dict]) -> list[dict]:
    """Each file's measures: an empty month for a monthly feed, then the bounds of distributions.yml."""
    out = []
    if _contract(feed).monthly:
        empty = "au moins une ligne chargée (flux mensuel : sinon le mois est vide)"
        out.append(_measure("lignes", empty, {"kind": "lignes"}, 1, None))
    for r in rules:
        _check_columns(feed, r)
        out += _rule_measures(r)
    measures: dict[str, dict] = {}
    for e in out:  # one column per measure (a monthly feed bounds `lignes` twice: from below, and here)
        if measures.setdefault(e["kwargs"]["column"], e["meta"]["mesure"]) != e["meta"]["mesure"]:
            raise ValueError(f"distributions.yml : {feed}, deux mesures différentes nommées {e['kwargs']['column']}")
    return out


def _rule_measures(r: dict) -> list[dict]:
    """The per-file expectations of one rule of distributions.yml (none for a `unique` rule: it is on rows)."""
    kind, fr, col = r["kind"], r["fr"], r.get("colonne")
    options = {k: r[k] for k in OPTIONS if k in r}
    if kind == "lignes":
        out = [_measure("lignes", fr, {"kind": "lignes"}, r.get("min"), r["max"])]
        if "variation" in r:
            v = r["variation"]
            variation = f"volume à ±{v:.0%} du fichier précédent".replace("%", "\u202f%")
            out.append(_measure("variation_volume", variation, {"kind": "variation"}, -v, v))
        return out
    if kind == "part":
        mesure = {"kind": "part", "colonne": col, "valeurs": r["valeurs"], **options}
        name = _name(f"part_{col}_{'_'.join(str(v) for v in r['valeurs'])}", r)
        return [_measure(name, fr, mesure, r["min"], r["max"])]
    if kind in ("valeurs", "dates"):
        days = kind == "dates" and isinstance(r["min"], int)  # integer bounds: days from the file's date
        mesure = {
            "kind": "entre",
            "colonne": col,
            "min": r["min"],
            "max": r["max"],
            **options,
            **({"jours": True} if days else {}),
        }
        name = _name(f"part_{col}_entre_{r['min']}_{r['max']}{'_jours' * days}", r)
        return [_measure(name, fr, mesure, r.get("mostly", 1.0), None)]
    if kind in ("mediane", "moyenne"):
        mesure = {"kind": kind, "colonne": col, **options}
        return [_measure(_name(f"{kind}_{col}", r), fr, mesure, r["min"], r["max"])]
    if kind == "unique":
        return []
    raise ValueError(f"distributions.yml : genre inconnu {kind}")


def _unique_expectations(rules: list[dict]) -> list[dict]:
    """`unique` rules: one row per value of `colonnes` in each file (GX names the lines that repeat one)."""
    return [
        _exp(
            "expect_compound_columns_to_be_unique",
            r["fr"],
            "distribution",
            column_list=[*r["colonnes"], "_fichier"],
        )
        for r in rules
        if r["kind"] == "unique"
    ]


def _contract(feed: str):
    return next(c for c in all_contracts() if c.feed == feed)


def distribution_feeds() -> list[str]:
    """Feeds with distribution suites: bounds in distributions.yml, monthly (empty months), or values with
    plausibility bounds."""
    spec = yaml.safe_load(DISTRIBUTIONS.read_text(encoding="utf-8"))
    return [
        c.feed
        for c in all_contracts()
        if c.feed in spec
        or c.monthly
        or any(col.plausible_min is not None or col.plausible_max is not None for col in c.columns)
    ]


def distribution_suites(spec: dict | None = None) -> dict[str, dict]:
    """Per feed, `<feed>` on the rows of the run's files (contract, plausibility; GX names the file and
    line of each unexpected row) and `<feed>_fichiers` on one row of measures per file of the run; from
    distributions.yml unless `spec` (its content) is given."""
    spec = spec if spec is not None else yaml.safe_load(DISTRIBUTIONS.read_text(encoding="utf-8"))
    suites = {}
    for feed in distribution_feeds():
        meta = {"role": "distribution", "flux": feed, "table": f"raw.{feed}"}
        rows = (
            _contract_expectations(feed) + _plausibility_expectations(feed) + _unique_expectations(spec.get(feed, []))
        )
        suites[feed] = _suite(feed, rows, {**meta, "grain": "ligne"})
        suites[feed + FILES_SUFFIX] = _suite(
            feed + FILES_SUFFIX, _file_expectations(feed, spec.get(feed, [])), {**meta, "grain": "fichier"}
        )
    return suites


def rapports(niveau: str) -> list[str]:
    """Shares and ratios published per commune and at `niveau` (epci, secteur): their numerators and
    denominators add up, total = Σ its communes (for the EPCI, the unknown-commune remainder is a commune row)."""
    return [i.indicateur for i in catalogue() if i.agregat == "rapport" and par_commune(i, niveau)]


def structure_suite() -> dict:
    indicateurs = [i.indicateur for i in catalogue()]
    parts = sorted(i.indicateur for i in catalogue() if i.nature in ("part", "drapeau"))
    scores = sorted(i.indicateur for i in catalogue() if i.nature == "score")
    exps = [
        _exp(
            "expect_table_columns_to_match_ordered_list",
            "colonnes exactes de la table longue (INDICATORS.md)",
            "structure",
            column_list=FCT_COLUMNS,
        ),
        *[
            _exp("expect_column_values_to_not_be_null", f"« {c} » toujours renseigné", "structure", column=c)
            for c in ("annee", "trimestre", "niveau_geo", "code_geo", "indicateur", "modalite", "statut")
        ],
        _exp(
            "expect_column_values_to_be_in_set",
            "« indicateur » dans la liste de l'annexe A",
            "structure",
            column="indicateur",
            value_set=indicateurs,
        ),
        _exp(
            "expect_column_values_to_be_in_set",
            "« statut » parmi ok, secret, non_calculable, sans_objet",
            "structure",
            column="statut",
            value_set=STATUTS,
        ),
        _exp(
            "expect_column_values_to_be_in_set",
            "« niveau_geo » parmi les niveaux admis",
            "structure",
            column="niveau_geo",
            value_set=NIVEAUX_GEO,
        ),
        _exp(
            "expect_column_values_to_be_in_set",
            "« trimestre » entre 1 et 4",
            "structure",
            column="trimestre",
            value_set=[1, 2, 3, 4],
        ),
        _exp(
            "expect_compound_columns_to_be_unique",
            "une seule ligne par trimestre, niveau, territoire, indicateur et modalité",
            "structure",
            column_list=FCT_KEY,
        ),
        _exp(
            "expect_column_values_to_not_be_null",
            "« valeur » renseignée quand le statut est ok",
            "structure",
            column="valeur",
            row_condition='statut == "ok"',
            condition_parser="pandas",
        ),
        _exp(
            "expect_column_values_to_be_between",
            "valeurs positives ou nulles (hors cotations)",
            "structure",
            column="valeur",
            min_value=0,
            # the CASA's grid takes points off a mutation: a score quartile can be below 0 (I2_q1 -2.1 on the
            # synthetic territory to 2026-06)
            row_condition=f"~indicateur.isin({json.dumps(scores)})",
            condition_parser="pandas",
        ),
        _exp(
            "expect_column_values_to_be_between",
            "les parts sont des fractions dans [0, 1]",
            "structure",
            column="valeur",
            min_value=0,
            max_value=1,
            row_condition=f"indicateur.isin({json.dumps(parts)})",
            condition_parser="pandas",
        ),
    ]
    controls = [
        {
            "controle": "communes_presentes",
            "indicateurs": communes_completes(),
            "description": "chaque commune de l'EPCI a sa ligne d'ensemble, pour chaque trimestre où l'indicateur "
            "a des lignes communales",
        },
        {
            "controle": "epci_somme_communes",
            "indicateurs": additifs("epci"),
            "description": "EPCI = Σ communes pour les comptes additifs (modalité ensemble, statut ok)",
        },
        {
            "controle": "epci_somme_communes_rapports",
            "indicateurs": rapports("epci"),
            "colonnes": ["numerateur", "denominateur"],
            "description": "EPCI = Σ communes pour les numérateurs et dénominateurs des parts et ratios (modalité "
            "ensemble, ligne « commune non renseignée » comprise)",
        },
        {
            "controle": "secteur_somme_communes",
            "indicateurs": additifs("secteur"),
            "description": "chaque secteur = Σ ses communes pour les comptes additifs (modalité ensemble, statut ok)",
        },
        {
            "controle": "secteur_somme_communes_rapports",
            "indicateurs": rapports("secteur"),
            "colonnes": ["numerateur", "denominateur"],
            "description": "chaque secteur = Σ ses communes pour les numérateurs et dénominateurs des parts et "
            "ratios (modalité ensemble)",
        },
        {
            "controle": "trimestres_continus",
            "description": "aucun trimestre ne manque entre le premier et le dernier trimestre de la table",
        },
    ]
    return _suite(STRUCTURE_SUITE, exps, {"role": "structure", "table": "marts.fct_indicateurs", "controles": controls})


def all_suites() -> dict[str, dict]:
    return {**distribution_suites(), STRUCTURE_SUITE: structure_suite()}


def render(suite: dict) -> str:
    return json.dumps(suite, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    SUITES_DIR.mkdir(exist_ok=True)
    suites = all_suites()
    for name, suite in suites.items():
        (SUITES_DIR / f"{name}.json").write_text(render(suite), encoding="utf-8")
    stale = [p for p in SUITES_DIR.glob("*.json") if p.stem not in suites]
    for p in stale:
        p.unlink()
    print(f"{len(suites)} suites écrites dans {SUITES_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The proof that merging dbt's data tests kept every check (issue 13): the checks of two manifests, compared.

    .venv/bin/python bench/dbt_checks.py [--reference main] [--dossier D]

Parses the dbt project of the git reference (`git archive`) and that of this checkout (`dbt parse`, no
database), then lists from each manifest every elementary check, whatever test carries it: a `controles`
test counts as the not_null, unique, unique_combination, accepted_values, dans_liste_de_codes and
relationships tests it holds; any other test counts as itself (its name, model and arguments). Each check
keeps its severity and `where`. The encoding test of an indicator model (int_ind_*) counts as that of
int_indicateurs, the union all of their rows, where it holds for each of them. Prints the checks of each
side that the other lacks: the exit status is 1 when they differ.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def elementary(name: str, kwargs: dict) -> list[tuple]:
    """The checks one test holds, each (kind, column(s), argument)."""
    col = kwargs.get("column_name")
    if name in ("not_null", "non_nuls"):
        return [("not_null", c, None) for c in ([col] if col else kwargs["columns"])]
    if name == "unique":
        return [("unique", col, None)]
    if name == "unique_combination":
        return [("unique_combination", tuple(kwargs["columns"]), None)]
    if name == "accepted_values":
        return [("accepted_values", col, tuple(map(str, kwargs["values"])))]
    if name == "dans_liste_de_codes":
        return [("dans_liste_de_codes", col, kwargs["liste"])]
    if name == "relationships":
        return [("relationships", col, (kwargs["to"], kwargs["field"]))]
    if name == "controles":
        return [
            *(("not_null", c, None) for c in kwargs.get("non_nuls", [])),
            *(("unique", c, None) for c in kwargs.get("unique", [])),
            *(("unique_combination", tuple(cs), None) for cs in kwargs.get("combinaisons_uniques", [])),
            *(("accepted_values", c, tuple(map(str, v))) for c, v in kwargs.get("valeurs", {}).items()),
            *(("dans_liste_de_codes", c, liste) for c, liste in kwargs.get("codes", {}).items()),
            *(("relationships", c, (r["to"], r["field"])) for c, r in kwargs.get("references", {}).items()),
        ]
    rest = {k: v for k, v in kwargs.items() if k != "model"}
    return [(name, col, json.dumps(rest, sort_keys=True))]


def checks(manifest: dict) -> set[tuple]:
    """Every elementary check of the manifest's data tests: (model, kind, column(s), argument, severity, where)."""
    out = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        meta = node.get("test_metadata") or {"name": node["name"], "kwargs": {}}
        on = (node.get("attached_node") or node["unique_id"]).split(".")[-1]
        if meta["name"] == "encodage_indicateurs" and on.startswith("int_ind_"):
            on = "int_indicateurs"
        config = (node["config"]["severity"].lower(), node["config"].get("where"))
        out |= {(on, *c, *config) for c in elementary(meta["name"], meta["kwargs"])}
    return out


def parse(project: Path, target: Path) -> dict:
    from assets.dbt import DBT

    command = [DBT, "parse", "--project-dir", str(project), "--profiles-dir", str(project)]
    command += ["--target-path", str(target), "--log-path", str(target)]
    env = {**os.environ, "OBSERVATOIRE_HOME": str(target)}
    out = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"dbt parse a échoué sur {project} :\n{out.stdout[-3000:]}")
    return json.loads((target / "manifest.json").read_text())


def main() -> None:
    from bench.dbt_compare import project_at

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reference", default="main")
    p.add_argument("--dossier", type=Path, default=Path("/tmp/dbt-checks"))
    a = p.parse_args()
    shutil.rmtree(a.dossier, ignore_errors=True)
    reference = project_at(a.reference, a.dossier / "reference")
    ref = checks(parse(reference, a.dossier / "reference" / "target"))
    here = checks(parse(ROOT / "dbt_project", a.dossier / "branche" / "target"))
    tests = {}
    for name, path in (("référence", a.dossier / "reference"), ("branche", a.dossier / "branche")):
        nodes = json.loads((path / "target" / "manifest.json").read_text())["nodes"].values()
        tests[name] = sum(n["resource_type"] == "test" for n in nodes)
    print(f"{a.reference} : {tests['référence']} tests, {len(ref)} vérifications")
    print(f"branche : {tests['branche']} tests, {len(here)} vérifications")
    for label, missing in (("seulement dans la référence", ref - here), ("seulement dans la branche", here - ref)):
        for c in sorted(missing, key=str):
            print(f"{label} : {c}")
    sys.exit(1 if ref != here else 0)


if __name__ == "__main__":
    main()

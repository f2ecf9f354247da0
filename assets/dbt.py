"""The dbt project, alone: `dagster-dbt project prepare-and-package --file assets/dbt.py` loads this
module by path at build time to write the manifest, so it imports nothing of the project but
`assets.paths`, absolutely (loaded by path, it has no package: a relative import fails there; the project
is installed, so `assets` is importable).

Parsing the project costs ~7 s. dbt reuses its previous parse (`partial_parse.msgpack` in the target
folder) only when the --vars, the profile's connection (the home's warehouse path) and the dbt version
are those of that parse, and then reparses only the files that changed. So each home keeps its own
target folder, where every run leaves the parse the next one reuses; a home's first run parses in the
background while the files are ingested (`dbt parse` opens no database).
"""

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dagster_dbt import DbtProject

from assets.dbt_ahead import ADDRESS_ENV, build_env
from assets.paths import DBT_DIR

DBT = str(Path(sys.executable).parent / "dbt")  # the dbt of this environment, even off PATH
PARTIAL_PARSE = "partial_parse.msgpack"
# Next to a home's partial parse: the project folder it was made in (dbt does not check it).
PARSED_IN = "projet_dbt.txt"

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


def ensure_manifest() -> None:
    """Write the manifest when it is missing or older than a file of the dbt project."""
    manifest = dbt_project.manifest_path
    # Folders count too: deleting or renaming a file changes its folder's time, not any remaining file's.
    folders = [DBT_DIR / d for d in ("models", "seeds", "macros", "tests") if (DBT_DIR / d).exists()]
    sources = [*folders, *(p for d in folders for p in d.rglob("*")), DBT_DIR / "dbt_project.yml"]
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}  # dbt of this venv
    subprocess.run(
        [str(bin_dir / "dagster-dbt"), "project", "prepare-and-package", "--file", __file__],
        check=True,
        cwd=DBT_DIR.parent,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def vars_args(vars_: dict) -> list[str]:
    """The settings as dbt receives them (dbt_project.yml holds no copy)."""
    return ["--vars", json.dumps(vars_, sort_keys=True)]


def run_target(home: Path) -> Path:
    """The home's dbt target folder, kept from run to run so that dbt reuses its last parse.

    A parse made in another project folder (the checkout moved) is dropped: its seeds would point
    there. dagster-dbt then starts from the prepared parse, whose seeds it marks for reparsing."""
    target = home / "dbt" / "target"
    target.mkdir(parents=True, exist_ok=True)
    mark = target / PARSED_IN
    if not mark.exists() or mark.read_text(encoding="utf-8") != str(DBT_DIR):
        (target / PARTIAL_PARSE).unlink(missing_ok=True)
        mark.write_text(str(DBT_DIR), encoding="utf-8")
    return target


def dbt_command(*args: str, target: Path, log: Path | None = None) -> list[str]:
    """A dbt command on this project, with its target folder (and log folder: the target by default)."""
    return [
        DBT,
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(log or target),
    ]


@dataclass
class _Ahead:
    """dbt started ahead for a home's build (assets/dbt_ahead.py)."""

    proc: subprocess.Popen
    ready: int | None  # read end of a pipe: a byte (or its end) once the parse is done


_ahead: dict[Path, _Ahead] = {}  # home's target folder -> its prepared dbt


def start_parse(home: Path, vars_: dict, env: dict[str, str]) -> None:
    """Start dbt ahead of the build: it parses now (in full on a home's first run: ~7 s while the files are
    ingested), with the run's vars and the build's `env` (what the profile reads), then waits to run the
    build (assets/dbt_ahead.py). Commands of this process's dbt resource find it through ADDRESS_ENV."""
    target = run_target(home)
    if target in _ahead:
        return
    address = f"observatoire-dbt-{secrets.token_hex(8)}"
    ready, ready_w = os.pipe()
    base = {k: v for k, v in os.environ.items() if k != ADDRESS_ENV}
    args = [address, str(os.getpid()), vars_args(vars_)[1], str(ready_w)]
    with open(target / "parse.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "assets.dbt_ahead", *args],
            cwd=DBT_DIR,
            env=build_env({**base, **env}, DBT_DIR, target),
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(ready_w,),
        )
    os.close(ready_w)
    _ahead[target] = _Ahead(proc, ready)
    os.environ[ADDRESS_ENV] = address


def wait_parse(home: Path) -> None:
    """Wait until the home's prepared dbt has parsed, if there is one (its errors show again in the build)."""
    ahead = _ahead.get(home / "dbt" / "target")
    if ahead is not None and ahead.ready is not None:
        os.read(ahead.ready, 1)
        os.close(ahead.ready)
        ahead.ready = None


def end_parse(home: Path) -> None:
    """End the home's prepared dbt once the run is over: it has built, or will not (it may not be left
    writing its parse)."""
    wait_parse(home)
    ahead = _ahead.pop(home / "dbt" / "target", None)
    if ahead is None:
        return
    os.environ.pop(ADDRESS_ENV, None)
    ahead.proc.terminate()
    try:
        ahead.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        ahead.proc.kill()
        ahead.proc.wait()

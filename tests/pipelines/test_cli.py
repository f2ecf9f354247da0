"""The `observatoire` command as the analyst runs it (a real process, the home's Dagster instance): its help,
the demo's refusal of a home with other data, and what the next commands do on a home after its first run:
a run that finds nothing new, a run with the wrong key, `rejouer`, a held re-send applied with `--accepter`.

The first run on the fixture drop (ingestion, dbt build, checks, publication: the most expensive step of these
tests) is made once for the module; each test works on a copy of the home it left."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import DEPOT, TEST_KEY_HEX, dump

BIN = Path(sys.executable).parent
STRAY = "lisez-moi.txt"  # a file of no feed, dropped with the fixture drop


def observatoire(*args: str, env_extra: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **(env_extra or {})}
    return subprocess.run([str(BIN / "observatoire"), *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """(home, the command's output) after `observatoire run` on a fresh home whose inbox holds the fixture drop
    and a stray file. Read only: the tests that run again take `ran_home`."""
    home = tmp_path_factory.mktemp("premier_run") / "home"
    shutil.copytree(DEPOT, home / "inbox")
    (home / "inbox" / STRAY).write_text("x")
    return home, observatoire("run", "--home", str(home), env_extra={"OBSERVATOIRE_CLE": TEST_KEY_HEX})


@pytest.fixture
def ran_home(first_run, tmp_path, key_env, monkeypatch) -> Path:
    """A copy of the home after its first run, without the stray file: its inbox empty, as a run of known files
    leaves it; OBSERVATOIRE_HOME points at it."""
    home = tmp_path / "home"
    shutil.copytree(first_run[0], home)
    (home / "inbox" / STRAY).unlink()
    monkeypatch.setenv("OBSERVATOIRE_HOME", str(home))
    return home


def test_help_is_in_french():
    out = observatoire("--help")
    assert out.returncode == 0
    for words in (
        "ingère les nouveaux fichiers",
        "reconstruit les tables brutes depuis l'archive",
        "écrit un territoire synthétique",
        "lance l'interface Dagster",
    ):
        assert words in out.stdout


def test_demo_refuses_a_home_with_other_data(tmp_path):
    (tmp_path / "warehouse.duckdb").write_text("")
    out = observatoire("demo", "--home", str(tmp_path))
    assert out.returncode == 2 and "choisissez un autre dossier" in out.stdout


def test_run_ingests_the_inbox_and_records_the_run_in_the_home_instance(first_run, ran_home, monkeypatch):
    first_home, out = first_run
    assert out.returncode == 0, out.stdout + out.stderr
    assert "sne_demandes" in out.stdout and "Traitement terminé." in out.stdout
    assert "nanobind" not in out.stderr  # no binding's exit report after the last sentence
    assert f"{STRAY} : nom de fichier non reconnu, laissé dans la boîte de dépôt" in out.stdout
    assert (first_home / "inbox" / STRAY).exists()
    monkeypatch.setenv("DAGSTER_HOME", str(ran_home / "dagster"))
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs()
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS]
    assert runs[0].tags["observatoire/origine"] == "cli"
    # a second run finds nothing new and changes nothing
    before = dump(ran_home / "warehouse.duckdb")
    again = observatoire("run", "--home", str(ran_home))
    assert again.returncode == 0 and "Aucun nouveau fichier chargé." in again.stdout
    assert dump(ran_home / "warehouse.duckdb") == before


def test_run_with_the_wrong_key_is_refused_before_it_starts_with_a_french_message(ran_home, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(ran_home / "dagster"))
    runs = len(dg.DagsterInstance.get().get_runs())
    out = observatoire("run", "--home", str(ran_home), env_extra={"OBSERVATOIRE_CLE": "c3" * 32})
    assert out.returncode == 2
    assert "Erreur : la clé de pseudonymisation (environnement) n'est pas celle de l'entrepôt" in out.stderr
    assert len(dg.DagsterInstance.get().get_runs()) == runs  # refused before Dagster started a run


def test_rejouer_rebuilds_from_the_archive(ran_home):
    ignore = ("debut", "duree_s", "_charge_le", "recu_le", "enregistree_le")
    before = dump(ran_home / "warehouse.duckdb", exclude_columns=ignore)
    out = observatoire("rejouer", "--home", str(ran_home))
    assert out.returncode == 0, out.stderr
    assert "5 fichiers rejoués depuis l'archive" in out.stdout
    assert dump(ran_home / "warehouse.duckdb", exclude_columns=ignore) == before


def test_a_held_resend_is_reported_and_applied_with_accepter(ran_home):
    name = "sne_demandes_20250131.csv"
    header = (DEPOT / name).read_bytes().splitlines(keepends=True)[0]
    (ran_home / "inbox" / name).write_bytes(header)  # a re-send with no data row
    shutil.copy(DEPOT / "sne_demandes_20250228.csv", ran_home / "inbox")  # identical to the loaded version
    out = observatoire("run", "--home", str(ran_home))
    assert out.returncode == 0, out.stdout + out.stderr
    assert (
        f"fichier retenu {name} : renvoi non appliqué : il remplacerait les 3 lignes de sne_demandes du 31/01/2025"
        in out.stdout
    )
    assert f"observatoire run --accepter {name}" in out.stdout
    assert "fichier déjà chargé sne_demandes_20250228.csv : identique à la version chargée" in out.stdout
    assert not list((ran_home / "inbox").iterdir())
    con = duckdb.connect(str(ran_home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*) from raw.sne_demandes where _fichier = ?", [name]).fetchall() == [(3,)]
    con.close()
    accepted = observatoire("run", "--home", str(ran_home), "--accepter", name)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert [line.split()[:2] for line in accepted.stdout.splitlines() if line.startswith("sne_demandes ")] == [
        ["sne_demandes", "1"]
    ]
    con = duckdb.connect(str(ran_home / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*) from raw.sne_demandes where _fichier = ?", [name]).fetchall() == [(0,)]
    con.close()

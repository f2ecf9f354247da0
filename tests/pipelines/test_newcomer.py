"""What a newcomer reads: `observatoire run --help`, the README, the summary's landlord names."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.summary import completeness_lines

ROOT = Path(__file__).resolve().parents[2]


def test_run_help_says_where_the_inbox_is_and_where_files_go(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "boîte de dépôt, le dossier inbox/ du dossier de travail (par défaut ./data/inbox/" in text
    assert "quitte la boîte de dépôt pour archive/" in text


def test_landlord_names_are_not_cut_in_the_completeness_grid():
    long_name = "Société Anonyme d'Habitations à Loyer Modéré Côte d'Azur Habitat Méditerranée"
    grid = [
        {"bailleur_siren": "900000001", "nom_bailleur": long_name, "flux": "cal", "recus": 2, "attendus": 3},
        {"bailleur_siren": "900000002", "nom_bailleur": "Office Un", "flux": "cal", "recus": 3, "attendus": 3},
    ]
    lines = completeness_lines({"recus_par_bailleur": grid})
    row = next(line for line in lines if "900000001" in line)
    assert f"{long_name} (900000001)" in row and row.endswith("2/3")
    # the columns stay aligned below the longest name
    assert len({len(line) for line in lines[1:]}) == 1


def test_readme_documents_install_the_archive_and_the_glossary():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make install" in readme
    assert "quitte la boîte de dépôt" in readme and "archive/" in readme
    assert "(docs/glossaire.md)" in readme

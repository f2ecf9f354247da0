"""Settings read from observatoire.toml: the délai anormalement long is checked against the contract."""

from __future__ import annotations

import pytest

from assets.settings import load_settings


def _toml(home, text: str):
    home.mkdir(parents=True, exist_ok=True)
    (home / "observatoire.toml").write_text(text, encoding="utf-8")
    return home


def test_delai_by_typology_reaches_dbt_as_a_var(tmp_path):
    settings = load_settings(_toml(tmp_path, "[delai_anormalement_long]\nT2 = 24\nT6P = 36.5\n"))
    assert settings.dbt_vars()["delai_anormalement_long"] == {"T2": 24, "T6P": 36.5}


def test_delai_for_an_unknown_typology_is_refused_in_french(tmp_path):
    with pytest.raises(ValueError, match="typologies inconnues T7 .attendues : C, T1"):
        load_settings(_toml(tmp_path, "[delai_anormalement_long]\nT7 = 24\n"))


@pytest.mark.parametrize("value", ["0", "-3", '"24"'])
def test_delai_must_be_a_positive_number_of_months(tmp_path, value):
    with pytest.raises(ValueError, match="nombre de mois positif est attendu pour T2"):
        load_settings(_toml(tmp_path, f"[delai_anormalement_long]\nT2 = {value}\n"))


def test_unknown_setting_is_refused(tmp_path):
    with pytest.raises(ValueError, match="paramètres inconnus : seuil"):
        load_settings(_toml(tmp_path, "seuil = 3\n"))

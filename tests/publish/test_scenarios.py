"""The analyst's scenarios file (assets/publish/scenarios.py): a valid file read as declared, each fault a
French error naming the file, the programme and the reason, no file → no declaration."""

from __future__ import annotations

import pytest

from assets.publish.scenarios import Declaration, Scenario, ScenariosInvalides, default_scenario, read_scenarios

LOGEMENTS = {"PRG-2026-0001": 20, "PRG-2026-0002": 8}
RESERVATAIRES = ["PPRIOR", "PFONCT", "COLACT", "COLTER", "AUTRES", "AUCUN"]
VALID = """
programmes:
  PRG-2026-0001:
    qpv: non
    typologies: {T2: 8, T3: 8, T4: 4}
    scenarios:
      - nom: Proposition de la CASA
        repartition: {PPRIOR: 6, COLACT: 5, COLTER: 5, AUCUN: 4}
      - repartition: {PPRIOR: 10, COLTER: 10, AUCUN: 0}
"""
SCENARIO_A = "programmes:\n  PRG-2026-0002:\n    scenarios:\n      - nom: A\n        repartition: {}\n"


def read(tmp_path, text: str) -> dict[str, Declaration]:
    path = tmp_path / "scenarios_programmes.yaml"
    path.write_text(text, encoding="utf-8")
    return read_scenarios(path, LOGEMENTS, RESERVATAIRES)


def test_a_valid_file_gives_each_programme_its_declared_status_mix_and_splits(tmp_path):
    got = read(tmp_path, VALID)
    assert got == {
        "PRG-2026-0001": Declaration(
            qpv=False,
            typologies={"T2": 8, "T3": 8, "T4": 4},
            scenarios=(
                Scenario("Proposition de la CASA", {"PPRIOR": 6, "COLACT": 5, "COLTER": 5, "AUCUN": 4}),
                Scenario("Scénario 2", {"PPRIOR": 10, "COLTER": 10}),
            ),
        )
    }


def test_without_a_file_nothing_is_declared_and_the_default_scenario_is_the_files_orientation(tmp_path):
    assert read_scenarios(tmp_path / "absent.yaml", LOGEMENTS, RESERVATAIRES) == {}
    default = default_scenario({"PPRIOR": 3, "AUCUN": 5})
    assert default == Scenario("Orientation du fichier des programmes", {"PPRIOR": 3, "AUCUN": 5})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "programmes:\n  PRG-1999-0009:\n    qpv: oui\n",
            "scenarios_programmes.yaml : programme PRG-1999-0009 : programme inconnu parmi les programmes non "
            "livrés du dernier fichier programmes_AAAAMMJJ.csv",
        ),
        (
            SCENARIO_A.format("{PPRIOR: 5, COLTER: 2}"),
            "scenarios_programmes.yaml : programme PRG-2026-0002 : scénario « A » : la répartition compte 7 logements, "
            "le programme en compte 8",
        ),
        (
            SCENARIO_A.format("{CASA: 4, COLTER: 4}"),
            "scenarios_programmes.yaml : programme PRG-2026-0002 : scénario « A » : code inconnu CASA (codes admis : "
            "PPRIOR, PFONCT, COLACT, COLTER, AUTRES, AUCUN)",
        ),
        (
            "programmes:\n  PRG-2026-0002:\n    typologies: {T2: 4, T7: 4}\n",
            "scenarios_programmes.yaml : programme PRG-2026-0002 : typologies : code inconnu T7 (codes admis : T1, T2, "
            "T3, T4, T5, T6P)",
        ),
        (
            "programmes:\n  PRG-2026-0002:\n    scenarios:\n      - repartition: {PPRIOR: -1, COLTER: 9}\n",
            "scenarios_programmes.yaml : programme PRG-2026-0002 : scénario « Scénario 1 » : un nombre entier de "
            "logements (0 ou plus) est attendu pour PPRIOR",
        ),
        (
            "programmes:\n  PRG-2026-0002:\n    qpv: peut-être\n",
            "scenarios_programmes.yaml : programme PRG-2026-0002 : qpv : « oui » ou « non » attendu, pas « peut-être »",
        ),
        (
            "programmes: [a, b]\n",
            "scenarios_programmes.yaml : une clé « programmes » est attendue, un programme par identifiant",
        ),  # fmt: skip
        ("programmes:\n  PRG: {qpv: oui\n", "scenarios_programmes.yaml (ligne 3, colonne 1) : YAML illisible"),
    ],
)
def test_each_fault_is_a_french_error_naming_the_file_the_programme_and_the_reason(tmp_path, text, message):
    with pytest.raises(ScenariosInvalides) as e:
        read(tmp_path, text)
    assert str(e.value).startswith(message)

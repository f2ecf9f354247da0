"""The analyst's scenarios for the réservataire meetings (`<home>/scenarios_programmes.yaml`, README
« Scénarios de contingents »): per programme not yet delivered, its declared QPV status and typology mix,
and one or more splits of its dwellings between réservataires. Validated against the latest programmes file
and the contract's codes; any fault is a French error naming the file, the programme and the reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

# The financing-free typologies of a dwelling (INDICATORS.md, "Typology"): `C` has no dwelling counterpart.
TYPOLOGIES = ("T1", "T2", "T3", "T4", "T5", "T6P")
QPV_WORDS = {"oui": True, "non": False}
DEFAULT_NAME = "Orientation du fichier des programmes"


class ScenariosInvalides(ValueError):
    """The scenarios file cannot be used: the brief is not written on a guess."""


@dataclass(frozen=True)
class Scenario:
    nom: str
    repartition: dict[str, int]  # réservataire code → dwellings


@dataclass(frozen=True)
class Declaration:
    """What the analyst declares for one programme; None where nothing is declared."""

    qpv: bool | None = None
    typologies: dict[str, int] | None = None
    scenarios: tuple[Scenario, ...] = ()


def read_scenarios(path: Path, logements: dict[str, int], reservataires: list[str]) -> dict[str, Declaration]:
    """The declarations of `path` per programme id (none when the file does not exist); `logements`: the
    dwellings of each programme not yet delivered; `reservataires`: the contract's codes."""
    if not path.exists():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark else ""
        raise ScenariosInvalides(f"{path.name}{where} : YAML illisible : {getattr(e, 'problem', e)}") from None
    programmes = doc.get("programmes") if isinstance(doc, dict) else None
    if not isinstance(programmes, dict):
        raise ScenariosInvalides(f"{path.name} : une clé « programmes » est attendue, un programme par identifiant")
    return {
        str(pid): _declaration(path.name, str(pid), entry, logements, reservataires)
        for pid, entry in programmes.items()
    }


def _declaration(name: str, pid: str, entry, logements: dict[str, int], reservataires: list[str]) -> Declaration:
    def fail(reason: str):
        raise ScenariosInvalides(f"{name} : programme {pid} : {reason}")

    if pid not in logements:
        fail("programme inconnu parmi les programmes non livrés du dernier fichier programmes_AAAAMMJJ.csv")
    if not isinstance(entry, dict):
        fail("les clés « qpv », « typologies » et « scenarios » sont attendues")
    unknown = sorted(set(entry) - {"qpv", "typologies", "scenarios"})
    if unknown:
        fail(f"clé inconnue {', '.join(map(str, unknown))} (clés admises : qpv, typologies, scenarios)")
    total = logements[pid]
    qpv = entry.get("qpv")
    if qpv is not None and str(qpv).lower() not in QPV_WORDS:
        fail(f"qpv : « oui » ou « non » attendu, pas « {qpv} »")
    typologies = entry.get("typologies")
    if typologies is not None:
        typologies = _counts(fail, "typologies", typologies, TYPOLOGIES, total)
    scenarios = []
    for i, sc in enumerate(entry.get("scenarios") or [], start=1):
        if not isinstance(sc, dict) or not isinstance(sc.get("repartition"), dict):
            fail(f"scénario n° {i} : une « repartition » (code réservataire : logements) est attendue")
        nom = str(sc.get("nom") or f"Scénario {i}")
        scenarios.append(Scenario(nom, _counts(fail, f"scénario « {nom} »", sc["repartition"], reservataires, total)))
    return Declaration(None if qpv is None else QPV_WORDS[str(qpv).lower()], typologies, tuple(scenarios))


def _counts(fail, what: str, counts: dict, codes, total: int) -> dict[str, int]:
    """A split of the programme's `total` dwellings over known codes, each a whole number ≥ 0."""
    unknown = sorted(str(k) for k in counts if str(k) not in codes)
    if unknown:
        fail(f"{what} : code inconnu {', '.join(unknown)} (codes admis : {', '.join(codes)})")
    bad = sorted(str(k) for k, v in counts.items() if isinstance(v, bool) or not isinstance(v, int) or v < 0)
    if bad:
        fail(f"{what} : un nombre entier de logements (0 ou plus) est attendu pour {', '.join(bad)}")
    if sum(counts.values()) != total:
        fail(f"{what} : la répartition compte {sum(counts.values())} logements, le programme en compte {total}")
    return {str(k): v for k, v in counts.items() if v}


def default_scenario(orientation: dict[str, int]) -> Scenario:
    """The orientation of the first lettings in the programmes file itself (réservataire → dwellings)."""
    return Scenario(DEFAULT_NAME, dict(orientation))

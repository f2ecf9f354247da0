"""Every feed of the contracts has its distribution suites (GX, warn): they pass on the generator's territory
at the demo's scale, and each catches a file with a known defect, named by file (or line)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
import yaml

from assets.checks import run_files, run_rows
from assets.ingest.loader import LOADED, Ingestor, pending
from assets.settings import load_settings
from assets.warehouse import connect
from expectations import runner, suites_gen
from expectations.contract import all_contracts, feed_for
from pipelines.generator.api import generate

# The feeds that had no bounds of their own before issue 13 (the others have their tests in test_runner.py).
FEEDS = ["mouvements", "programmes", "bilan_flux", "engagements_cia", "bailleurs"]
EMPTY_MONTH = "au moins une ligne chargée (flux mensuel : sinon le mois est vide)"


def test_every_contract_feed_has_its_distribution_suites_and_check():
    """A feed added to the contracts without bounds in distributions.yml fails here."""
    from assets.checks import GX_CHECKS

    spec = yaml.safe_load(suites_gen.DISTRIBUTIONS.read_text(encoding="utf-8"))
    checks = {s.name: s for c in GX_CHECKS for s in c.check_specs}
    for contract in all_contracts():
        feed = contract.feed
        rules = spec.get(feed) or []
        assert any(r["kind"] != "lignes" for r in rules), f"{feed} : aucune borne de distribution"
        assert feed in suites_gen.distribution_feeds(), feed
        files_suite = runner.load_suite(f"{feed}_fichiers")
        assert len(files_suite["expectations"]) + len(runner.load_suite(feed)["expectations"]) >= len(rules), feed
        check = checks[f"distribution_{feed}"]
        assert not check.blocking and check.asset_key.path == ["raw", feed], feed


def test_a_misspelt_column_or_filter_stops_the_suites_generation():
    spec = yaml.safe_load(suites_gen.DISTRIBUTIONS.read_text(encoding="utf-8"))
    rule = {"kind": "part", "colonne": "financement", "valeurs": ["PLAI"], "min": 0, "max": 1, "fr": "PLAI"}
    for wrong, message in (
        ({"poids": "nb_logement"}, "programmes, règle « PLAI » : colonnes inconnues ['nb_logement']"),
        ({"filtre": "date_livraison is nul"}, "filtre illisible « date_livraison is nul »"),
        ({"filtre": "livraison is null"}, "colonnes inconnues ['livraison']"),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            suites_gen.distribution_suites({**spec, "programmes": [{**rule, **wrong}]})
    assert suites_gen.distribution_suites({**spec, "programmes": [rule]})["programmes_fichiers"]


# --- on the generator's territory -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def territory(tmp_path_factory) -> tuple[Path, set[str]]:
    """A home holding the five feeds of a year of the demo's territory (seed 1, scale 1, 2025: a whole year,
    so that the landlords' yearly flux reports are written), and the names of the files the generator wrote
    with a header only."""
    home = tmp_path_factory.mktemp("territoire")
    generate(home / "depot", seed=1, scale=1.0, debut="2025-01", fin="2025-12")
    settings = load_settings(home)
    settings.inbox.mkdir(parents=True)
    header_only = set()
    for path in sorted((home / "depot").iterdir()):
        if feed_for(path.name).feed in FEEDS:
            header_only |= {path.name} if len(path.read_bytes().splitlines()) == 1 else set()
            path.rename(settings.inbox / path.name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATOIRE_CLE", "a1" * 32)
        with connect(home) as con:
            reports = Ingestor(con, settings, say=lambda m: None).ingest_inbox(pending(settings.inbox)[0])
    assert {r.statut for r in reports} == {LOADED}
    return home, header_only


@pytest.mark.parametrize("feed", FEEDS)
def test_each_feed_suite_passes_on_the_generated_territory(territory, feed):
    """Every expectation holds on every file, but the empty months of a monthly feed: they warn, on
    exactly the files the generator wrote with a header only (a small landlord's quiet month)."""
    home, header_only = territory
    with connect(home) as con:
        files = run_files(con, feed, None)
        rows = run_rows(con, feed, list(files), runner.feed_columns(feed))
    assert len(files) > 0 and rows.height > 0
    results = runner.validate_files(rows, feed, files)
    missed = {e.description: {c["fichier"] for c in e.constats} for r in results for e in r.failures}
    empty = {name for name in header_only if name in files}
    assert missed == ({EMPTY_MONTH: empty} if empty else {}), [r.markdown() for r in results]


# --- a known defect in each feed's file -------------------------------------------------------------------


def frame(fichier: str, rows: list[dict], file_date: dt.date | None = None) -> pl.DataFrame:
    """A file's rows as raw.<feed> holds them: its name, its lines from 2, its date."""
    return pl.DataFrame(
        [{"_fichier": fichier, "_ligne": i + 2, "_date_fichier": file_date, **r} for i, r in enumerate(rows)]
    )


def missed(rows: pl.DataFrame, feed: str) -> dict[str, list]:
    """{each expectation missed: the (file, line, value) GX named}, on a run of the frame's files."""
    files = dict.fromkeys(sorted(rows["_fichier"].unique()))
    results = runner.validate_files(rows, feed, files)
    return {e.description: e.constats for r in results for e in r.failures}


def value(fichier: str, v) -> list[dict]:
    return [{"fichier": fichier, "valeur": pytest.approx(v)}]


MOUV = "mouvements_901548073_202503.csv"


def mouvements(entrees: int = 12, departs: int = 12, late: int = 0, autres: int = 2, pieces: int = 3):
    end = dt.date(2025, 3, 31)
    event = dict(ident_rep="L1", contreslog=None, nbpiece=None)
    rows = [{**event, "type_evenement": "ENTREE", "motif": None, "date_evenement": end} for _ in range(entrees)]
    rows += [
        {**event, "type_evenement": "DEPART", "motif": "AUTRE" if i < autres else "DEMENAGEMENT", "date_evenement": end}
        for i in range(departs)
    ]
    rows += [
        {**event, "type_evenement": "MISE_EN_SERVICE", "motif": None, "date_evenement": end, "nbpiece": pieces}
        for _ in range(6)
    ]
    for r in rows[:late]:
        r["date_evenement"] = dt.date(2024, 11, 30)  # an event of four months before, sent late
    return frame(MOUV, rows, end)


def test_mouvements_suite_catches_a_landlord_that_sends_no_departures():
    assert missed(mouvements(), "mouvements") == {}
    found = missed(mouvements(entrees=24, departs=0, late=6, pieces=6), "mouvements")
    assert found == {
        "entrées et départs se répondent : part des entrées parmi eux entre 10 % et 90 % (fichiers d'au moins 20)": (
            value(MOUV, 1.0)
        ),
        "au moins 95 % des événements datés du mois du fichier (31 jours avant sa date au plus)": value(MOUV, 0.8),
        "taille moyenne des logements mis en service entre 1,5 et 4,5 pièces (au moins 5 mises en service)": (
            value(MOUV, 6.0)
        ),
    }
    # motives: « autre » for most departures; a small file is not judged on its shares
    assert list(missed(mouvements(autres=8), "mouvements")) == [
        "départs au motif « autre » au plus 50 % des départs motivés (fichiers d'au moins 10)"
    ]
    assert missed(mouvements(entrees=10, departs=0).head(10), "mouvements") == {}


PROG = "programmes_20250318.csv"


def programmes(financements: tuple[str, ...] = ("PLAI", "PLUS", "PLS"), planned: dt.date = dt.date(2026, 6, 30)):
    base = dict(nom_programme="Les Oliviers", bailleur_siren="901548073", commune="06004", date_livraison=None)
    rows = [
        {
            **base,
            "programme_id": f"PRG-{p}",
            "financement": fin,
            "reservataire": res,
            "nb_logements": 10,
            "date_livraison_prevue": planned,
        }
        for p in range(4)
        for fin in financements
        for res in ("PPRIOR", "COLTER", "AUCUN")
    ]
    return frame(PROG, rows, dt.date(2025, 3, 18))


def test_programmes_suite_catches_programmes_late_and_without_plai():
    assert missed(programmes(), "programmes") == {}
    found = missed(programmes(financements=("PLUS", "PLS"), planned=dt.date(2024, 12, 31)), "programmes")
    assert found == {
        "part des logements financés en PLAI entre 15 % et 60 %": value(PROG, 0.0),
        "part des logements financés en PLS ou PLI au plus 45 %": value(PROG, 0.5),
        "livraison prévue à venir (dans les 10 ans) pour au moins 70 % des lignes de programmes non livrés": (
            value(PROG, 0.0)
        ),
    }
    # delivered programmes are not judged on their planned date; the shares count dwellings, not lines
    delivered = programmes(planned=dt.date(2024, 12, 31)).with_columns(date_livraison=pl.lit(dt.date(2025, 1, 15)))
    assert missed(delivered, "programmes") == {}
    big_pls = programmes().with_columns(
        nb_logements=pl.when(pl.col("financement") == "PLS").then(100).otherwise(pl.col("nb_logements"))
    )
    assert set(missed(big_pls, "programmes")) == {
        "part des logements financés en PLAI entre 15 % et 60 %",
        "part des logements financés en PLS ou PLI au plus 45 %",
    }


BILAN = "bilan_flux_901548073_2025.csv"


def bilan_flux(prefecture: int = 5, other: int = 10, qpv: bool = False) -> pl.DataFrame:
    rows = [
        {
            "reservataire": res,
            "commune": "06004",
            "typologie": typo,
            "financement": "PLUS",
            "qpv": qpv,
            "logements_proposes": n,
            "logements_attribues": n,
        }
        for res, n in (("PPRIOR", prefecture), ("COLTER", other), ("AUCUN", other), ("COLACT", other))
        for typo in ("T1", "T2", "T3", "T4", "T5")
    ]
    return frame(BILAN, rows, dt.date(2025, 12, 31))


def test_bilan_flux_suite_catches_a_report_without_the_prefecture_and_all_in_qpv():
    assert missed(bilan_flux(), "bilan_flux") == {}
    found = missed(bilan_flux(prefecture=0, qpv=True), "bilan_flux")
    assert found == {
        "part des logements attribués sur le contingent préfectoral prioritaire entre 5 % et 60 % (bilans d'au "
        "moins 20 lignes)": value(BILAN, 0.0),
        "part des logements attribués en QPV au plus 70 %": value(BILAN, 1.0),
    }
    absurd = bilan_flux().with_columns(logements_proposes=pl.lit(900, pl.Int64))
    assert missed(absurd, "bilan_flux") == {"logements proposés par ligne entre 0 et 500": value(BILAN, 0.0)}


CIA = "engagements_cia_2025.csv"


def engagements(q1: float = 0.25, q3: float = 0.5) -> pl.DataFrame:
    base = dict(annee=2025, bailleur_siren="*", source="CIA art. 4")
    rows = [{**base, "reservataire": r, "quota": "Q1_PRIORITAIRES", "taux_cible": q1} for r in ("COLTER", "AUCUN")]
    rows.append({**base, "reservataire": "*", "quota": "Q2_PREMIER_QUARTILE_HORS_QPV", "taux_cible": 0.25})
    rows.append({**base, "reservataire": "*", "quota": "Q3_QUARTILES_2_4_EN_QPV", "taux_cible": q3})
    return frame(CIA, rows, dt.date(2025, 12, 31))


def test_engagements_cia_suite_catches_rates_written_as_percents():
    assert missed(engagements(), "engagements_cia") == {}
    found = missed(engagements(q1=0.1, q3=50.0), "engagements_cia")
    assert found == {
        "taux cibles entre 0 et 100 %": value(CIA, 0.75),
        "taux cible Q1 (ménages prioritaires) d'au moins 25 % (CCH L.441-1)": value(CIA, 0.0),
        "taux cible Q3 (quartiles 2 à 4 en QPV) entre 40 % et 100 % (50 % par défaut, CCH L.441-1)": value(CIA, 0.0),
    }
    assert missed(engagements(q3=0.3), "engagements_cia") == {
        "taux cible Q3 (quartiles 2 à 4 en QPV) entre 40 % et 100 % (50 % par défaut, CCH L.441-1)": value(CIA, 0.0)
    }


REF = "bailleurs.csv"


def bailleurs(names: tuple[str, ...] = ("Habitat 06", "Logis Azur", "Côte Habitat")) -> pl.DataFrame:
    rows = [
        {"siren": f"90154807{i}", "nom_bailleur": n, "type": "ESH", "envoie_mouvements": True, "perimetre_cal": "TOUS"}
        for i, n in enumerate(names)
    ]
    return frame(REF, rows)


def test_bailleurs_suite_catches_a_landlord_listed_twice():
    assert missed(bailleurs(), "bailleurs") == {}
    twice = bailleurs(("Habitat 06", "Logis Azur", "Habitat 06"))
    assert missed(twice, "bailleurs") == {
        "une seule ligne par raison sociale (un bailleur sous deux SIREN ?)": [
            {"fichier": REF, "ligne": 2, "valeur": "Habitat 06"},
            {"fichier": REF, "ligne": 4, "valeur": "Habitat 06"},
        ]
    }
    quiet = bailleurs().with_columns(envoie_mouvements=pl.lit(False), perimetre_cal=pl.lit("AUCUN"))
    assert missed(quiet, "bailleurs") == {
        "au moins 30 % des bailleurs envoient leurs mouvements": value(REF, 0.0),
        "au plus 50 % des bailleurs sans retour de CAL": value(REF, 1.0),
    }

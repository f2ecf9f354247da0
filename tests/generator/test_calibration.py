"""Calibration of the scale-1 territory, recomputed from the written files (INDICATORS.md definitions)."""

from __future__ import annotations

import csv
import datetime as dt

import polars as pl
import pytest

from expectations.contract import EPCI_SIREN, SEEDS_DIR, communes

from .filecheck import day_of

LAST = "sne_demandes_20260930.csv"
FIRST = "sne_demandes_20240131.csv"
T_LAST = dt.date(2026, 9, 30)
T_FIRST = dt.date(2024, 1, 31)
EPCI = [r["code_insee"] for r in communes()]


def _q1(year: int) -> float:
    with open(SEEDS_DIR / "seuils_quartiles.csv", encoding="utf-8", newline="") as f:
        return next(
            float(r["q1"]) for r in csv.DictReader(f) if r["epci_siren"] == EPCI_SIREN and int(r["annee"]) == year
        )


def _snapshot(feeds, name: str) -> pl.DataFrame:
    return feeds["sne_demandes"].filter(pl.col("_file") == name)


def _with_uc(df: pl.DataFrame) -> pl.DataFrame:
    p = pl.col("nb_personnes").cast(pl.Int64)
    k = pl.col("nb_enfants_moins_14_ans").cast(pl.Int64)
    return df.with_columns(
        uc=1 + 0.5 * (p - 1 - k) + 0.3 * k,
        rev=pl.col("revenu_mensuel").str.replace(",", ".", literal=True).cast(pl.Float64),
    )


def _radatt(feeds) -> pl.DataFrame:
    r = feeds["sne_radiations"].filter(pl.col("motif_radiation") == "RADATT")
    return r.with_columns(bail=day_of("date_signature_bail"), rad=day_of("date_radiation"))


def _first_choice(df: pl.DataFrame) -> pl.Series:
    return df["communes_souhaitees"].str.split("|").list.first()


def test_active_demands_at_the_last_snapshot(feeds, territory):
    n = _snapshot(feeds, LAST).height
    assert 10_400 * 0.9 <= n <= 10_400 * 1.1
    assert territory[0].calibration["demandes_actives"] == n


def test_first_choices_follow_population(feeds):
    df = _snapshot(feeds, LAST)
    first = _first_choice(df)
    counts = dict(first.value_counts().iter_rows())
    pop = {r["code_insee"]: int(r["population_municipale"]) for r in communes()}
    assert max(counts, key=counts.get) == "06004"  # Antibes
    assert sum(1 for c in EPCI if counts.get(c, 0) > 0) >= 22
    share = pl.DataFrame({"c": EPCI, "pop": [pop[c] for c in EPCI], "n": [counts.get(c, 0) for c in EPCI]})
    assert share.select(pl.corr("pop", "n")).item() > 0.97
    outside = first.filter(~first.is_in(EPCI)).len() / df.height
    assert 0.01 < outside < 0.08
    n_choices = df["communes_souhaitees"].str.split("|").list.len()
    assert n_choices.min() == 1 and n_choices.max() == 5
    every = df["communes_souhaitees"].str.split("|").explode()
    assert every.filter(~every.is_in(EPCI)).len() > 0
    # Every demand wishes at least one commune of the EPCI.
    assert df["communes_souhaitees"].str.split("|").list.eval(pl.element().is_in(EPCI)).list.any().all()


def test_stock_and_landlords(feeds):
    rpls = feeds["rpls"]
    first = rpls.filter(pl.col("_file") == "rpls_2024.csv")
    assert 7_800 <= first.height <= 9_400
    assert first["SIREN"].n_unique() == 17
    assert first["DEPCOM"].value_counts().sort("count")["DEPCOM"][-1] == "06004"
    qpv = first.filter(pl.col("QPV").is_not_null())
    assert 0.08 < qpv.height / first.height < 0.25
    assert set(qpv["DEPCOM"]) == {"06004", "06155", "06152"}  # Antibes, Vallauris, Valbonne


def test_tension_between_8_and_14(feeds):
    df = _snapshot(feeds, LAST)
    active = df.filter(_first_choice(df).is_in(EPCI)).height
    att = _radatt(feeds).filter((pl.col("bail") > dt.date(2025, 9, 30)) & (pl.col("bail") <= T_LAST)).height
    assert 8 <= active / att <= 14


def test_offer_refusals_between_30_and_45_percent(feeds):
    cal = feeds["cal"].with_columns(bailleur=pl.col("_file").str.slice(4, 9))
    final = cal.sort("_file").unique(
        ["bailleur", "date_cal", "ident_rep", "numero_unique"], keep="last", maintain_order=True
    )
    answered = final.filter(pl.col("reponse_candidat").is_not_null())
    refused = answered.filter(pl.col("reponse_candidat").is_in(["REFUSE", "SANS_REPONSE"])).height
    assert 0.30 <= refused / answered.height <= 0.45
    assert (answered["reponse_candidat"] == "SANS_REPONSE").sum() > 0


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_vacancy_between_2_and_4_percent(feeds, year):
    rpls = feeds["rpls"].filter(pl.col("_file").str.ends_with(f"{year}.csv"))
    occupied = (rpls["MODE"] == "1").sum()
    vacant = (rpls["MODE"] == "2").sum()
    assert 0.02 <= vacant / (occupied + vacant) <= 0.04


def test_rotation_between_7_and_10_percent(feeds):
    """P2 on 2025: entries during the year into the dwellings offered at 1 January (landlords sending events)."""
    senders = set(feeds["bailleurs"].filter(pl.col("envoie_mouvements") == "OUI")["siren"])
    rpls = (
        feeds["rpls"]
        .filter(pl.col("_file").str.ends_with("2025.csv"))
        .with_columns(siren=pl.col("_file").str.slice(5, 9))
    )
    offered = rpls.filter(pl.col("siren").is_in(senders) & pl.col("MODE").is_in(["1", "2"]))
    mv = feeds["mouvements"].with_columns(d=day_of("date_evenement"))
    entries = mv.filter(
        (pl.col("type_evenement") == "ENTREE")
        & (pl.col("d").dt.year() == 2025)
        & pl.col("IDENT_REP").is_in(offered["IDENT_REP"].implode())
    )
    assert 0.07 <= entries.height / offered.height <= 0.10


def test_applicants_profile(feeds):
    df = _with_uc(_snapshot(feeds, LAST))
    n = df.height
    assert 0.15 <= (df["logement_actuel"] == "HLM").sum() / n <= 0.25
    dalo = df["statut_dalo"].is_in(["ACTIF", "ACTREL"]).sum() / n
    assert 0.01 <= dalo <= 0.06
    declared = df.filter(pl.col("publics_prioritaires").is_not_null()).height / n
    assert 0.20 <= declared <= 0.30
    q1 = df.filter(pl.col("rev") * 12 / pl.col("uc") < _q1(2026)).height / n
    assert 0.20 <= q1 <= 0.30
    assert df["cotation"].null_count() / n < 0.01
    assert df["revenu_mensuel"].null_count() == 0


@pytest.mark.parametrize("name,t", [(FIRST, T_FIRST), (LAST, T_LAST)])
def test_seniority_is_a_steady_state_from_the_first_snapshot(feeds, name, t):
    df = _snapshot(feeds, name).with_columns(depot=day_of("date_depot"))
    months = df.select((pl.lit(t) - pl.col("depot")).dt.total_days() / 30.4375)["literal"]
    assert 18 <= months.median() <= 30
    five_years = dt.date(t.year - 5, t.month, min(t.day, 28))
    assert 0.05 <= df.filter(pl.col("depot") <= five_years).height / df.height <= 0.30
    assert abs(df.height - 10_400) <= 1_040


def test_renewals_keep_demands_valid(feeds):
    df = _snapshot(feeds, LAST).with_columns(depot=day_of("date_depot"), ren=day_of("date_renouvellement"))
    last_valid = df.select(pl.max_horizontal("depot", "ren"))["depot"]
    # Validity is one year from the deposit or the last renewal, plus the month before radiation.
    assert (last_valid >= T_LAST - dt.timedelta(days=365 + 32)).all()
    old = df.filter(pl.col("depot") < T_LAST - dt.timedelta(days=400))
    assert old["ren"].null_count() == 0
    rad = (
        feeds["sne_radiations"]
        .filter(pl.col("motif_radiation") == "RADREN")
        .with_columns(depot=day_of("date_depot"), ren=day_of("date_renouvellement"), rad=day_of("date_radiation"))
    )
    gap = rad.select((pl.col("rad") - pl.max_horizontal("depot", "ren")).dt.total_days())["rad"]
    assert gap.min() >= 365 and gap.max() <= 365 + 62


def test_radiation_mix_and_deradiations(feeds):
    rad = feeds["sne_radiations"]
    motifs = dict(rad["motif_radiation"].value_counts().iter_rows())
    assert {"RADATT", "RADABA", "RADCON", "RADIRR", "RADREN"} <= set(motifs)
    assert motifs["RADREN"] == max(v for k, v in motifs.items() if k)
    irr = rad.filter(pl.col("motif_radiation") == "RADIRR")
    assert irr["sous_motif"].null_count() == 0 and set(irr["sous_motif"]) == {"IRRSEJ", "IRRRES"}
    assert motifs.get(None, 0) > 0
    # A déradiated demand was radiated earlier and is back in the next snapshot.
    back = rad.filter(pl.col("motif_radiation").is_null()).with_columns(d=day_of("date_radiation"))
    earlier = rad.filter(pl.col("motif_radiation").is_not_null()).with_columns(d0=day_of("date_radiation"))
    j = back.join(earlier.select("numero_unique", "d0"), on="numero_unique").filter(pl.col("d0") < pl.col("d"))
    # (a déradiation early in the window may cancel a radiation older than the first extract)
    later = back.filter(pl.col("d") > dt.date(2024, 3, 31))
    assert j["numero_unique"].n_unique() >= later["numero_unique"].n_unique() > 0
    assert set(later["numero_unique"]) <= set(j["numero_unique"])
    snaps = feeds["sne_demandes"].select("numero_unique", "_file")
    row = back.filter(pl.col("_file") != "sne_radiations_20260930.csv").row(0, named=True)
    nxt = "sne_demandes_" + row["_file"][len("sne_radiations_") :]
    assert snaps.filter((pl.col("_file") == nxt) & (pl.col("numero_unique") == row["numero_unique"])).height == 1


def test_attribution_mix_and_quotas(feeds):
    att = _radatt(feeds).filter((pl.col("bail") > dt.date(2025, 9, 30)) & (pl.col("bail") <= T_LAST))
    share = {k: v / att.height for k, v in att["reservataire"].value_counts().iter_rows()}
    assert 0.22 <= share["PPRIOR"] <= 0.33
    assert share["PFONCT"] < 0.08 and share["AUTRES"] < 0.08
    for r in ("COLTER", "COLACT", "AUCUN"):
        assert 0.12 <= share[r] <= 0.32
    y25 = _with_uc(_radatt(feeds).filter(pl.col("bail").dt.year() == 2025))
    q1 = pl.col("rev") * 12 / pl.col("uc") < _q1(2025)
    outside = y25.filter(pl.col("qpv") == "NON")
    q2 = outside.filter(q1 | (pl.col("relogement_ru") == "OUI")).height / outside.height
    assert 0.15 <= q2 <= 0.27
    inside = y25.filter(pl.col("qpv") == "OUI")
    assert inside.filter(~q1).height / inside.height >= 0.5
    assert (y25["prioritaire_attribution"] == "OUI").sum() / y25.height > 0.2
    assert (y25["relogement_ru"] == "OUI").sum() > 0
    assert (y25["deja_locataire_bailleur"] == "OUI").sum() > 0
    assert set(y25.filter(pl.col("deja_locataire_bailleur") == "OUI")["logement_actuel"]) == {"HLM"}


def test_premier_quartile_on_some_extracts_only(feeds):
    rad = feeds["sne_radiations"]
    per_file = rad.group_by("_file").agg(pl.col("premier_quartile").is_not_null().any().alias("has"))
    assert 0 < per_file["has"].sum() < per_file.height

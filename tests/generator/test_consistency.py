"""Cross-feed consistency of the scale-1 territory (CONTRACTS.md, "Cross-feed consistency")."""

from __future__ import annotations

import datetime as dt

import polars as pl

from .filecheck import day_of

SAME_DAY_ORDER = {
    "SORTIE_PATRIMOINE": 0,
    "DEBUT_INDISPONIBILITE": 1,
    "DEPART": 2,
    "FIN_INDISPONIBILITE": 3,
    "MISE_EN_SERVICE": 4,
    "ENTREE": 5,
}
MODE_STATE = {"1": "occupe", "2": "vacant", "3": "indisponible", "4": "autrement", "5": "autrement"}


def _radatt(feeds) -> pl.DataFrame:
    return (
        feeds["sne_radiations"]
        .filter(pl.col("motif_radiation") == "RADATT")
        .with_columns(bail=day_of("date_signature_bail"), rad=day_of("date_radiation"))
    )


def _events(feeds) -> pl.DataFrame:
    return feeds["mouvements"].with_columns(siren=pl.col("_file").str.slice(11, 9), d=day_of("date_evenement"))


def _final_cal(feeds) -> pl.DataFrame:
    cal = feeds["cal"].with_columns(
        bailleur=pl.col("_file").str.slice(4, 9), d=day_of("date_cal"), rep=day_of("date_reponse")
    )
    return cal.sort("_file").unique(
        ["bailleur", "date_cal", "ident_rep", "numero_unique"], keep="last", maintain_order=True
    )


def _stock_ids(feeds) -> set[str]:
    ev = _events(feeds).filter(pl.col("type_evenement") == "MISE_EN_SERVICE")
    return set(feeds["rpls"]["IDENT_REP"]) | set(ev["IDENT_REP"])


def _senders(feeds) -> set[str]:
    return set(feeds["bailleurs"].filter(pl.col("envoie_mouvements") == "OUI")["siren"])


def test_each_attribution_has_its_entree_where_the_landlord_sends_events(feeds):
    att = _radatt(feeds).filter(
        (pl.col("bail") >= dt.date(2024, 1, 1)) & pl.col("bailleur_siren").is_in(_senders(feeds))
    )
    ev = (
        _events(feeds)
        .filter(pl.col("type_evenement") == "ENTREE")
        .select(bailleur_siren="siren", ident_rep="IDENT_REP", numero_unique="numero_unique", d="d")
    )
    j = att.join(ev, on=["bailleur_siren", "ident_rep", "numero_unique"], how="left")
    ok = j.filter((pl.col("d") - pl.col("bail")).dt.total_days().abs() <= 31)
    assert att.height > 1_500
    assert ok.height == att.height


def test_every_entree_is_an_attribution(feeds):
    ev = _events(feeds).filter((pl.col("type_evenement") == "ENTREE") & (pl.col("d") <= dt.date(2026, 8, 31)))
    att = _radatt(feeds).select(ident_rep="ident_rep", numero_unique="numero_unique")
    missing = ev.join(att, left_on=["IDENT_REP", "numero_unique"], right_on=["ident_rep", "numero_unique"], how="anti")
    assert missing.height == 0


def test_accepted_offers_lead_to_a_lease(feeds):
    cal = _final_cal(feeds)
    acc = cal.filter((pl.col("reponse_candidat") == "ACCEPTE") & (pl.col("rep") <= dt.date(2026, 7, 31)))
    att = _radatt(feeds).select("ident_rep", "numero_unique", "bail")
    j = acc.join(att, on=["ident_rep", "numero_unique"], how="left")
    assert j["bail"].null_count() == 0
    assert (j["bail"] >= j["rep"]).all()
    # Conversely, where the landlord sends all its CAL returns, a lease follows an accepted offer.
    tous = set(feeds["bailleurs"].filter(pl.col("perimetre_cal") == "TOUS")["siren"])
    leases = _radatt(feeds).filter(pl.col("bailleur_siren").is_in(tous) & (pl.col("bail") >= dt.date(2024, 4, 1)))
    with_offer = leases.join(
        cal.filter(pl.col("reponse_candidat") == "ACCEPTE").select("ident_rep", "numero_unique"),
        on=["ident_rep", "numero_unique"],
        how="semi",
    )
    assert with_offer.height == leases.height


def test_dwellings_named_anywhere_exist_in_the_stock(feeds):
    stock = _stock_ids(feeds)
    assert set(_events(feeds)["IDENT_REP"]) <= stock
    assert set(feeds["positionnements"]["ident_rep"]) <= stock
    assert set(feeds["cal"]["ident_rep"]) <= stock
    assert set(_radatt(feeds)["ident_rep"]) <= stock


def test_attribution_fields_describe_the_dwelling(feeds):
    rpls = feeds["rpls"].unique("IDENT_REP", keep="last").select("IDENT_REP", "DEPCOM", "NBPIECE", "QPV")
    att = (
        _radatt(feeds)
        .filter(pl.col("bail") >= dt.date(2024, 1, 1))
        .join(rpls, left_on="ident_rep", right_on="IDENT_REP", how="inner")
    )
    assert att.height > 1_000
    assert (att["commune_logement"] == att["DEPCOM"]).all()
    typo = pl.when(pl.col("NBPIECE").cast(pl.Int64) >= 9).then(pl.lit("T9P")).otherwise(pl.lit("T") + pl.col("NBPIECE"))
    assert att.select((pl.col("typologie_logement") == typo).all()).item()
    assert ((att["qpv"] == "OUI") == att["QPV"].is_not_null()).all()
    prio = att.filter(pl.col("prioritaire_attribution") == "OUI")
    assert (prio["source_priorite"] != "AUCUNE").all()
    assert (att.filter(pl.col("prioritaire_attribution") == "NON")["source_priorite"] == "AUCUNE").all()
    assert (att.filter(pl.col("statut_dalo") == "ACTIF")["source_priorite"] == "DALO").all()


def test_stock_replays_from_events(feeds):
    """Start from the stock at 1 January, apply the year's events: each move is possible and the state
    at the next 1 January is the next stock file's MODE (landlords that send events)."""
    senders = _senders(feeds)
    rpls = feeds["rpls"].with_columns(
        siren=pl.when(pl.col("SIREN").is_not_null()).then(pl.col("SIREN")).otherwise(pl.col("_file").str.slice(5, 9)),
        year=pl.col("_file").str.slice(-8, 4).cast(pl.Int64),
    )
    ev = _events(feeds).with_columns(o=pl.col("type_evenement").replace_strict(SAME_DAY_ORDER, return_dtype=pl.Int64))
    checked = 0
    for year in (2024, 2025):
        start = rpls.filter((pl.col("year") == year) & pl.col("siren").is_in(senders))
        nxt = rpls.filter(pl.col("year") == year + 1)
        state = dict(zip(start["IDENT_REP"], (MODE_STATE.get(m, m) for m in start["MODE"]), strict=True))
        year_ev = ev.filter(pl.col("d").dt.year() == year).sort(["d", "o", "IDENT_REP"])
        for ident, typ in year_ev.select("IDENT_REP", "type_evenement").iter_rows():
            before = state.get(ident)
            if typ == "MISE_EN_SERVICE":
                assert before is None, ident
                state[ident] = "vacant"
            elif before is None:
                continue  # a dwelling of a landlord that sends no events, or acquired in a merger
            elif typ == "ENTREE":
                assert before == "vacant", (ident, typ, before)
                state[ident] = "occupe"
            elif typ == "DEPART":
                assert before == "occupe", (ident, typ, before)
                state[ident] = "vacant"
            elif typ == "DEBUT_INDISPONIBILITE":
                assert before in ("vacant", "occupe"), (ident, typ, before)
                state[ident] = "indisponible"
            elif typ == "FIN_INDISPONIBILITE":
                assert before == "indisponible", (ident, typ, before)
                state[ident] = "vacant"
            elif typ == "SORTIE_PATRIMOINE":
                state[ident] = "hors parc"
        expected = dict(zip(nxt["IDENT_REP"], (MODE_STATE.get(m, m) for m in nxt["MODE"]), strict=True))
        for ident, st in state.items():
            if st == "hors parc":
                assert ident not in expected
            else:
                assert expected.get(ident) == st, (year, ident, st, expected.get(ident))
                checked += 1
    assert checked > 10_000
    types = set(ev["type_evenement"])
    assert types == set(SAME_DAY_ORDER)


def test_stock_dates_follow_the_mode(feeds):
    rpls = feeds["rpls"]
    assert rpls.filter(pl.col("MODE") == "1")["BAIL"].null_count() == 0
    assert rpls.filter(pl.col("MODE") != "1")["BAIL"].null_count() == rpls.filter(pl.col("MODE") != "1").height
    assert rpls.filter(pl.col("MODE") == "2")["REMLOCDATE"].null_count() == 0
    # The lease of a dwelling let during 2025 is the month of its last ENTREE.
    ev = _events(feeds).filter((pl.col("type_evenement") == "ENTREE") & (pl.col("d").dt.year() == 2025))
    last = ev.sort("d").unique("IDENT_REP", keep="last").select("IDENT_REP", bail=pl.col("d").dt.strftime("%m/%Y"))
    r26 = rpls.filter(pl.col("_file").str.ends_with("2026.csv") & (pl.col("MODE") == "1")).join(last, on="IDENT_REP")
    assert r26.height > 300 and (r26["BAIL"] == r26["bail"]).all()


def test_offers_go_down_the_ranks_only_after_a_refusal(feeds):
    cal = (
        _final_cal(feeds).filter(pl.col("decision") == "ATTRIBUTION_RANG").with_columns(r=pl.col("rang").cast(pl.Int64))
    )
    prev = cal.select("bailleur", "date_cal", "ident_rep", r=pl.col("r") + 1, prev_rep="reponse_candidat")
    offered = cal.filter((pl.col("r") > 1) & (pl.col("proposition_faite") == "OUI")).join(
        prev, on=["bailleur", "date_cal", "ident_rep", "r"], how="left"
    )
    assert offered.height > 100
    assert offered["prev_rep"].is_in(["REFUSE", "SANS_REPONSE"]).all()
    per_dwelling = cal.group_by("bailleur", "date_cal", "ident_rep").agg(
        (pl.col("reponse_candidat") == "ACCEPTE").sum().alias("n")
    )
    assert per_dwelling["n"].max() == 1
    assert (cal.filter(pl.col("reponse_candidat") == "REFUSE")["motif_refus"].null_count()) == 0


def test_some_answers_are_pending_at_the_end_of_the_month_then_arrive(feeds):
    cal = feeds["cal"].with_columns(bailleur=pl.col("_file").str.slice(4, 9))
    pending = cal.filter((pl.col("proposition_faite") == "OUI") & pl.col("reponse_candidat").is_null())
    assert pending.height > 50
    answered = cal.filter(pl.col("reponse_candidat").is_not_null()).select(
        "bailleur", "date_cal", "ident_rep", "numero_unique", f="_file"
    )
    later = pending.join(answered, on=["bailleur", "date_cal", "ident_rep", "numero_unique"]).filter(
        pl.col("f") > pl.col("_file")
    )
    assert (
        later.select("bailleur", "date_cal", "ident_rep", "numero_unique").unique().height
        > 0.8
        * pending.filter(pl.col("_file").str.slice(-10, 6) < "202609")
        .select("bailleur", "date_cal", "ident_rep", "numero_unique")
        .unique()
        .height
    )


def test_commission_positionings(feeds):
    pos = feeds["positionnements"]
    per = pos.group_by("date_commission", "bailleur_siren", "ident_rep").len()
    assert per["len"].max() == 3 and (per["len"] == 3).mean() > 0.8
    assert set(pos["rang_propose"]) == {"1", "2", "3"}
    assert (pos["avis_commission"] == "VALIDE").mean() > 0.8
    refus = pos.filter(pl.col("reponse_avant_cal").is_in(["REFUS_VISITE", "DESISTEMENT"]))
    assert refus.height > 0 and refus["motif_refus_avant_cal"].null_count() == 0
    assert (
        pos.filter(~pl.col("reponse_avant_cal").is_in(["REFUS_VISITE", "DESISTEMENT"]))[
            "motif_refus_avant_cal"
        ].null_count()
        == pos.filter(~pl.col("reponse_avant_cal").is_in(["REFUS_VISITE", "DESISTEMENT"])).height
    )
    assert pos["motifs_positionnement"].str.contains("|", literal=True).any()
    # The CASA's own contingent always goes through the commission.
    colter = _radatt(feeds).filter((pl.col("reservataire") == "COLTER") & (pl.col("bail") >= dt.date(2024, 4, 1)))
    positioned = colter.join(
        pos.select("ident_rep", "numero_unique").unique(), on=["ident_rep", "numero_unique"], how="semi"
    )
    assert positioned.height == colter.height
    # A landlord that returns only the CASA's candidates returns only positioned ones.
    casa = set(feeds["bailleurs"].filter(pl.col("perimetre_cal") == "CANDIDATS_CASA")["siren"])
    cal = feeds["cal"].filter(pl.col("_file").str.slice(4, 9).is_in(casa) & (day_of("date_cal") >= dt.date(2024, 2, 1)))
    assert cal.height > 0
    assert cal.join(pos, on=["ident_rep", "numero_unique"], how="anti").height == 0


def test_new_programmes_are_delivered_as_announced(feeds):
    prog = feeds["programmes"]
    mes = _events(feeds).filter(pl.col("type_evenement") == "MISE_EN_SERVICE")
    assert mes.height > 0
    known = prog.select("programme_id", "commune", "bailleur_siren").unique()
    j = mes.join(known, on="programme_id", how="left")
    assert j["commune"].null_count() == 0
    assert (j["commune"] == j["DEPCOM"]).all()
    assert (j["bailleur_siren"] == j["siren"]).all()
    planned = prog.group_by("programme_id").agg(
        pl.col("nb_logements").cast(pl.Int64).sum().alias("nb"), pl.col("_file").n_unique().alias("files")
    )
    size = (
        prog.group_by("programme_id", "_file")
        .agg(pl.col("nb_logements").cast(pl.Int64).sum().alias("nb"))
        .group_by("programme_id")
        .agg(pl.col("nb").max())
    )
    delivered = mes.group_by("programme_id").len().join(size, on="programme_id")
    assert (delivered["len"] <= delivered["nb"]).all()
    assert planned.height > 5

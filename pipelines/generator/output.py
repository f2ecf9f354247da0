"""From the simulation's state and records to the inbox files (one frame builder per feed).

Which file is written when, and in which dialect, is decided here (see docs/generateur.md).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from expectations.contract import EPCI_SIREN, contract

from . import params
from .codelists import code_index, code_list, optional_columns, oui_non
from .dates import (
    NA,
    date_series,
    day,
    day_compact,
    month_compact,
    month_end,
    month_start,
    nth_weekday,
    year_start,
    years,
)
from .population import MOTIFS, _lookup, money, tenths
from .simulation import Simulation
from .world import GONE, MODE4, MODE5, OCCUPIED, PLANNED, VACANT, WORKS, World
from .writer import DIALECTS, Dialect, Writer

SNE_LEGACY = DIALECTS["fr_cp1252"]
SNE_CURRENT = DIALECTS["iso"]
CASA_TOOL = DIALECTS["fr_bom"]  # the Commission's own tool (positionnements)
DDTM_EXPORT = DIALECTS["fr_cp1252"]  # programmes (réunions réservataires)
STATE_EXPORT = DIALECTS["iso"]  # whole-territory RPLS, referential, CIA
MONTH_FORMAT = "%m/%Y"  # month-only fields (CONTRACTS.md, common dialect)
# Columns of sne_demandes that an extract may carry although the contract does not ask for them.
NAME_COLUMNS = frozenset({"nom", "prenom"})


def _bool(name: str, values: np.ndarray, known: np.ndarray | None = None) -> pl.Series:
    oui, non = oui_non()
    idx = np.where(values, 0, 1)
    if known is not None:
        idx = np.where(known, idx, -1)
    return _lookup([oui, non], idx, name)


def _codes(name: str, list_name: str, idx: np.ndarray) -> pl.Series:
    return _lookup(list(code_list(list_name)), idx, name)


class Output:
    """The sink of the simulation: writes each month's files, each year's stock, the referential."""

    def __init__(self, sim: Simulation, writer: Writer):
        self.sim = sim
        self.w: World = sim.world
        self.writer = writer
        w = self.w
        self.sirens = [b.siren for b in w.landlords]
        self.typo_log = code_list("typologie_logement")
        # Residence ids (groupe_immobilier); empty where the landlord does not know it.
        r = w.res
        self.groupe = [
            None if r["unknown"][i] else f"{w.landlords[r['landlord'][i]].prefix}-R{r['num'][i]:04d}"
            for i in range(len(r["num"]))
        ]
        self.n_extract = 0
        self.snapshots: dict[int, dict[str, float]] = {}
        self.vacancy: dict[int, float] = {}
        self.meetings = {}
        for y in range(sim.debut // 12, sim.fin // 12 + 1):
            for m in params.PROGRAMME_MEETING_MONTHS:
                mi = y * 12 + m - 1
                if sim.debut <= mi <= sim.fin:
                    self.meetings[mi] = nth_weekday(mi, 1, 3)

    # -- shared pieces ---------------------------------------------------------------------------
    def ident_rep(self, d: np.ndarray, name: str = "ident_rep") -> pl.Series:
        """RPLS id, 10 characters."""
        num = pl.Series(self.w.dw["ident_rep"][d]).cast(pl.String).str.zfill(8)
        return pl.select((pl.lit("06") + num).alias(name)).to_series()

    def siren(self, landlord: np.ndarray, name: str) -> pl.Series:
        return _lookup(self.sirens, landlord, name)

    def typologie_logement(self, d: np.ndarray, name: str) -> pl.Series:
        rooms = self.w.dw["nbpiece"][d].astype(np.int64)
        table = [None] + [f"T{r}" if f"T{r}" in self.typo_log else self.typo_log[-1] for r in range(1, 10)]
        return _lookup(table, rooms, name)

    def commune(self, d: np.ndarray, name: str) -> pl.Series:
        return _lookup(list(self.w.communes), self.w.dw["commune"][d], name)

    def numero(self, demand: np.ndarray, name: str = "numero_unique") -> pl.Series:
        demand = np.asarray(demand, dtype=np.int64)
        out = self.sim.dm.static["numero_unique"].gather(np.maximum(demand, 0)).alias(name)
        if (demand < 0).any():
            out = out.scatter(np.flatnonzero(demand < 0), None)
        return out

    def reservataire_id(self, res: np.ndarray, casa: np.ndarray, name: str = "reservataire_id") -> pl.Series:
        return _lookup([EPCI_SIREN], np.where(casa & (res == code_index("reservataire", "COLTER")), 0, -1), name)

    def groupe_immobilier(self, d: np.ndarray, name: str = "groupe_immobilier") -> pl.Series:
        return _lookup(self.groupe, self.w.dw["residence"][d], name)

    def qpv_code(self, d: np.ndarray, name: str, which: str = "qpv") -> pl.Series:
        codes = self.w.qpv_codes if which == "qpv" else self.w.qpv2015_codes
        return _lookup(list(codes), self.w.dw[which][d], name)

    # -- SNE ---------------------------------------------------------------------------------------
    def demand_columns(self, demand: np.ndarray, dialect: Dialect, t: int, feed: str) -> list[pl.Series]:
        """The columns of ``feed`` that describe the demand, as it stands at ``t``."""
        dm = self.sim.dm
        st = dm.static[np.asarray(demand, dtype=np.int64)]
        last = dm["last_ren"][demand]
        birth = date_series("d", st["naissance"].to_numpy()).dt.strftime(dialect.date_format)
        naissance = pl.select(
            pl.when(st["naissance_annee"])
            .then(date_series("d", st["naissance"].to_numpy()).dt.year().cast(pl.String))
            .otherwise(birth)
            .alias("date_naissance")
        ).to_series()
        cols = {
            "numero_unique": st["numero_unique"],
            "date_depot": date_series("date_depot", dm["depot"][demand]),
            "date_renouvellement": date_series("date_renouvellement", last),
            "guichet": _lookup(dm.guichets, st["guichet_i"].to_numpy(), "guichet"),
            "canal": st["canal"],
            "communes_souhaitees": st["communes_souhaitees"],
            "typologies_souhaitees": st["typologies_souhaitees"],
            "nom": st["nom"],
            "prenom": st["prenom"],
            "date_naissance": naissance,
            "situation_familiale": st["situation_familiale"],
            "situation_professionnelle": st["situation_professionnelle"],
            "nb_personnes": st["nb_personnes"],
            "nb_enfants_moins_14_ans": st["nb_enfants_moins_14_ans"],
            "revenu_mensuel": st["revenu_mensuel"],
            "revenu_fiscal_reference": st["revenu_fiscal_reference"],
            "logement_actuel": st["logement_actuel"],
            "motif_principal": st["motif_principal"],
            "statut_dalo": st["statut_dalo"],
            "publics_prioritaires": st["publics_prioritaires"],
            "handicap": st["handicap"],
            "cotation": tenths("cotation", dm.cotation(demand, t)),
            "commune_residence": st["commune_residence"],
            "commune_travail": st["commune_travail"],
        }
        wanted = [c.name for c in contract(feed).columns]
        return [cols[c].alias(c) for c in wanted if c in cols]

    def sne_dialect(self) -> tuple[Dialect, frozenset[str]]:
        legacy = self.n_extract <= params.SNE_LEGACY_EXTRACTS
        return (SNE_LEGACY, frozenset()) if legacy else (SNE_CURRENT, NAME_COLUMNS & optional_columns("sne_demandes"))

    def sne_demandes(self, mi: int) -> None:
        e = month_end(mi)
        act = self.sim.active()
        seniority = (e - self.sim.dm["depot"][act]) / 30.4375
        self.snapshots[mi] = {
            "actives": len(act),
            "anciennete_mediane_mois": round(float(np.median(seniority)), 1) if len(act) else float("nan"),
            "part_5_ans": round(float(np.mean(seniority >= 60.875 - 1e-9)) if len(act) else float("nan"), 4),
        }
        dialect, omit = self.sne_dialect()
        frame = pl.DataFrame(self.demand_columns(act, dialect, e, "sne_demandes"))
        self.writer.write(f"sne_demandes_{day_compact(e)}.csv", "sne_demandes", frame.drop(omit), dialect, omit)

    def sne_radiations(self, mi: int) -> None:
        sim, dm = self.sim, self.sim.dm
        s, e = month_start(mi), month_end(mi)
        r = sim.radiations
        rows = np.flatnonzero(~r["done"] & (r["date"] <= e))
        r["done"][rows] = True
        rows = rows[r["date"][rows] >= s]
        rows = rows[np.lexsort((r["demand"][rows], r["date"][rows]))]
        who = r["demand"][rows].astype(np.int64)
        date = r["date"][rows].astype(np.int64)
        motif = r["motif"][rows].astype(np.int64)
        dialect, omit = self.sne_dialect()
        cols = self.demand_columns(who, dialect, e, "sne_radiations")
        att_motif = code_index("motif_radiation", "RADATT")
        is_att = motif == att_motif
        lease = np.where(is_att, dm["att"][who], -1)
        L = sim.leases
        li = np.maximum(lease, 0)
        d = np.where(is_att, L["dw"][li], 0)
        bail = np.where(is_att, L["bail"][li], NA)

        def att(series: pl.Series) -> pl.Series:
            return series.scatter(np.flatnonzero(~is_att), None) if (~is_att).any() else series

        qpv_in_force = np.where(bail >= day(params.QPV_2024_LIST_START), self.w.dw["qpv"][d], self.w.dw["qpv2015"][d])
        # The SNE's own 1st-quartile flag, from the 13th extract on (year of the lease, or of the radiation).
        flag_year = years(np.where(is_att, bail, date))
        known = np.array(sorted(sim.q1))
        at = np.clip(np.searchsorted(known, flag_year), 0, len(known) - 1)
        q1 = np.where(known[at] == flag_year, np.array([sim.q1[y] for y in known])[at], np.nan)
        under = dm.under_q1(who, np.nan_to_num(q1, nan=0.0))
        under = np.where(is_att & L["pq_divergent"][li], ~under, under)
        carries_flag = self.n_extract >= params.SNE_QUARTILE_FLAG_FROM
        frame = pl.DataFrame(
            cols
            + [
                date_series("date_radiation", date),
                _lookup(list(MOTIFS), motif, "motif_radiation"),
                _codes(
                    "sous_motif",
                    "sous_motif_radiation",
                    np.where(motif == code_index("motif_radiation", "RADIRR"), r["sous"][rows], -1),
                ),
                date_series("date_signature_bail", bail),
                att(self.siren(L["landlord"][li], "bailleur_siren")),
                att(self.ident_rep(d)),
                att(self.commune(d, "commune_logement")),
                att(self.typologie_logement(d, "typologie_logement")),
                att(_bool("qpv", qpv_in_force >= 0)),
                att(_codes("reservataire", "reservataire", L["res"][li])),
                att(self.reservataire_id(L["res"][li], L["res_id"][li])),
                att(_bool("deja_locataire_bailleur", L["deja"][li])),
                att(_bool("prioritaire_attribution", L["prio_att"][li])),
                att(_codes("source_priorite", "source_priorite", L["source"][li])),
                att(_bool("relogement_ru", L["relog_ru"][li])),
                _bool("premier_quartile", under, np.isfinite(q1) & carries_flag),
                att(_codes("accord_collectif", "accord_collectif", L["accord"][li])),
            ]
        )
        self.writer.write(f"sne_radiations_{day_compact(e)}.csv", "sne_radiations", frame.drop(omit), dialect, omit)

    # -- stock -------------------------------------------------------------------------------------
    def rpls_frame(self, d: np.ndarray, jan1: int, with_siren: bool) -> pl.DataFrame:
        dw, w = self.w.dw, self.w
        state = dw["state"][d]
        mode_code = {OCCUPIED: "1", VACANT: "2", WORKS: "3", MODE4: "4", MODE5: "5"}
        mode = np.full(len(d), -1)
        for st, c in mode_code.items():
            mode[state == st] = code_index("mode_rpls", c)
        landlord = w.owner(dw["landlord"][d], jan1)
        prefix = _lookup([b.prefix for b in w.landlords], landlord, "p")
        bail = date_series("b", np.where(state == OCCUPIED, dw["bail"][d], NA)).dt.strftime(MONTH_FORMAT)
        return pl.DataFrame(
            [
                self.ident_rep(d, "IDENT_REP"),
                self.siren(landlord, "SIREN") if with_siren else pl.Series("SIREN", [None] * len(d), dtype=pl.String),
                pl.select(
                    (prefix + pl.Series(dw["ident_int"][d]).cast(pl.String).str.zfill(6)).alias("IDENT_INT")
                ).to_series(),
                self.commune(d, "DEPCOM"),
                self.qpv_code(d, "QPV"),
                self.qpv_code(d, "QPV_2015", "qpv2015"),
                pl.Series("NBPIECE", dw["nbpiece"][d]).cast(pl.String),
                money("SURFHAB", dw["surf"][d]),
                _codes("TYPECONST", "typeconst", dw["typeconst"][d]),
                pl.Series("CONSTRUCT", dw["construct"][d]).cast(pl.String),
                pl.Series("LOCAT", dw["locat"][d]).cast(pl.String),
                _codes("FINAN", "finan_rpls", dw["finan"][d]),
                _bool("CONV", dw["conv"][d] == 1, dw["conv"][d] >= 0),
                _codes("MODE", "mode_rpls", mode),
                bail.alias("BAIL"),
                date_series("REMLOCDATE", np.where(state == VACANT, dw["since"][d], NA)),
                money("LOYERPRINC", dw["loyer"][d]),
                _codes("CONTRESLOG", "contreslog", dw["contreslog"][d]),
                _bool("PMR", dw["pmr"][d] == 1, dw["pmr"][d] >= 0),
                self.groupe_immobilier(d),
            ]
        )

    def stock(self, sim: Simulation, year: int) -> None:
        """Stock files at 1 January: the whole territory (the State's RPLS file) for the window's
        first year, one file per landlord afterwards."""
        jan1 = year_start(year)
        dw = self.w.dw
        d = np.flatnonzero(~np.isin(dw["state"], [PLANNED, GONE]))
        occ, vac = np.count_nonzero(dw["state"] == OCCUPIED), np.count_nonzero(dw["state"] == VACANT)
        self.vacancy[year] = round(vac / max(occ + vac, 1), 4)
        landlord = self.w.owner(dw["landlord"][d], jan1)
        d = d[np.lexsort((dw["ident_rep"][d], landlord))]
        landlord = self.w.owner(dw["landlord"][d], jan1)
        if year == sim.debut // 12:
            self.writer.write(f"rpls_{year}.csv", "rpls", self.rpls_frame(d, jan1, True), STATE_EXPORT)
            return
        frame = self.rpls_frame(d, jan1, False)
        for b in self.w.active_landlords(jan1):
            part = frame.filter(pl.Series(landlord == b.index))
            self.writer.write(f"rpls_{b.siren}_{year}.csv", "rpls", part, DIALECTS[b.dialect])

    # -- events ------------------------------------------------------------------------------------
    def mouvements(self, mi: int) -> None:
        sim, dw = self.sim, self.w.dw
        e = month_end(mi)
        ev = sim.events
        rows = np.flatnonzero(~ev["done"] & (ev["date"] <= e))
        ev["done"][rows] = True
        rows = rows[ev["date"][rows] >= month_start(mi)]
        d = ev["dw"][rows].astype(np.int64)
        date = ev["date"][rows].astype(np.int64)
        landlord = self.w.owner(dw["landlord"][d], date)
        order = np.lexsort((ev["type"][rows], dw["ident_rep"][d], date))
        rows, d, date, landlord = rows[order], d[order], date[order], landlord[order]
        typ = ev["type"][rows]
        mes = typ == code_index("type_evenement", "MISE_EN_SERVICE")
        entree = typ == code_index("type_evenement", "ENTREE")

        def only(series: pl.Series, keep: np.ndarray) -> pl.Series:
            return series.scatter(np.flatnonzero(~keep), None) if (~keep).any() else series

        frame = pl.DataFrame(
            [
                self.ident_rep(d, "IDENT_REP"),
                date_series("date_evenement", date),
                _codes("type_evenement", "type_evenement", typ),
                only(self.numero(ev["demand"][rows]), entree),
                _codes("motif", "motif_mouvement", ev["motif"][rows]),
                only(_lookup(list(self.w.prog["id"]), dw["programme"][d], "programme_id"), mes),
                only(self.commune(d, "DEPCOM"), mes),
                only(pl.Series("NBPIECE", dw["nbpiece"][d]).cast(pl.String), mes),
                only(_codes("FINAN", "finan_rpls", dw["finan"][d]), mes),
                only(self.qpv_code(d, "QPV"), mes),
                only(_codes("CONTRESLOG", "contreslog", dw["contreslog"][d]), mes),
                only(self.groupe_immobilier(d), mes),
            ]
        )
        for b in self.w.active_landlords(month_start(mi)):
            if b.envoie_mouvements:
                part = frame.filter(pl.Series(landlord == b.index))
                self.writer.write(
                    f"mouvements_{b.siren}_{month_compact(mi)}.csv", "mouvements", part, DIALECTS[b.dialect]
                )

    def positionnements(self, mi: int) -> None:
        sim = self.sim
        s, e = month_start(mi), month_end(mi)
        p = sim.positions
        rows = np.flatnonzero(~p["done"] & (p["date"] <= e))
        p["done"][rows] = True
        rows = rows[p["date"][rows] >= s]
        d = p["dw"][rows].astype(np.int64)
        rows = rows[np.lexsort((p["rang"][rows], self.w.dw["ident_rep"][d], p["date"][rows]))]
        d = p["dw"][rows].astype(np.int64)
        date = p["date"][rows].astype(np.int64)
        motif_codes = code_list("motif_positionnement")
        masks = p["motifs"][rows].astype(np.int64)
        table = np.unique(masks)
        labels = ["|".join(c for i, c in enumerate(motif_codes) if (m >> i) & 1) for m in table]
        frame = pl.DataFrame(
            [
                date_series("date_commission", date),
                self.siren(self.w.owner(self.w.dw["landlord"][d], date), "bailleur_siren"),
                self.ident_rep(d),
                self.commune(d, "commune_logement"),
                self.typologie_logement(d, "typologie_logement"),
                _codes("reservataire", "reservataire", p["res"][rows]),
                self.reservataire_id(p["res"][rows], p["res_id"][rows]),
                self.numero(p["demand"][rows]),
                pl.Series("rang_propose", p["rang"][rows]).cast(pl.String),
                _lookup(labels, np.searchsorted(table, masks), "motifs_positionnement"),
                _codes("avis_commission", "avis_commission", p["avis"][rows]),
                _codes("reponse_avant_cal", "reponse_avant_cal", p["rep"][rows]),
                _codes("motif_refus_avant_cal", "motif_refus", p["motif_refus"][rows]),
            ]
        )
        self.writer.write(f"positionnements_{month_compact(mi)}.csv", "positionnements", frame, CASA_TOOL)

    def cal(self, mi: int) -> None:
        """CAL rows held in the month, and earlier rows whose offer or answer came in the month."""
        from .letting import LIBELLES, MOTIF_DECISIONS

        sim = self.sim
        s, e = month_start(mi), month_end(mi)
        c = sim.cal
        pending = np.flatnonzero(~c["done"] & (c["date"] <= e))
        offer, resolve = c["offer"][pending], c["resolve"][pending]
        in_month = (c["date"][pending] >= s) | ((offer >= s) & (offer <= e)) | ((resolve >= s) & (resolve <= e))
        last = np.maximum(
            c["date"][pending], np.maximum(np.where(offer == NA, 0, offer), np.where(resolve == NA, 0, resolve))
        )
        c["done"][pending[last <= e]] = True
        rows = pending[in_month]
        d = c["dw"][rows].astype(np.int64)
        rows = rows[np.lexsort((c["rang"][rows], c["demand"][rows], self.w.dw["ident_rep"][d], c["date"][rows]))]
        d = c["dw"][rows].astype(np.int64)
        offered = (c["offer"][rows] != NA) & (c["offer"][rows] <= e)
        known = offered & (c["resolve"][rows] != NA) & (c["resolve"][rows] <= e)
        answer = np.where(known, c["answer"][rows], -1)
        refused = answer == code_index("reponse_candidat", "REFUSE")
        lib = np.where(refused, c["libelle"][rows], -1)
        frame_all = pl.DataFrame(
            [
                date_series("date_cal", c["date"][rows]),
                self.ident_rep(d),
                self.numero(c["demand"][rows]),
                _codes("reservataire", "reservataire", c["res"][rows]),
                _codes("decision", "decision_cal", c["decision"][rows]),
                _lookup([str(i) for i in range(0, 10)], c["rang"][rows], "rang"),
                _lookup(list(MOTIF_DECISIONS), c["motif_dec"][rows], "motif_decision"),
                _codes("exemption_trois_candidats", "exemption_trois_candidats", c["exemption"][rows]),
                _bool("proposition_faite", offered),
                _codes("reponse_candidat", "reponse_candidat", answer),
                date_series("date_reponse", np.where(known, c["answered_on"][rows], NA)),
                _codes("motif_refus", "motif_refus", np.where(refused, c["motif_refus"][rows], -1)),
                _lookup([t for _, t in LIBELLES], lib, "motif_refus_libelle"),
            ]
        )
        # Rows updated after a merger come from the successor.
        landlord = self.w.owner(c["landlord"][rows], s)
        via = c["via"][rows]
        for b in self.w.active_landlords(s):
            if b.perimetre_cal == "AUCUN":
                continue
            m = landlord == b.index
            if b.perimetre_cal == "CANDIDATS_CASA":
                m &= via
            dialect = DIALECTS[b.dialect]
            self.writer.write(f"cal_{b.siren}_{month_compact(mi)}.csv", "cal", frame_all.filter(pl.Series(m)), dialect)

    # -- programmes, flux report, commitments, referential ----------------------------------------
    def programmes(self, mi: int) -> None:
        if mi not in self.meetings:
            return
        t = self.meetings[mi]
        pg, rows = self.w.prog, self.w.prog_rows
        g = rows["prog"]
        listed = (pg["announced"][g] <= t) & (pg["delivered"][g] >= t - params.PROGRAMME_LISTED_AFTER_DELIVERY_DAYS)
        k = np.flatnonzero(listed)
        k = k[np.lexsort((rows["res"][k], rows["fin"][k], g[k]))]
        gg = g[k]
        res = rows["res"][k]
        frame = pl.DataFrame(
            [
                pl.Series("programme_id", pg["id"][gg].tolist(), dtype=pl.String),
                pl.Series("nom_programme", pg["nom"][gg].tolist(), dtype=pl.String),
                self.siren(pg["landlord"][gg], "bailleur_siren"),
                _lookup(list(self.w.communes), pg["commune"][gg], "commune"),
                date_series("date_livraison_prevue", pg["planned"][gg]),
                date_series("date_livraison", np.where(pg["delivered"][gg] <= t, pg["delivered"][gg], NA)),
                _codes("financement", "financement", rows["fin"][k]),
                _codes("reservataire", "reservataire", res),
                self.reservataire_id(res, np.ones(len(k), dtype=bool)),
                pl.Series("nb_logements", rows["nb"][k]).cast(pl.String),
            ]
        )
        self.writer.write(f"programmes_{day_compact(t)}.csv", "programmes", frame, DDTM_EXPORT)

    def bilan_flux(self, year: int) -> None:
        """Each landlord's yearly report: dwellings oriented to each réservataire (a round started in
        the year) and let on its right (lease signed in the year)."""
        sim, dw = self.sim, self.w.dw
        a, b_ = year_start(year), year_start(year + 1) - 1
        report_day = year_start(year + 1) + 58  # before 28 February of the next year
        r = sim.rounds
        rr = np.flatnonzero((r["date"] >= a) & (r["date"] <= b_))
        L = sim.leases
        ll = np.flatnonzero((L["bail"] >= a) & (L["bail"] <= b_))

        def frame_of(d, res, res_id, landlord, what):
            rooms = np.minimum(dw["nbpiece"][d].astype(np.int64), 6)
            typo_idx = np.array(
                [-1]
                + [code_index("typologie_bilan", f"T{i}") for i in range(1, 6)]
                + [code_index("typologie_bilan", "T6P")]
            )[rooms]
            return pl.DataFrame(
                {
                    "landlord": self.w.owner(landlord, report_day).astype(np.int64),
                    "dw": d.astype(np.int64),
                    "res": res.astype(np.int64),
                    "res_id": (res_id & (res == code_index("reservataire", "COLTER"))).astype(np.int64),
                    "commune": dw["commune"][d].astype(np.int64),
                    "typo": typo_idx,
                    "fin": dw["fin_group"][d].astype(np.int64),
                    "qpv": (dw["qpv"][d] >= 0).astype(np.int64),
                    "what": np.full(len(d), what),
                }
            )

        proposed = frame_of(r["dw"][rr], r["res"][rr], r["res_id"][rr], r["landlord"][rr], 0).unique(
            ["landlord", "dw", "res", "res_id"], keep="first", maintain_order=True
        )
        let = frame_of(L["dw"][ll], L["res"][ll], L["res_id"][ll], L["landlord"][ll], 1)
        keys = ["landlord", "res", "res_id", "commune", "typo", "fin", "qpv"]
        agg = (
            pl.concat([proposed, let])
            .group_by(keys, maintain_order=True)
            .agg(proposes=(pl.col("what") == 0).sum(), attribues=(pl.col("what") == 1).sum())
            .sort(keys)
        )
        for b in self.w.active_landlords(report_day):
            part = agg.filter(pl.col("landlord") == b.index)
            frame = pl.DataFrame(
                [
                    _codes("reservataire", "reservataire", part["res"].to_numpy()),
                    _lookup([EPCI_SIREN], np.where(part["res_id"].to_numpy() == 1, 0, -1), "reservataire_id"),
                    _lookup(list(self.w.communes), part["commune"].to_numpy(), "commune"),
                    _codes("typologie", "typologie_bilan", part["typo"].to_numpy()),
                    _codes("financement", "financement", part["fin"].to_numpy()),
                    _bool("qpv", part["qpv"].to_numpy() == 1),
                    part["proposes"].cast(pl.String).alias("logements_proposes"),
                    part["attribues"].cast(pl.String).alias("logements_attribues"),
                ]
            )
            dialect = DIALECTS[b.dialect]
            self.writer.write(f"bilan_flux_{b.siren}_{year}.csv", "bilan_flux", frame, dialect)

    def engagements_cia(self) -> None:
        """The CIA's rates for each year of the window (Q3 revised from the third year on)."""
        first = self.sim.debut // 12
        res_codes = code_list("reservataire")
        for year in range(first, self.sim.fin // 12 + 1):
            q3 = params.CIA_Q3_REVISED if year - first >= 2 else params.CIA_Q3
            rows = [(year, "*", r, "Q1_PRIORITAIRES", params.CIA_Q1, 4) for r in params.CIA_Q1_RESERVATAIRES]
            rows.append((year, "*", "*", "Q2_PREMIER_QUARTILE_HORS_QPV", params.CIA_Q2, 5))
            rows.append((year, "*", "*", "Q3_QUARTILES_2_4_EN_QPV", q3, 6))
            for b in self.w.active_landlords(year_start(year)):
                for r in res_codes:
                    rows.append((year, b.siren, r, "FLUX_PART", params.FLUX_PART[r], 7))
            for _, _, r, q, _, _ in rows:
                if r != "*":
                    code_index("reservataire", r)
                code_index("quota", q)
            frame = pl.DataFrame(
                {
                    "annee": [str(r[0]) for r in rows],
                    "bailleur_siren": [r[1] for r in rows],
                    "reservataire": [r[2] for r in rows],
                    "quota": [r[3] for r in rows],
                    "taux_cible": [f"{r[4]:.2f}".replace(".", ",") for r in rows],
                    "source": [params.CIA_SOURCE.format(art=r[5]) for r in rows],
                }
            )
            self.writer.write(f"engagements_cia_{year}.csv", "engagements_cia", frame, STATE_EXPORT)

    def bailleurs(self) -> None:
        w = self.w
        lst = w.landlords
        frame = pl.DataFrame(
            [
                pl.Series("siren", [b.siren for b in lst]),
                pl.Series("nom", [b.nom for b in lst]),
                pl.Series("type", [b.type for b in lst]),
                pl.Series(
                    "date_debut",
                    [dt.date.fromisoformat(b.date_debut) if b.date_debut else None for b in lst],
                    dtype=pl.Date,
                ),
                date_series("date_fin", np.array([b.date_fin for b in lst])),
                _lookup(self.sirens, np.array([b.successor for b in lst]), "successeur_siren"),
                _bool("envoie_mouvements", np.array([b.envoie_mouvements for b in lst])),
                pl.Series("perimetre_cal", [b.perimetre_cal for b in lst]),
            ]
        )
        self.writer.write("bailleurs.csv", "bailleurs", frame, STATE_EXPORT)

    # -- the sink ----------------------------------------------------------------------------------
    def events(self, sim: Simulation, mi: int) -> None:
        self.mouvements(mi)

    def month(self, sim: Simulation, mi: int) -> None:
        self.n_extract += 1
        self.sne_demandes(mi)
        self.sne_radiations(mi)
        self.positionnements(mi)
        self.mouvements(mi)
        self.cal(mi)
        self.programmes(mi)
        if mi % 12 == 11 and mi - 11 >= sim.debut:
            self.bilan_flux(mi // 12)

    def finish(self) -> None:
        self.bailleurs()
        self.engagements_cia()

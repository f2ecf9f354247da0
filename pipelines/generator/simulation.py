"""The monthly simulation of the territory: dwellings turn over, demands come and go, rounds let dwellings.

Every step works on whole arrays (numpy); the only Python loops run over months, over the three
candidate slots of a round, or over code lists. Records with a date (events, radiations, CAL rows,
leases) go into column stores; the output sink writes each month's files from them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Protocol

import numpy as np

from expectations.contract import EPCI_SIREN, SEEDS_DIR

from . import params
from .codelists import code_index, code_list, weights
from .dates import NA, month_end, month_start, not_new_year
from .letting import run_rounds, schedule
from .population import FREE, LEAVING, RADIATED, SUSPENDED, Demands
from .store import Columns
from .world import GONE, OCCUPIED, PLANNED, VACANT, WORKS, build_world

EV = {c: code_index("type_evenement", c) for c in code_list("type_evenement")}
MOT = {c: code_index("motif_radiation", c) for c in code_list("motif_radiation")}


class Sink(Protocol):
    def stock(self, sim: Simulation, year: int) -> None: ...
    def events(self, sim: Simulation, mi: int) -> None: ...
    def month(self, sim: Simulation, mi: int) -> None: ...


def q1_thresholds() -> dict[int, float]:
    """1st-quartile thresholds of the EPCI by year (the thresholds seed)."""
    with open(SEEDS_DIR / "seuils_quartiles.csv", encoding="utf-8", newline="") as f:
        return {int(r["annee"]): float(r["q1"]) for r in csv.DictReader(f) if r["epci_siren"] == EPCI_SIREN}


class Simulation:
    def __init__(self, seed: int, scale: float, debut: int, fin: int):
        if scale <= 0:
            raise ValueError("l'échelle doit être positive")
        if fin < debut:
            raise ValueError("la fin précède le début")
        world_ss, sim_ss, fault_ss = np.random.SeedSequence(seed).spawn(3)
        self.scale = scale
        self.debut, self.fin = debut, fin
        self.sim_start = debut - params.WARMUP_MONTHS
        self.t0 = month_start(self.sim_start)
        self.t_end = month_end(fin)
        self.fault_seed = fault_ss
        self.world = build_world(np.random.default_rng(world_ss), scale, self.sim_start, fin, (debut, fin))
        self.rng = np.random.default_rng(sim_ss)
        dw = self.world.dw
        n_dw = len(dw["state"])
        dw["via"] = np.zeros(n_dw, dtype=bool)
        dw["round_resid"] = np.zeros(n_dw, dtype=bool)
        self.q1 = q1_thresholds()
        i4, i1, i2 = np.int32, np.int8, np.int16
        n_target = max(1, round(params.ACTIVE_DEMANDS * scale))
        self.dm = Demands(self.world, capacity=int(n_target * 2.5))
        self.events = Columns(
            {
                "dw": (i4, -1, ()),
                "date": (i4, NA, ()),
                "type": (i1, -1, ()),
                "motif": (i1, -1, ()),
                "demand": (i4, -1, ()),
                "done": (bool, False, ()),
            }
        )
        self.positions = Columns(
            {
                "date": (i4, NA, ()),
                "dw": (i4, -1, ()),
                "res": (i1, -1, ()),
                "res_id": (bool, False, ()),
                "demand": (i4, -1, ()),
                "rang": (i1, 0, ()),
                "motifs": (i2, 0, ()),
                "avis": (i1, -1, ()),
                "rep": (i1, -1, ()),
                "motif_refus": (i1, -1, ()),
                "done": (bool, False, ()),
            }
        )
        self.cal = Columns(
            {
                "date": (i4, NA, ()),
                "dw": (i4, -1, ()),
                "demand": (i4, -1, ()),
                "res": (i1, -1, ()),
                "decision": (i1, -1, ()),
                "rang": (i1, -1, ()),
                "motif_dec": (i1, -1, ()),
                "exemption": (i1, -1, ()),
                "offer": (i4, NA, ()),
                "resolve": (i4, NA, ()),
                "answer": (i1, -1, ()),
                "answered_on": (i4, NA, ()),
                "motif_refus": (i1, -1, ()),
                "libelle": (i2, -1, ()),
                "via": (bool, False, ()),
                "landlord": (i2, -1, ()),
                "done": (bool, False, ()),
            }
        )
        self.leases = Columns(
            {
                "dw": (i4, -1, ()),
                "demand": (i4, -1, ()),
                "bail": (i4, NA, ()),
                "rad": (i4, NA, ()),
                "res": (i1, -1, ()),
                "res_id": (bool, False, ()),
                "prio_att": (bool, False, ()),
                "source": (i1, -1, ()),
                "relog_ru": (bool, False, ()),
                "deja": (bool, False, ()),
                "accord": (i1, -1, ()),
                "pq_divergent": (bool, False, ()),
                "landlord": (i2, -1, ()),
            }
        )
        self.rounds = Columns(
            {
                "dw": (i4, -1, ()),
                "date": (i4, NA, ()),
                "res": (i1, -1, ()),
                "res_id": (bool, False, ()),
                "landlord": (i2, -1, ()),
                "success": (bool, False, ()),
            }
        )
        self.radiations = Columns(
            {
                "demand": (i4, -1, ()),
                "date": (i4, NA, ()),
                "motif": (i1, -1, ()),
                "sous": (i1, -1, ()),
                "done": (bool, False, ()),
            }
        )
        self.active_history: dict[int, int] = {}
        self._init_demands(n_target)
        vac = np.flatnonzero(dw["state"] == VACANT)
        schedule(self, vac, np.maximum(self.t0, dw["since"][vac] + self._prep(vac)), new_vacancy=True)

    # -- thresholds ---------------------------------------------------------------------------
    def q1_annual(self, yrs: np.ndarray) -> np.ndarray:
        """Threshold of each year (the nearest known year outside the seed's range)."""
        known = np.array(sorted(self.q1))
        vals = np.array([self.q1[y] for y in known])
        pos = np.clip(np.searchsorted(known, yrs), 0, len(known) - 1)
        return vals[pos]

    # -- initial register ----------------------------------------------------------------------
    def _hazards(self) -> tuple[np.ndarray, np.ndarray]:
        lam = -np.log(np.array(params.RENEW_P)) + np.array(params.EXIT_HAZARD_YEAR) + params.ATTRIBUTION_HAZARD_YEAR
        inflow = np.array([1 - params.PERSISTENT_SHARE_INFLOW, params.PERSISTENT_SHARE_INFLOW])
        return lam, inflow

    def _init_demands(self, n: int) -> None:
        rng = self.rng
        lam, inflow = self._hazards()
        stock = inflow / lam
        self.deposits_per_month = n / stock.sum() / 12 * params.INFLOW_CALIBRATION
        self.target = n
        persist = (rng.random(n) < stock[1] / stock.sum()).astype(np.int8)
        lam_i = lam[persist]
        cap = 1 - np.exp(-lam_i * params.MAX_SENIORITY_YEARS)
        age = -np.log(1 - rng.random(n) * cap) / lam_i
        depot = (self.t0 - 1 - np.floor(age * 365.25)).astype(np.int64)
        depot = not_new_year(depot)
        idx = self.dm.add(rng, depot, persist)
        cycles = (self.t0 - depot) // 365 + 1
        last = np.where(cycles >= 2, depot + 365 * (cycles - 1) - rng.integers(0, 21, n), NA)
        last = np.where(last >= self.t0, self.t0 - 1, last)
        due = np.where(cycles >= 2, last + 365, depot + 365)
        self.dm["last_ren"][idx] = last
        self.dm["due"][idx] = np.maximum(due, self.t0)

    def _prep(self, d: np.ndarray) -> np.ndarray:
        rng = self.rng
        n = len(d)
        prep = np.where(
            rng.random(n) < params.PREP_IMMEDIATE_P, 0, rng.exponential(params.PREP_DAYS_MEAN, n).astype(np.int64)
        )
        extra = rng.integers(*params.DIFFICULT_EXTRA_DAYS, size=n, endpoint=True)
        return prep + np.where(self.world.dw["difficult"][d], extra, 0)

    # -- the loop ------------------------------------------------------------------------------
    def run(self, sink: Sink, progress: Callable[[str], None] | None = None) -> None:
        first_stock = self.debut // 12 * 12  # the first stock file is at 1 January of the window's first year
        for mi in range(self.sim_start, self.fin + 1):
            if mi % 12 == 0 and self.debut // 12 <= mi // 12 <= self.fin // 12:
                sink.stock(self, mi // 12)
            self.step(mi)
            if mi >= self.debut:
                sink.month(self, mi)
                if progress:
                    n = self.active_history[mi]
                    progress(f"mois {mi // 12:04d}-{mi % 12 + 1:02d} : {n:,} demandes actives".replace(",", "\u202f"))
            elif mi >= first_stock:
                # A window that starts in mid-year: the landlords' events from that stock file on, or the
                # dwellings delivered before the window would be cited but absent from the stock (issue 13).
                sink.events(self, mi)

    def step(self, mi: int) -> None:
        s, e = month_start(mi), month_end(mi)
        self._dwellings(s, e)
        self._demands_before(s, e)
        d = np.flatnonzero((self.world.dw["round_date"] >= s) & (self.world.dw["round_date"] <= e))
        run_rounds(self, d, s, e)
        self._entrees(e)
        self._scheduled_exits(s, e)
        self._deposits(s, e)
        self.active_history[mi] = int(np.count_nonzero(self.dm["status"] <= LEAVING))

    # -- dwellings -----------------------------------------------------------------------------
    def _event(self, d: np.ndarray, date: np.ndarray, typ: str, motif: np.ndarray | int = -1) -> None:
        if len(d):
            self.events.append(len(d), dw=d, date=date, type=EV[typ], motif=motif)

    def _dwellings(self, s: int, e: int) -> None:
        dw, rng = self.world.dw, self.rng
        state = dw["state"]
        # New programmes delivered.
        d = np.flatnonzero((state == PLANNED) & (dw["deliver"] <= e))
        date = not_new_year(np.maximum(dw["deliver"][d].astype(np.int64), s))
        self._event(d, date, "MISE_EN_SERVICE")
        state[d] = VACANT
        dw["since"][d] = date
        schedule(self, d, date + rng.integers(0, 21, len(d)), new_vacancy=True)
        # End of works: back to letting, or demolition.
        d = np.flatnonzero((state == WORKS) & (dw["ind_end"] <= e))
        date = not_new_year(np.maximum(dw["ind_end"][d].astype(np.int64), s))
        demol = dw["demolish"][d]
        self._event(d[demol], date[demol], "SORTIE_PATRIMOINE", code_index("motif_mouvement", "DEMOLITION"))
        state[d[demol]] = GONE
        back = d[~demol]
        self._event(back, date[~demol], "FIN_INDISPONIBILITE")
        state[back] = VACANT
        dw["since"][back] = date[~demol]
        dw["ind_end"][d] = NA
        schedule(self, back, date[~demol] + rng.integers(0, 11, len(back)), new_vacancy=True)
        # Departures and sales to tenants.
        occ = np.flatnonzero((state == OCCUPIED) & (dw["bail"] < s - params.MIN_TENANCY_DAYS))
        u = rng.random(len(occ))
        p_dep = 1 - np.exp(-params.DEPARTURE_RATE_YEAR / 12)
        p_sale = 1 - np.exp(-params.SALE_RATE_YEAR / 12)
        dep = occ[u < p_dep]
        sale = occ[(u >= p_dep) & (u < p_dep + p_sale)]
        date = not_new_year(rng.integers(s, e + 1, len(sale)))
        self._event(sale, date, "SORTIE_PATRIMOINE", code_index("motif_mouvement", "VENTE"))
        state[sale] = GONE
        date = not_new_year(rng.integers(s, e + 1, len(dep)))
        works = rng.random(len(dep)) < params.WORKS_AFTER_DEPARTURE_P
        # Works start after the departure, within the month (a same-day start would come first).
        date = np.where(works, np.minimum(date, e - 1), date)
        motif = rng.choice(
            len(code_list("motif_mouvement")), size=len(dep), p=weights("motif_mouvement", params.DEPART_MOTIF)
        )
        motif = np.where(rng.random(len(dep)) < params.DEPART_MOTIF_UNKNOWN_P, -1, motif)
        self._event(dep, date, "DEPART", motif)
        wd, wdate = dep[works], np.minimum(date[works] + rng.integers(1, 11, int(works.sum())), e)
        self._event(wd, wdate, "DEBUT_INDISPONIBILITE")
        state[wd] = WORKS
        dw["since"][wd] = wdate
        dw["ind_end"][wd] = wdate + rng.integers(*params.WORKS_DAYS, size=len(wd), endpoint=True)
        dw["demolish"][wd] = rng.random(len(wd)) < params.DEMOLITION_AFTER_WORKS_P
        vd, vdate = dep[~works], date[~works]
        state[vd] = VACANT
        dw["since"][vd] = vdate
        dw["bail"][dep] = NA
        schedule(self, vd, vdate + self._prep(vd), new_vacancy=True)

    def _entrees(self, e: int) -> None:
        dw = self.world.dw
        d = np.flatnonzero((dw["entree"] != NA) & (dw["entree"] <= e))
        dw["state"][d] = OCCUPIED
        dw["bail"][d] = dw["entree"][d]
        dw["since"][d] = NA
        dw["entree"][d] = NA

    # -- demands -------------------------------------------------------------------------------
    def _radiate(self, who: np.ndarray, date: np.ndarray, motif: np.ndarray | int, sous: np.ndarray | int = -1) -> None:
        if len(who):
            self.radiations.append(len(who), demand=who, date=date, motif=motif, sous=sous)

    def _maybe_suspend(self, who: np.ndarray, date: np.ndarray, motif: np.ndarray) -> None:
        """Radiate; a share of radiations will be cancelled later (déradiation)."""
        dm, rng = self.dm, self.rng
        p = np.zeros(len(who))
        for m, pm in params.DERADIATION_P.items():
            p = np.where(motif == MOT[m], pm, p)
        back = rng.random(len(who)) < p
        dm["status"][who] = np.where(back, SUSPENDED, RADIATED)
        dm["reinst"][who] = np.where(
            back, date + rng.integers(*params.DERADIATION_DELAY_DAYS, size=len(who), endpoint=True), NA
        )
        dm["exit_motif"][who] = motif
        dm["rad"][who] = date

    def _demands_before(self, s: int, e: int) -> None:
        dm, rng = self.dm, self.rng
        status = dm["status"]
        # Déradiations: the demand is active again (a late renewal, a contact found again).
        back = np.flatnonzero((status == SUSPENDED) & (dm["reinst"] <= e))
        date = dm["reinst"][back].astype(np.int64)
        self._radiate(back, date, -1)
        status[back] = FREE
        # Back after its validity ran out (always so after a RADREN): the déradiation renews it.
        ren = (dm["exit_motif"][back] == MOT["RADREN"]) | (dm["due"][back] <= date)
        dm["last_ren"][back[ren]] = date[ren]
        dm["due"][back[ren]] = date[ren] + 365
        dm["rad"][back] = NA
        dm["reinst"][back] = NA
        dm["exit_motif"][back] = -1
        # Renewals at the end of each year of validity; the others leave one month after expiry.
        leaving_later = (status == LEAVING) & (dm["exit_motif"] != MOT["RADREN"]) & (dm["rad"] > dm["due"])
        due = np.flatnonzero(((status == FREE) | leaving_later) & (dm["due"] <= e))
        busy = dm["busy"][due]
        forced = (status[due] == LEAVING) | ((busy != NA) & (busy >= s))
        p = np.array(params.RENEW_P)[dm["persist"][due]]
        renew = forced | (rng.random(len(due)) < p)
        r = due[renew]
        rdate = np.clip(dm["due"][r].astype(np.int64) - rng.integers(0, 21, len(r)), s, e)
        rdate = np.maximum(rdate, dm["depot"][r].astype(np.int64) + 1)
        dm["last_ren"][r] = rdate
        dm["due"][r] = rdate + 365
        x = due[~renew]
        status[x] = LEAVING
        dm["exit_motif"][x] = MOT["RADREN"]
        dm["rad"][x] = np.maximum(dm["due"][x].astype(np.int64) + params.RADREN_DELAY_DAYS, s)
        # Abandonment, no contact, inadmissibility.
        b = dm["busy"]
        cand = np.flatnonzero((status == FREE) & ((b == NA) | (b < s)))
        h = np.array(params.EXIT_HAZARD_YEAR)[dm["persist"][cand]]
        out = cand[rng.random(len(cand)) < 1 - np.exp(-h / 12)]
        split = params.EXIT_SPLIT
        motif = np.array([MOT[m] for m in split])[
            rng.choice(len(split), size=len(out), p=np.array(list(split.values())))
        ]
        date = rng.integers(np.maximum(s, dm["depot"][out]), e + 1)
        sous = np.where(
            motif == MOT["RADIRR"],
            rng.choice(
                len(code_list("sous_motif_radiation")),
                size=len(out),
                p=weights("sous_motif_radiation", params.IRRECEVABILITE_SOUS_MOTIF),
            ),
            -1,
        )
        self._radiate(out, date, motif, sous)
        self._maybe_suspend(out, date, motif)
        dm["sous_motif"][out] = sous

    def _scheduled_exits(self, s: int, e: int) -> None:
        dm = self.dm
        who = np.flatnonzero((dm["status"] == LEAVING) & (dm["rad"] <= e))
        date = dm["rad"][who].astype(np.int64)
        motif = dm["exit_motif"][who]
        self._radiate(who, date, motif, dm["sous_motif"][who])
        self._maybe_suspend(who, date, motif)

    def _deposits(self, s: int, e: int) -> None:
        rng = self.rng
        active = max(1, int(np.count_nonzero(self.dm["status"] <= LEAVING)))
        n = int(rng.poisson(self.deposits_per_month * (self.target / active) ** params.DEPOSIT_FEEDBACK))
        depot = np.sort(rng.integers(s, e + 1, n))
        persist = (rng.random(n) < params.PERSISTENT_SHARE_INFLOW).astype(np.int8)
        self.dm.add(rng, depot, persist)

    # -- what the files will be judged on ------------------------------------------------------
    def active(self) -> np.ndarray:
        return np.flatnonzero(self.dm["status"] <= LEAVING)

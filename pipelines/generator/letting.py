"""Letting a vacant dwelling: candidates, commission, CAL, offers, lease — vectorized over a month's rounds.

A *round* is one attempt to let one dwelling: candidates are picked from the active demands that
wish the dwelling's commune and type (weighted by their score), positioned by the Commission
communautaire when the réservataire goes through it, examined by the landlord's CAL, then offered
the dwelling in rank order until one accepts (rank 2 only after rank 1 refused). A round where
nobody accepts leaves the dwelling vacant until the next round.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from . import names, params
from .codelists import code_index, code_list, weights
from .dates import NA, months, not_new_year, to_weekday, years
from .population import FREE, LEAVING, TYPOS, Demands
from .store import Columns
from .world import World


class LettingState(Protocol):
    """What letting reads and appends to in the simulation. Declared here, not imported from
    simulation.py, so that imports go one way: simulation -> letting."""

    world: World
    dm: Demands
    rng: np.random.Generator
    positions: Columns
    cal: Columns
    rounds: Columns
    leases: Columns
    events: Columns

    def q1_annual(self, yrs: np.ndarray) -> np.ndarray: ...


N_PICK = 4  # candidates read from the pool per dwelling (duplicates across dwellings are dropped)
N_CAND = 3  # candidates kept per dwelling
RES = code_list("reservataire")
R_PPRIOR = code_index("reservataire", "PPRIOR")
R_COLTER = code_index("reservataire", "COLTER")
# Demand type index of a dwelling by rooms (T1 … T5, then T6P for 6 rooms or more).
TYP_OF_ROOMS = np.array([-1] + [TYPOS.index(f"T{r}") if f"T{r}" in TYPOS else TYPOS.index("T6P") for r in range(1, 10)])
DWELLING_TYPS = np.unique(TYP_OF_ROOMS[1:])
MOTIF_DECISIONS = tuple(
    dict.fromkeys(
        params.MOTIF_NON_ATTRIBUTION + params.MOTIF_NON_ATTRIBUTION_Q1 + tuple(params.MOTIF_IRRECEVABILITE.values())
    )
)
LIBELLES = tuple((code, text) for code in code_list("motif_refus") for text in names.LIBELLES_REFUS.get(code, ()))
_LIB_START = {code: i for i, (code, _) in reversed(list(enumerate(LIBELLES)))}
_LIB_COUNT = {code: len(names.LIBELLES_REFUS.get(code, ())) for code in code_list("motif_refus")}


def _compact(cand: np.ndarray) -> np.ndarray:
    """Move the -1 entries of each row to its end, keeping the order of the others."""
    order = np.argsort(cand < 0, axis=1, kind="stable")
    return np.take_along_axis(cand, order, axis=1)


def _ordinal(keys: np.ndarray) -> np.ndarray:
    """Rank of each element among the elements with the same key (in their order)."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    out = np.empty(len(keys), dtype=np.int64)
    out[order] = np.arange(len(keys)) - np.searchsorted(sk, sk, side="left")
    return out


def _dedupe(cand: np.ndarray) -> np.ndarray:
    """Keep each demand once, in its first row (rows in order, then slots)."""
    flat = cand.ravel()
    at = np.flatnonzero(flat >= 0)
    _, first = np.unique(flat[at], return_index=True)
    keep = np.zeros(len(flat), dtype=bool)
    keep[at[first]] = True
    return _compact(np.where(keep.reshape(cand.shape), cand, -1))


def _take(ks: np.ndarray, ds: np.ndarray, rkey: np.ndarray) -> np.ndarray:
    """``N_PICK`` demands per request from lists sorted by key then score: the k-th request of a key
    takes the k-th block of ``N_PICK`` (-1 past the end of the key's list)."""
    if len(ds) == 0:
        return np.full((len(rkey), N_PICK), -1, dtype=np.int64)
    start = np.searchsorted(ks, rkey, side="left")
    end = np.searchsorted(ks, rkey, side="right")
    pos = start[:, None] + N_PICK * _ordinal(rkey)[:, None] + np.arange(N_PICK)[None, :]
    return np.where(pos < end[:, None], ds[np.minimum(pos, len(ds) - 1)], -1)


def select_candidates(
    sim: LettingState, pool: np.ndarray, t: int, com: np.ndarray, typ: np.ndarray, kind: np.ndarray
) -> np.ndarray:
    """Up to ``N_PICK`` distinct candidates per round, best first; -1 where the pool runs short.

    A demand is listed under every (commune of the EPCI, type) it wishes, ordered by a random
    draw weighted by its score (Gumbel trick). Rounds of ``kind`` 1 first take demands with a
    declared priority; the other rounds, and priority rounds still short, then share what is left.
    """
    n = len(com)
    cand = np.full((n, N_PICK), -1, dtype=np.int64)
    if n == 0 or len(pool) == 0:
        return cand
    dm, rng, n_epci = sim.dm, sim.rng, sim.world.n_epci
    ch = dm["choices"][pool]
    ok_c = (ch >= 0) & (ch < n_epci)
    tmin, tmax = dm["tmin"][pool], dm["tmax"][pool]
    T = DWELLING_TYPS
    ok_t = (tmin[:, None] <= T[None, :]) & (tmax[:, None] >= T[None, :])
    r, j, k = np.nonzero(ok_c[:, :, None] & ok_t[:, None, :])
    n_typ = len(TYPOS)
    keys = ch[r, j].astype(np.int64) * n_typ + T[k]
    score = dm.cotation(pool, t) / 10.0 / params.SELECTION_TAU
    sc = score[r] + rng.gumbel(size=len(r))
    # One stable sort on (key, descending score quantized to 31 bits): faster than a lexsort.
    lo, hi = (sc.min(), sc.max()) if len(sc) else (0.0, 1.0)
    q = ((hi - sc) / max(hi - lo, 1e-12) * (2**31 - 2)).astype(np.int64)
    order = np.argsort(keys * 2**31 + q, kind="stable")
    keys, dem = keys[order], pool[r][order]
    prio = dm.priority_eligible(pool)[r][order]
    rkey = com * n_typ + typ

    first = np.flatnonzero(kind == 1)
    if len(first):
        cand[first] = _dedupe(_take(keys[prio], dem[prio], rkey[first]))
    taken = cand[first][cand[first] >= 0]
    left = ~np.isin(dem, taken)
    need = (kind == 0) | ((cand >= 0).sum(axis=1) < N_CAND)
    second = np.flatnonzero(need)
    second = second[np.argsort(kind[second], kind="stable")]  # ordinary rounds first, then the short ones
    got = _take(keys[left], dem[left], rkey[second])
    merged = _compact(np.concatenate([cand[second], got], axis=1))[:, :N_PICK]
    cand[second] = merged
    return _dedupe(cand)


def schedule(sim: LettingState, d: np.ndarray, ready: np.ndarray, new_vacancy: bool) -> None:
    """Set the next round of dwellings ``d`` ready on ``ready`` (a commission date where it goes there)."""
    dw, rng, w = sim.world.dw, sim.rng, sim.world
    n = len(d)
    if n == 0:
        return
    if new_vacancy:
        res = dw["first_res"][d].astype(np.int64)
        drawn = rng.choice(len(RES), size=n, p=weights("reservataire", params.RESERVATAIRE))
        res = np.where(res >= 0, res, drawn)
        dw["round_res"][d] = res
        dw["round_resid"][d] = (res == R_COLTER) & (rng.random(n) < params.COLTER_IS_CASA_P)
        dw["first_res"][d] = -1
    res = dw["round_res"][d]
    p_via = np.array([params.VIA_COMMISSION.get(r, 0.0) for r in RES])[res]
    via = rng.random(n) < p_via
    m = months(ready)
    um = np.unique(np.concatenate([m, m + 1]))
    commission = np.array([w.commission_day(int(x)) for x in um], dtype=np.int64)
    this = commission[np.searchsorted(um, m)]
    nxt = commission[np.searchsorted(um, m + 1)]
    date = np.where(via, np.where(ready <= this, this, nxt), ready)
    dw["via"][d] = via
    dw["round_date"][d] = date


def run_rounds(sim: LettingState, d: np.ndarray, s: int, e: int) -> None:
    """Every round of dwellings ``d`` (their round date falls in [s, e])."""
    n = len(d)
    if n == 0:
        return
    w, dw, dm, rng = sim.world, sim.world.dw, sim.dm, sim.rng
    rd = dw["round_date"][d].astype(np.int64)
    res = dw["round_res"][d].astype(np.int64)
    via = dw["via"][d]
    com = dw["commune"][d].astype(np.int64)
    typ = TYP_OF_ROOMS[dw["nbpiece"][d]]
    qpv = dw["qpv"][d] >= 0
    difficult = dw["difficult"][d]
    plai_adapte = dw["plai_adapte"][d]
    kind = np.where((res == R_PPRIOR) | (rng.random(n) < params.PRIORITY_POOL_P), 1, 0)

    status = dm["status"]
    busy = dm["busy"]
    pool = np.flatnonzero((status == FREE) & ((busy == NA) | (busy < s)) & (dm["depot"] < s))
    cand = select_candidates(sim, pool, s, com, typ, kind)[:, :N_CAND]
    direct_n = rng.choice(3, size=n, p=np.array(list(params.DIRECT_CANDIDATES.values()))) + 1
    wanted = np.where(via, N_CAND, direct_n)
    wanted = np.where(plai_adapte, 1, wanted)
    first = np.maximum(cand[:, 0], 0)
    dalo_actif = (dm["dalo"][first] == code_index("statut_dalo", "ACTIF")) & (cand[:, 0] >= 0)
    dalo_exempt = (res == R_PPRIOR) & dalo_actif & (rng.random(n) < params.DALO_SINGLE_CANDIDATE_P)
    wanted = np.where(dalo_exempt, 1, wanted)
    cand = np.where(np.arange(N_CAND)[None, :] < wanted[:, None], cand, -1)
    has = cand >= 0
    cc = np.maximum(cand, 0)

    # --- Commission communautaire (positionnements) ---
    motifs = _motifs_positionnement(sim, cc, rd)
    avis = rng.choice(
        len(code_list("avis_commission")), size=(n, N_CAND), p=weights("avis_commission", params.AVIS_COMMISSION)
    )
    valide = avis == code_index("avis_commission", "VALIDE")
    rep = rng.choice(
        len(code_list("reponse_avant_cal")), size=(n, N_CAND), p=weights("reponse_avant_cal", params.REPONSE_AVANT_CAL)
    )
    rep = np.where(rng.random((n, N_CAND)) < params.REPONSE_AVANT_CAL_UNKNOWN_P, -1, rep)
    rep = np.where(valide, rep, -1)
    refus_avant = np.isin(
        rep, [code_index("reponse_avant_cal", "REFUS_VISITE"), code_index("reponse_avant_cal", "DESISTEMENT")]
    )
    motif_avant = np.where(
        refus_avant,
        rng.choice(len(code_list("motif_refus")), size=(n, N_CAND), p=weights("motif_refus", params.MOTIF_REFUS)),
        -1,
    )
    maintained = valide & ((rep == -1) | (rep == code_index("reponse_avant_cal", "MAINTIENT")))
    pr, ps = np.nonzero(via[:, None] & has)
    if len(pr):
        sim.positions.append(
            len(pr),
            date=rd[pr],
            dw=d[pr],
            res=res[pr],
            res_id=dw["round_resid"][d[pr]],
            demand=cand[pr, ps],
            rang=ps + 1,
            motifs=motifs[pr, ps],
            avis=avis[pr, ps],
            rep=rep[pr, ps],
            motif_refus=motif_avant[pr, ps],
        )
    examined = has & np.where(via[:, None], maintained, True)

    # --- CAL decisions ---
    date_cal = to_weekday(
        rd
        + np.where(
            via,
            rng.integers(*params.CAL_AFTER_COMMISSION_DAYS, size=n, endpoint=True),
            rng.integers(*params.CAL_AFTER_READY_DAYS, size=n, endpoint=True),
        )
    )
    q1 = dm.under_q1(cc.ravel(), np.repeat(sim.q1_annual(years(date_cal)), N_CAND)).reshape(n, N_CAND)
    p_non = np.where(
        q1 & ~qpv[:, None],
        params.NON_ATTRIBUTION_Q1_OUTSIDE_QPV_P,
        np.where(q1 & qpv[:, None], params.NON_ATTRIBUTION_Q1_IN_QPV_P, params.NON_ATTRIBUTION_P),
    )
    u = rng.random((n, N_CAND))
    irr = examined & (u < params.IRRECEVABILITE_P)
    non = examined & ~irr & (u < params.IRRECEVABILITE_P + p_non)
    att = examined & ~irr & ~non
    rank = np.cumsum(att, axis=1) * att
    n_att = att.sum(axis=1)
    cs = rng.random(n) < params.ATTRIBUTION_CS_P
    dec = np.select(
        [irr, non, (n_att >= 2)[:, None] & att, (cs[:, None] & att)],
        [
            code_index("decision_cal", "IRRECEVABILITE"),
            code_index("decision_cal", "NON_ATTRIBUTION"),
            code_index("decision_cal", "ATTRIBUTION_RANG"),
            code_index("decision_cal", "ATTRIBUTION_CS"),
        ],
        code_index("decision_cal", "ATTRIBUTION"),
    )
    rang = np.where(dec == code_index("decision_cal", "ATTRIBUTION_RANG"), rank, -1)
    sous = rng.choice(
        len(code_list("sous_motif_radiation")),
        size=(n, N_CAND),
        p=weights("sous_motif_radiation", params.IRRECEVABILITE_SOUS_MOTIF),
    )
    sous_codes = code_list("sous_motif_radiation")
    irr_motif = np.array([MOTIF_DECISIONS.index(params.MOTIF_IRRECEVABILITE[c]) for c in sous_codes])[sous]
    non_motif = np.where(
        q1,
        np.array([MOTIF_DECISIONS.index(m) for m in params.MOTIF_NON_ATTRIBUTION_Q1])[
            rng.integers(0, len(params.MOTIF_NON_ATTRIBUTION_Q1), size=(n, N_CAND))
        ],
        np.array([MOTIF_DECISIONS.index(m) for m in params.MOTIF_NON_ATTRIBUTION])[
            rng.integers(0, len(params.MOTIF_NON_ATTRIBUTION), size=(n, N_CAND))
        ],
    )
    motif_dec = np.where(irr, irr_motif, np.where(non, non_motif, -1))
    n_exam = examined.sum(axis=1)
    exemption = np.where(
        n_exam >= N_CAND,
        -1,
        np.where(
            dalo_exempt,
            code_index("exemption_trois_candidats", "DALO"),
            np.where(
                plai_adapte,
                code_index("exemption_trois_candidats", "PLAI_ADAPTE"),
                code_index("exemption_trois_candidats", "INSUFFISANCE"),
            ),
        ),
    )

    # --- offers, in rank order ---
    kind_p = np.where(difficult, 1, np.where(kind == 1, 2, 0))
    probs = np.array([params.ANSWER_P["ordinary"], params.ANSWER_P["difficult"], params.ANSWER_P["priority"]])[kind_p]
    acc_code, ref_code, sr_code = (code_index("reponse_candidat", c) for c in ("ACCEPTE", "REFUSE", "SANS_REPONSE"))
    offer = np.full((n, N_CAND), NA, dtype=np.int64)
    resolve = np.full((n, N_CAND), NA, dtype=np.int64)
    answer = np.full((n, N_CAND), -1, dtype=np.int64)
    answered_on = np.full((n, N_CAND), NA, dtype=np.int64)
    prev = date_cal.copy()
    done = np.zeros(n, dtype=bool)
    acc_slot = np.full(n, -1)
    acc_date = np.full(n, NA, dtype=np.int64)
    for j in range(N_CAND):
        make = att[:, j] & ~done
        od = prev + rng.integers(*params.OFFER_DELAY_DAYS, size=n, endpoint=True)
        uu = rng.random(n)
        a = np.where(uu < probs[:, 0], acc_code, np.where(uu < probs[:, 0] + probs[:, 1], ref_code, sr_code))
        ans = od + rng.integers(*params.ANSWER_DAYS, size=n, endpoint=True)
        rs = np.where(a == sr_code, od + params.OFFER_DEADLINE_DAYS, ans)
        offer[make, j] = od[make]
        resolve[make, j] = rs[make]
        answer[make, j] = a[make]
        answered_on[make & (a != sr_code), j] = ans[make & (a != sr_code)]
        now = make & (a == acc_code)
        acc_slot[now] = j
        acc_date[now] = ans[now]
        done |= now
        prev = np.where(make, rs, prev)
    refused = answer == ref_code
    motif_refus = np.where(
        refused,
        rng.choice(len(code_list("motif_refus")), size=(n, N_CAND), p=weights("motif_refus", params.MOTIF_REFUS)),
        -1,
    )
    refus_codes = np.array(code_list("motif_refus"), dtype=object)
    lib_start = np.array([_LIB_START.get(c, -1) for c in refus_codes])
    lib_count = np.array([_LIB_COUNT[c] for c in refus_codes])
    mr = np.maximum(motif_refus, 0)
    libelle = np.where(
        refused & (lib_count[mr] > 0) & (rng.random((n, N_CAND)) < params.MOTIF_REFUS_LIBELLE_P),
        lib_start[mr] + (rng.random((n, N_CAND)) * np.maximum(lib_count[mr], 1)).astype(np.int64),
        -1,
    )
    round_end = prev

    cr, cs_ = np.nonzero(examined)
    if len(cr):
        sim.cal.append(
            len(cr),
            date=date_cal[cr],
            dw=d[cr],
            demand=cand[cr, cs_],
            res=res[cr],
            decision=dec[cr, cs_],
            rang=rang[cr, cs_],
            motif_dec=motif_dec[cr, cs_],
            exemption=exemption[cr],
            offer=offer[cr, cs_],
            resolve=resolve[cr, cs_],
            answer=answer[cr, cs_],
            answered_on=answered_on[cr, cs_],
            motif_refus=motif_refus[cr, cs_],
            libelle=libelle[cr, cs_],
            via=via[cr],
            landlord=w.owner(dw["landlord"][d[cr]], date_cal[cr]),
        )
    sim.rounds.append(
        n, dw=d, date=rd, res=res, res_id=dw["round_resid"][d], landlord=w.owner(dw["landlord"][d], rd), success=done
    )

    # --- candidates: busy during the round; inadmissible ones leave (RADIRR) ---
    flat_c = cand[has]
    end_of = np.where(via[:, None] & ~examined, rd[:, None] + 10, round_end[:, None])
    busy[flat_c] = (np.broadcast_to(end_of, cand.shape)[has] + 1).astype(np.int32)
    ir_r, ir_s = np.nonzero(irr)
    if len(ir_r):
        who = cand[ir_r, ir_s]
        status[who] = LEAVING
        dm["exit_motif"][who] = code_index("motif_radiation", "RADIRR")
        dm["sous_motif"][who] = sous[ir_r, ir_s]
        dm["rad"][who] = date_cal[ir_r] + rng.integers(5, 31, size=len(ir_r))

    # --- leases ---
    ok = np.flatnonzero(done)
    if len(ok):
        who = cand[ok, acc_slot[ok]]
        bail = acc_date[ok] + rng.integers(*params.LEASE_AFTER_ACCEPT_DAYS, size=len(ok), endpoint=True)
        bail = not_new_year(bail)
        keyed = np.where(
            rng.random(len(ok)) < params.RADATT_KEYED_SAME_DAY_P,
            0,
            rng.integers(*params.RADATT_KEYING_DAYS, size=len(ok), endpoint=True),
        )
        _lease(sim, d[ok], who, bail, bail + keyed, res[ok], kind[ok], dw["round_resid"][d[ok]])
        dw["entree"][d[ok]] = bail
        dw["round_date"][d[ok]] = NA
    fail = np.flatnonzero(~done)
    if len(fail):
        ready = np.maximum(round_end[fail] + rng.integers(*params.RETRY_DAYS, size=len(fail), endpoint=True), e + 1)
        schedule(sim, d[fail], ready, new_vacancy=False)


def _motifs_positionnement(sim: LettingState, cc: np.ndarray, rd: np.ndarray) -> np.ndarray:
    """Bit mask over ``code_list("motif_positionnement")`` of each candidate."""
    dm = sim.dm
    flat = cc.ravel()
    bit = {c: 1 << i for i, c in enumerate(code_list("motif_positionnement"))}
    dalo = dm["dalo"][flat] == code_index("statut_dalo", "ACTIF")
    prio = dm.priority_eligible(flat)
    q1 = dm.under_q1(flat, np.repeat(sim.q1_annual(years(rd)), cc.shape[1]))
    mutation = dm["log_act"][flat] == code_index("logement_actuel", "HLM")
    ru = dm["motif"][flat] == code_index("motif_demande", "02")
    mask = (
        np.where(dalo, bit["DALO"], 0)
        | np.where(prio, bit["PRIORITAIRE"], 0)
        | np.where(q1, bit["PREMIER_QUARTILE"], 0)
        | np.where(mutation, bit["MUTATION"], 0)
        | np.where(ru, bit["RELOGEMENT_RU"], 0)
    )
    mask = np.where(mask == 0, bit["DROIT_COMMUN"], mask)
    return mask.reshape(cc.shape)


def _lease(
    sim: LettingState,
    d: np.ndarray,
    who: np.ndarray,
    bail: np.ndarray,
    rad: np.ndarray,
    res: np.ndarray,
    kind: np.ndarray,
    res_id: np.ndarray,
) -> None:
    dm, rng, w = sim.dm, sim.rng, sim.world
    n = len(d)
    eligible = dm.priority_eligible(who)
    pprior = res == R_PPRIOR
    p = np.where(
        pprior & eligible,
        params.PRIORITY_RECOGNISED_PPRIOR_P,
        np.where(eligible, params.PRIORITY_RECOGNISED_P, params.PRIORITY_UNDECLARED_RECOGNISED_P),
    )
    dalo = np.isin(dm["dalo"][who], [code_index("statut_dalo", "ACTIF"), code_index("statut_dalo", "ACTREL")])
    prio_att = dalo | (rng.random(n) < p)
    src_pprior = rng.choice(
        len(code_list("source_priorite")), size=n, p=weights("source_priorite", params.SOURCE_PPRIOR)
    )
    src_other = rng.choice(len(code_list("source_priorite")), size=n, p=weights("source_priorite", params.SOURCE_OTHER))
    source = np.where(
        ~prio_att,
        code_index("source_priorite", "AUCUNE"),
        np.where(dalo, code_index("source_priorite", "DALO"), np.where(pprior, src_pprior, src_other)),
    )
    relog = (dm["motif"][who] == code_index("motif_demande", "02")) & (rng.random(n) < params.RELOGEMENT_RU_P)
    deja = (dm["log_act"][who] == code_index("logement_actuel", "HLM")) & (rng.random(n) < params.INTERNAL_MUTATION_P)
    accord = np.where(
        prio_att,
        rng.choice(
            len(code_list("accord_collectif")), size=n, p=weights("accord_collectif", params.ACCORD_COLLECTIF_PRIORITY)
        ),
        code_index("accord_collectif", "AUCUN"),
    )
    ids = sim.leases.append(
        n,
        dw=d,
        demand=who,
        bail=bail,
        rad=rad,
        res=res,
        res_id=res_id,
        prio_att=prio_att,
        source=source,
        relog_ru=relog,
        deja=deja,
        accord=accord,
        pq_divergent=rng.random(n) < params.PREMIER_QUARTILE_DIVERGENCE_P,
        landlord=w.owner(w.dw["landlord"][d], bail),
    )
    dm["status"][who] = LEAVING
    dm["exit_motif"][who] = code_index("motif_radiation", "RADATT")
    dm["rad"][who] = rad
    dm["att"][who] = ids
    sim.events.append(n, dw=d, date=bail, type=code_index("type_evenement", "ENTREE"), demand=who)

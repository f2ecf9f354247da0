"""Calibration figures of a generation, from the simulation's own records (INDICATORS.md definitions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .codelists import code_index
from .dates import NA, month_end, years
from .world import OCCUPIED, VACANT

if TYPE_CHECKING:
    from .output import Output
    from .simulation import Simulation


def _share(num, den) -> float:
    return round(float(num) / float(den), 4) if den else float("nan")


def figures(sim: Simulation, sink: Output) -> dict[str, float]:
    dm, w, L = sim.dm, sim.world, sim.leases
    t = month_end(sim.fin)
    t12 = month_end(sim.fin - 12)
    act = sim.active()
    first_choice = dm["choices"][act, 0]
    act_epci = act[(first_choice >= 0) & (first_choice < w.n_epci)]
    last12 = np.flatnonzero((L["bail"] > t12) & (L["bail"] <= t))
    d = L["dw"][last12]
    who = L["demand"][last12]
    out: dict[str, float] = {}
    first = sink.snapshots[min(sink.snapshots)]
    last = sink.snapshots[max(sink.snapshots)]
    out["demandes_actives"] = last["actives"]
    out["demandes_actives_premiere_extraction"] = first["actives"]
    out["attributions_12_mois"] = len(last12)
    out["tension"] = round(len(act_epci) / max(len(last12), 1), 2)
    out["anciennete_mediane_mois"] = last["anciennete_mediane_mois"]
    out["anciennete_mediane_mois_premiere_extraction"] = first["anciennete_mediane_mois"]
    out["part_5_ans_et_plus"] = last["part_5_ans"]
    out["part_5_ans_et_plus_premiere_extraction"] = first["part_5_ans"]
    c = sim.cal
    in_window = (c["date"] >= sim.t0 + 0) & (c["date"] <= t) & (c["resolve"] != NA) & (c["resolve"] <= t)
    ans = c["answer"][in_window]
    refused = np.isin(ans, [code_index("reponse_candidat", "REFUSE"), code_index("reponse_candidat", "SANS_REPONSE")])
    out["taux_refus_offres"] = _share(refused.sum(), (ans >= 0).sum())
    for year, v in sorted(sink.vacancy.items()):
        out[f"vacance_{year}"] = v
    dw = w.dw
    old = (dw["deliver"] == NA) | (dw["deliver"] <= t12)
    offered = np.isin(dw["state"], [OCCUPIED, VACANT]) & old
    out["logements_proposes_a_la_location"] = int(offered.sum())
    out["rotation"] = _share((old[d]).sum(), offered.sum())
    out["part_mutations"] = _share((dm["log_act"][act] == code_index("logement_actuel", "HLM")).sum(), len(act))
    q1 = sim.q1_annual(np.full(len(act), years(np.array([t]))[0]))
    out["part_premier_quartile"] = _share(dm.under_q1(act, q1).sum(), len(act))
    dalo = np.isin(dm["dalo"][act], [code_index("statut_dalo", "ACTIF"), code_index("statut_dalo", "ACTREL")])
    out["part_dalo"] = _share(dalo.sum(), len(act))
    out["part_prioritaires_declares"] = _share(dm.priority_eligible(act).sum(), len(act))
    res = L["res"][last12]
    for code in ("PPRIOR", "COLTER", "COLACT", "AUCUN", "PFONCT", "AUTRES"):
        out[f"part_attributions_{code}"] = _share((res == code_index("reservataire", code)).sum(), len(last12))
    qpv = dw["qpv"][d] >= 0
    under = dm.under_q1(who, sim.q1_annual(years(L["bail"][last12])))
    outside = ~qpv
    out["q2_premier_quartile_hors_qpv"] = _share((outside & (under | L["relog_ru"][last12])).sum(), outside.sum())
    out["q3_quartiles_2_4_en_qpv"] = _share((qpv & ~under).sum(), qpv.sum())
    q1_res = np.isin(res, [code_index("reservataire", r) for r in ("COLTER", "COLACT", "AUCUN")])
    out["q1_prioritaires_colter_colact_aucun"] = _share((q1_res & L["prio_att"][last12]).sum(), q1_res.sum())
    # A figure with an empty denominator (a tiny territory) is left out.
    return {k: v for k, v in out.items() if v == v}

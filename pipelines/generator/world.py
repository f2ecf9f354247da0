"""The fixed part of the synthetic territory: communes, landlords, residences, dwellings, programmes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from expectations.contract import communes as seed_communes

from . import names, params
from .codelists import code_index, code_list, finan_groups, weights
from .dates import NA, month_start, nth_weekday, years

# Dwelling states (simulation only).
PLANNED, OCCUPIED, VACANT, WORKS, MODE4, MODE5, GONE = 0, 1, 2, 3, 4, 5, 9


def siren_check_digit(first8: str) -> str:
    """Luhn check digit of a SIREN."""
    total = 0
    for i, ch in enumerate(first8):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def fictitious_siren(i: int) -> str:
    """A Luhn-valid SIREN starting with 9 (no social landlord's SIREN starts like that)."""
    body = f"9{(i * 7_368_787 + 1_204_511) % 10**7:07d}"
    return body + siren_check_digit(body)


@dataclass
class Landlord:
    index: int
    siren: str
    nom: str
    type: str
    share: float
    envoie_mouvements: bool
    perimetre_cal: str
    dialect: str
    prefix: str
    date_debut: str | None
    date_fin: int = int(NA)  # day number, NA = active
    successor: int = -1


@dataclass
class World:
    communes: tuple[str, ...]  # INSEE codes: the EPCI's first, then outside communes
    commune_names: tuple[str, ...]
    n_epci: int
    population: np.ndarray
    landlords: list[Landlord]
    merger_day: int | None
    dw: dict[str, np.ndarray]  # dwellings (initial stock then programme dwellings)
    res: dict[str, np.ndarray]  # residences
    prog: dict[str, np.ndarray]  # programmes
    prog_rows: dict[str, np.ndarray]  # programme × financing × réservataire
    qpv_codes: tuple[str, ...]
    qpv2015_codes: tuple[str, ...]
    commission_days: dict[int, int] = field(default_factory=dict)  # month index -> day

    def owner(self, landlord: np.ndarray, days: np.ndarray | int) -> np.ndarray:
        """Landlord in charge of a dwelling at a date (the absorbed landlord's stock passes to its successor)."""
        landlord = np.asarray(landlord)
        if self.merger_day is None:
            return landlord
        a, s = names.MERGER
        return np.where((landlord == a) & (np.asarray(days) >= self.merger_day), s, landlord)

    def active_landlords(self, d: int) -> list[Landlord]:
        return [b for b in self.landlords if b.date_fin == NA or b.date_fin >= d]

    def commission_day(self, mi: int) -> int:
        if mi not in self.commission_days:
            self.commission_days[mi] = nth_weekday(mi, params.COMMISSION_WEEKDAY, params.COMMISSION_NTH)
        return self.commission_days[mi]


def _largest_remainder(total: int, share: np.ndarray) -> np.ndarray:
    raw = total * share / share.sum()
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def _categorical(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(p), size=n, p=p)


def commune_stock_weights(pop: np.ndarray) -> np.ndarray:
    """Share of the social stock per EPCI commune (see params)."""
    w = np.where(pop >= params.LARGE_COMMUNE_MIN_POP, pop.astype(float) ** params.COMMUNE_STOCK_EXPONENT, 0.0)
    large = w / w.sum()
    small = np.where(
        (pop >= params.SMALL_COMMUNE_MIN_POP) & (pop < params.LARGE_COMMUNE_MIN_POP),
        pop / params.SMALL_COMMUNE_POP_PER_DWELLING,
        0.0,
    )
    small_share = small / params.DWELLINGS_START
    return large * (1 - small_share.sum()) + small_share


def build_landlords(merger_day: int | None) -> list[Landlord]:
    out = []
    for i, (nom, typ, share, envoie, perim, dialect) in enumerate(names.LANDLORDS):
        code_index("type_bailleur", typ)
        code_index("perimetre_cal", perim)
        out.append(
            Landlord(
                i,
                fictitious_siren(i),
                nom,
                typ,
                share,
                envoie,
                perim,
                dialect,
                names.INTERNAL_PREFIX[i],
                names.DATE_DEBUT.get(i),
            )
        )
    if merger_day is not None:
        a, s = names.MERGER
        out[a].date_fin = merger_day - 1
        out[a].successor = s
    return out


def build_world(
    rng: np.random.Generator, scale: float, sim_start_mi: int, sim_end_mi: int, window: tuple[int, int]
) -> World:
    seed = seed_communes()
    epci = [r["code_insee"] for r in seed]
    codes_all = tuple(epci) + tuple(params.OUTSIDE_COMMUNES)
    names_all = tuple(r["nom"] for r in seed) + tuple("" for _ in params.OUTSIDE_COMMUNES)
    pop = np.array([int(r["population_municipale"]) for r in seed])
    n_epci = len(epci)

    debut, fin = window
    n_months = fin - debut + 1
    merger_day = month_start(debut + n_months // 2) if n_months >= 12 else None
    landlords = build_landlords(merger_day)

    t0 = month_start(sim_start_mi)
    t_end = month_start(sim_end_mi + 1) - 1

    # --- residences of the initial stock, cell by cell (commune × landlord) ---
    n0 = max(1, round(params.DWELLINGS_START * scale))
    per_commune = _largest_remainder(n0, commune_stock_weights(pop))
    share = np.array([b.share for b in landlords])
    # Which landlords own dwellings in which commune: the big ones almost everywhere, the small
    # ones in a few communes; then cell counts that respect both the communes' and the
    # landlords' totals (iterative proportional fitting).
    presence_p = np.minimum(1.0, 0.25 + 5.0 * share)
    present = rng.random((n_epci, len(landlords))) < presence_p
    present[np.arange(n_epci), np.argmax(share)] = True
    present[np.argmax(per_commune)] = True
    cell_w = present * np.outer(per_commune, share)
    target_l = share * n0
    for _ in range(50):
        cell_w *= (per_commune / np.maximum(cell_w.sum(axis=1), 1e-12))[:, None]
        cell_w *= (target_l / np.maximum(cell_w.sum(axis=0), 1e-12))[None, :]
    cell_w *= (per_commune / np.maximum(cell_w.sum(axis=1), 1e-12))[:, None]
    res_l, res_c, res_n = [], [], []
    for c in range(n_epci):
        if per_commune[c] == 0:
            continue
        cells = _largest_remainder(int(per_commune[c]), cell_w[c])
        for cell in np.flatnonzero(cells):
            n = int(cells[cell])
            k = max(1, round(n / params.RESIDENCE_MEAN_SIZE))
            sizes = rng.multinomial(n, np.full(k, 1.0 / k))
            sizes = sizes[sizes > 0]
            res_l.append(np.full(len(sizes), cell))
            res_c.append(np.full(len(sizes), c))
            res_n.append(sizes)
    r_land = np.concatenate(res_l)
    r_comm = np.concatenate(res_c)
    r_size = np.concatenate(res_n)
    n_res0 = len(r_size)

    # --- programmes (new residences delivered during the simulation or planned after it) ---
    years_span = (t_end + 730 - (t0 + 30)) / 365.25
    n_prog = int(rng.poisson(params.PROGRAMMES_PER_YEAR * years_span * scale))
    planned = np.sort(rng.integers(t0 + 30, t_end + 730, size=n_prog))
    delivered = planned + rng.integers(*params.PROGRAMME_DELAY_DAYS, size=n_prog, endpoint=True)
    announced = planned - rng.integers(*params.PROGRAMME_ANNOUNCE_DAYS, size=n_prog, endpoint=True)
    absorbed = names.MERGER[0] if merger_day is not None else -1
    lw = np.where(np.arange(len(landlords)) == absorbed, 0.0, share)
    p_land = rng.choice(len(landlords), size=n_prog, p=lw / lw.sum())
    cw = np.where(pop >= params.LARGE_COMMUNE_MIN_POP, pop.astype(float) ** params.COMMUNE_STOCK_EXPONENT, 0.0)
    p_comm = rng.choice(n_epci, size=n_prog, p=cw / cw.sum())
    p_size = rng.integers(*params.PROGRAMME_SIZE, size=n_prog, endpoint=True)
    fin_codes = code_list("financement")
    base_fw = weights("financement", params.PROGRAMME_FINANCING)
    pli = rng.random(n_prog) < params.PROGRAMME_PLI_P
    res_codes = code_list("reservataire")
    rw = weights("reservataire", params.RESERVATAIRE)
    rows_prog, rows_fin, rows_res, rows_nb = [], [], [], []
    for g in range(n_prog):  # a handful of programmes a year: not a hot path
        fw = base_fw.copy()
        if pli[g]:
            fw[code_index("financement", "PLI")] = 0.15
            fw /= fw.sum()
        per_fin = rng.multinomial(p_size[g], fw)
        for f in np.flatnonzero(per_fin):
            per_res = rng.multinomial(per_fin[f], rw)
            for r in np.flatnonzero(per_res):
                rows_prog.append(g)
                rows_fin.append(f)
                rows_res.append(r)
                rows_nb.append(per_res[r])
    prog_rows = {
        "prog": np.array(rows_prog, dtype=np.int64),
        "fin": np.array(rows_fin, dtype=np.int64),
        "res": np.array(rows_res, dtype=np.int64),
        "nb": np.array(rows_nb, dtype=np.int64),
    }
    prog_names = []
    seen: dict[str, int] = {}
    base_idx = rng.integers(0, len(names.PROGRAMMES), size=n_prog)
    for g in range(n_prog):
        nm = f"{names.PROGRAMMES[base_idx[g]]} – {names_all[p_comm[g]]}"
        seen[nm] = seen.get(nm, 0) + 1
        prog_names.append(nm if seen[nm] == 1 else f"{nm} (tranche {seen[nm]})")
    ann_year = years(announced)
    prog = {
        "id": np.array([f"PRG-{ann_year[g]}-{g + 1:04d}" for g in range(n_prog)], dtype=object),
        "nom": np.array(prog_names, dtype=object),
        "landlord": p_land,
        "commune": p_comm,
        "planned": planned.astype(np.int32),
        "delivered": delivered.astype(np.int32),
        "announced": announced.astype(np.int32),
    }
    built = delivered <= t_end
    # Residences of delivered programmes.
    g_built = np.flatnonzero(built)
    r_land = np.concatenate([r_land, p_land[g_built]])
    r_comm = np.concatenate([r_comm, p_comm[g_built]])
    prog_size = np.bincount(prog_rows["prog"], weights=prog_rows["nb"], minlength=n_prog).astype(np.int64)
    r_size = np.concatenate([r_size, prog_size[g_built]])
    r_prog = np.concatenate([np.full(n_res0, -1), g_built])
    n_res = len(r_size)

    # --- residence attributes ---
    qpv_codes, qpv15_codes = [], []
    for spec in params.QPV.values():
        for pair in spec[:-1]:
            qpv_codes.append(pair[0])
            qpv15_codes.append(pair[1])
    r_qpv = np.full(n_res, -1)
    r_qpv15 = np.full(n_res, -1)
    k = 0
    for insee, spec in params.QPV.items():
        pairs, target = spec[:-1], spec[-1]
        c = codes_all.index(insee)
        idx = np.flatnonzero((r_comm == c) & (r_prog < 0))
        idx = idx[rng.permutation(len(idx))]
        cum = np.cumsum(r_size[idx])
        chosen = idx[cum <= max(target * cum[-1], r_size[idx[0]])] if len(idx) else idx
        r_qpv[chosen] = k + np.arange(len(chosen)) % len(pairs)
        prog_idx = np.flatnonzero((r_comm == c) & (r_prog >= 0))
        in_qpv = prog_idx[rng.random(len(prog_idx)) < params.PROGRAMME_QPV_P]
        r_qpv[in_qpv] = k + rng.integers(0, len(pairs), size=len(in_qpv))
        left = np.flatnonzero((r_comm == c) & (r_qpv < 0) & (r_prog < 0))
        left = left[rng.random(len(left)) < params.QPV_LEFT_IN_2024_P]
        r_qpv15[left] = k
        k += len(pairs)
    has = r_qpv >= 0
    r_qpv15 = np.where(has & (rng.random(n_res) >= params.QPV_NEW_IN_2024_P), r_qpv, r_qpv15)

    band = rng.choice(len(params.LOCAT_YEARS), size=n_res, p=[b[2] for b in params.LOCAT_YEARS])
    lo = np.array([b[0] for b in params.LOCAT_YEARS])[band]
    hi = np.array([b[1] for b in params.LOCAT_YEARS])[band]
    r_locat = rng.integers(lo, hi)
    if n_prog:
        r_locat = np.where(r_prog >= 0, years(delivered[np.maximum(r_prog, 0)]), r_locat)
    r_construct = r_locat - (rng.random(n_res) < 0.4)
    r_typeconst = np.where(
        rng.random(n_res) < params.TYPECONST_I_P, code_index("typeconst", "I"), code_index("typeconst", "C")
    )
    r_difficult = rng.random(n_res) < params.DIFFICULT_RESIDENCE_P
    r_plai_adapte = rng.random(n_res) < params.PLAI_ADAPTE_P
    r_unknown = rng.random(n_res) < params.RESIDENCE_UNKNOWN_P
    r_group = rng.choice(len(fin_codes), size=n_res, p=weights("financement", params.FINAN_GROUP))
    # Residence number within its landlord (groupe_immobilier).
    order = np.lexsort((np.arange(n_res), r_land))
    r_num = np.empty(n_res, dtype=np.int64)
    first = np.searchsorted(r_land[order], r_land[order], side="left")
    r_num[order] = np.arange(n_res) - first + 1

    # --- dwellings ---
    n_dw = int(r_size.sum())
    d_res = np.repeat(np.arange(n_res), r_size)
    d_prog = r_prog[d_res]
    is_prog = d_prog >= 0
    # Programme dwellings take their financing and réservataire from the programme's rows.
    d_fin_group = r_group[d_res].copy()
    d_first_res = np.full(n_dw, -1)
    if is_prog.any():
        rows_built = np.flatnonzero(built[prog_rows["prog"]])
        row_of_dw = np.repeat(rows_built, prog_rows["nb"][rows_built])
        # Residences of programmes were appended in programme order, as were the rows.
        d_fin_group[is_prog] = prog_rows["fin"][row_of_dw]
        d_first_res[is_prog] = prog_rows["res"][row_of_dw]
    nbp = np.array(list(params.NBPIECE))
    d_nbpiece = nbp[
        rng.choice(len(nbp), size=n_dw, p=np.array(list(params.NBPIECE.values())) / sum(params.NBPIECE.values()))
    ]
    d_surf = np.round((18 + 14.5 * d_nbpiece + rng.normal(0, 4, n_dw)) * 100).astype(np.int64)
    groups = finan_groups()
    d_locat = r_locat[d_res]
    d_finan = np.empty(n_dw, dtype=np.int64)
    pre77 = (d_locat < 1977) & ~is_prog
    d_finan[pre77] = code_index("finan_rpls", params.FINAN_PRE_1977)
    d_fin_group = np.where(pre77, code_index("financement", "PLUS"), d_fin_group)
    for gi, gname in enumerate(fin_codes):
        cand = [code_index("finan_rpls", c) for c in groups[gname] if c != params.FINAN_PRE_1977]
        m = (d_fin_group == gi) & ~pre77
        d_finan[m] = np.array(cand)[rng.integers(0, len(cand), size=int(m.sum()))]
    rent = np.array([params.RENT_PER_M2[g] for g in fin_codes])[d_fin_group]
    d_loyer = np.round(rent * d_surf * rng.lognormal(0, 0.08, n_dw)).astype(np.int64)
    d_conv = np.where(d_fin_group == code_index("financement", "PLI"), 0, 1)
    d_conv = np.where(rng.random(n_dw) < 0.02, -1, d_conv)
    d_contreslog = rng.choice(len(code_list("contreslog")), size=n_dw, p=weights("contreslog", params.CONTRESLOG))
    d_contreslog = np.where(rng.random(n_dw) < params.CONTRESLOG_UNKNOWN_P, -1, d_contreslog)
    first_cl = np.array([code_index("contreslog", params.CONTRESLOG_OF_RESERVATAIRE[r]) for r in res_codes])
    d_contreslog = np.where(is_prog, first_cl[np.maximum(d_first_res, 0)], d_contreslog)
    u = rng.random(n_dw)
    d_pmr = np.where(u < params.PMR_P, 1, np.where(u < params.PMR_P + params.PMR_UNKNOWN_P, -1, 0))
    serial = rng.permutation(n_dw).astype(np.int64)
    d_ident = (serial * 48_271 + 1_234_567) % 10**8
    d_land = r_land[d_res]
    order = np.lexsort((np.arange(n_dw), d_land))
    d_int = np.empty(n_dw, dtype=np.int64)
    first = np.searchsorted(d_land[order], d_land[order], side="left")
    d_int[order] = np.arange(n_dw) - first + 1001

    # --- initial occupancy ---
    st = params.INITIAL_STATE
    state_codes = np.array([OCCUPIED, VACANT, WORKS, MODE4, MODE5])
    d_state = state_codes[rng.choice(5, size=n_dw, p=np.array(list(st.values())) / sum(st.values()))]
    d_state = np.where(is_prog, PLANNED, d_state)
    d_since = np.full(n_dw, NA, dtype=np.int32)
    d_bail = np.full(n_dw, NA, dtype=np.int32)
    locat_start = (d_locat.astype(np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    occ = d_state == OCCUPIED
    tenure = rng.exponential(365.25 / params.DEPARTURE_RATE_YEAR, n_dw).astype(np.int64) + 1
    bail = t0 - tenure
    bail = np.where(bail < locat_start, locat_start + rng.integers(0, 300, n_dw), bail)
    bail = np.minimum(bail, t0 - 1)
    d_bail[occ] = bail[occ]
    vac = d_state == VACANT
    d_since[vac] = (t0 - 1 - rng.exponential(60, n_dw).astype(np.int64))[vac]
    works = d_state == WORKS
    d_since[works] = (t0 - 1 - rng.integers(0, 120, n_dw))[works]
    d_ind_end = np.full(n_dw, NA, dtype=np.int32)
    d_ind_end[works] = (t0 + rng.integers(20, 240, n_dw))[works]
    d_deliver = np.full(n_dw, NA, dtype=np.int32)
    d_deliver[is_prog] = delivered[d_prog[is_prog]]

    dw = {
        "landlord": d_land.astype(np.int16),
        "commune": r_comm[d_res].astype(np.int16),
        "residence": d_res.astype(np.int32),
        "nbpiece": d_nbpiece.astype(np.int8),
        "finan": d_finan.astype(np.int16),
        "fin_group": d_fin_group.astype(np.int8),
        "qpv": r_qpv[d_res].astype(np.int8),
        "qpv2015": r_qpv15[d_res].astype(np.int8),
        "surf": d_surf,
        "typeconst": r_typeconst[d_res].astype(np.int8),
        "construct": r_construct[d_res].astype(np.int16),
        "locat": d_locat.astype(np.int16),
        "conv": d_conv.astype(np.int8),
        "loyer": d_loyer,
        "contreslog": d_contreslog.astype(np.int8),
        "pmr": d_pmr.astype(np.int8),
        "ident_rep": d_ident,
        "ident_int": d_int,
        "difficult": r_difficult[d_res],
        "plai_adapte": r_plai_adapte[d_res] & (d_fin_group == code_index("financement", "PLAI")),
        "programme": d_prog.astype(np.int32),
        "first_res": d_first_res.astype(np.int8),
        "deliver": d_deliver,
        # dynamic state
        "state": d_state.astype(np.int8),
        "since": d_since,
        "bail": d_bail,
        "entree": np.full(n_dw, NA, dtype=np.int32),
        "round_date": np.full(n_dw, NA, dtype=np.int32),
        "round_res": np.full(n_dw, -1, dtype=np.int8),
        "ind_end": d_ind_end,
        "demolish": np.zeros(n_dw, dtype=bool),
    }
    res = {
        "landlord": r_land,
        "commune": r_comm,
        "num": r_num,
        "unknown": r_unknown,
        "qpv": r_qpv,
        "difficult": r_difficult,
    }
    return World(
        codes_all,
        names_all,
        n_epci,
        pop,
        landlords,
        merger_day,
        dw,
        res,
        prog,
        prog_rows,
        tuple(qpv_codes),
        tuple(qpv15_codes),
    )

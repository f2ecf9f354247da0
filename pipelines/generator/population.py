"""Applicants: drawing new demands (numeric state for the simulation, static text for the files)."""

from __future__ import annotations

import numpy as np
import polars as pl

from . import names, params
from .codelists import code_index, code_list, oui_non, weights
from .dates import NA, months, years
from .store import Columns
from .world import World

MAX_CHOICES = len(params.NB_CHOICES)
TYPOS = code_list("typologie_demande")  # C, T1 … T6P: index = rooms, C = 0
PRIORITY_CODES = code_list("publics_prioritaires")
# Demand status in the simulation.
FREE, LEAVING, RADIATED, SUSPENDED = 0, 1, 2, 3
# Exit motives (index into the contract's motif_radiation list).
MOTIFS = code_list("motif_radiation")


def de(nom: str) -> str:
    """French "de" before a commune's name (d’Antibes, du Rouret, des Ferres, de Biot)."""
    if nom.startswith("Le "):
        return "du " + nom[3:]
    if nom.startswith("Les "):
        return "des " + nom[4:]
    if nom[:1] in "AEIOUÉÈÂ":
        return "d’" + nom
    return "de " + nom


def _lookup(labels: list[str | None], idx: np.ndarray, name: str) -> pl.Series:
    """Strings by index; a negative index gives null."""
    table = pl.Series(name, [*labels, None], dtype=pl.String)
    idx = np.asarray(idx, dtype=np.int64)
    return table.gather(np.where(idx < 0, len(labels), idx))


def money(name: str, cents: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
    """Euros with a decimal comma (``1234,50``, ``-500,00``); null where ``missing``."""
    c = pl.Series(cents.astype(np.int64))
    out = pl.select(
        (
            pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit(""))
            + (c.abs() // 100).cast(pl.String)
            + pl.lit(",")
            + (c.abs() % 100).cast(pl.String).str.zfill(2)
        ).alias(name)
    ).to_series()
    if missing is not None and missing.any():
        out = out.scatter(np.flatnonzero(missing), None)
    return out


def tenths(name: str, v: np.ndarray) -> pl.Series:
    """A decimal with one digit and a comma (``123,5``)."""
    c = pl.Series(v.astype(np.int64))
    return pl.select(
        (
            pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit(""))
            + (c.abs() // 10).cast(pl.String)
            + pl.lit(",")
            + (c.abs() % 10).cast(pl.String)
        ).alias(name)
    ).to_series()


def consumption_units(nb_personnes: np.ndarray, nb_enfants: np.ndarray) -> np.ndarray:
    """Modified OECD scale (CONTRACTS.md §1)."""
    return 1 + 0.5 * (nb_personnes - 1 - nb_enfants) + 0.3 * nb_enfants


class Demands:
    """Every demand ever drawn: numeric columns for the simulation, a frame of static text for the files."""

    def __init__(self, world: World, capacity: int):
        self.world = world
        i4, i1, i2, i8 = np.int32, np.int8, np.int16, np.int64
        self.c = Columns(
            {
                "depot": (i4, NA, ()),
                "due": (i4, NA, ()),
                "last_ren": (i4, NA, ()),
                "rad": (i4, NA, ()),
                "status": (i1, FREE, ()),
                "exit_motif": (i1, -1, ()),
                "sous_motif": (i1, -1, ()),
                "reinst": (i4, NA, ()),
                "busy": (i4, NA, ()),
                "persist": (i1, 0, ()),
                "choices": (i2, -1, (MAX_CHOICES,)),
                "tmin": (i1, 0, ()),
                "tmax": (i1, 0, ()),
                "nb_pers": (i1, 1, ()),
                "nb_enf": (i1, 0, ()),
                "rev": (i8, 0, ()),
                "log_act": (i1, 0, ()),
                "motif": (i1, 0, ()),
                "dalo": (i1, -1, ()),
                "prio": (i2, 0, ()),
                "cot_base": (i4, 0, ()),
                "att": (i4, -1, ()),
            },
            capacity,
        )
        self.static: pl.DataFrame | None = None
        self._serial = 0
        w = world
        epci_pop = w.population.astype(float)
        out_w = np.array(list(params.OUTSIDE_COMMUNES.values()))
        self._first_w = np.concatenate(
            [
                epci_pop / epci_pop.sum() * (1 - params.FIRST_CHOICE_OUTSIDE_P),
                out_w / out_w.sum() * params.FIRST_CHOICE_OUTSIDE_P,
            ]
        )
        self._other_w = np.concatenate(
            [
                epci_pop / epci_pop.sum() * (1 - params.OTHER_CHOICE_OUTSIDE_P),
                out_w / out_w.sum() * params.OTHER_CHOICE_OUTSIDE_P,
            ]
        )
        boost = np.array([params.WORKPLACE_BOOST.get(c, 1.0) for c in w.communes[: w.n_epci]])
        self._work_w = np.concatenate([epci_pop * boost / (epci_pop * boost).sum() * 0.8, out_w / out_w.sum() * 0.2])
        # Counters (guichet): communes of 2,000 inhabitants or more, the CASA, landlords' agencies.
        big = [i for i in range(w.n_epci) if w.population[i] >= params.LARGE_COMMUNE_MIN_POP]
        self._guichet_commune = np.array(big)
        g = [names.GUICHET_MAIRIE.format(de=de(w.commune_names[i])) for i in big]
        g += [names.GUICHET_CCAS.format(de=de(w.commune_names[i])) for i in big]
        g.append(names.GUICHET_CASA)
        self._g_bailleur = len(g)
        g += [names.GUICHET_BAILLEUR.format(bailleur=b.nom, de=de(w.commune_names[big[0]])) for b in w.landlords]
        self._g_portail = len(g)
        g += list(names.GUICHETS_PORTAIL)
        self._g_autre = len(g)
        g += list(names.GUICHETS_AUTRE)
        self.guichets = g
        typo = []
        for tmin in range(len(TYPOS)):
            for tmax in range(len(TYPOS)):
                for desc in (0, 1):
                    seq = list(TYPOS[tmin : tmax + 1])
                    typo.append("|".join(reversed(seq) if desc else seq))
        self._typo_strings = typo

    # -- accessors ---------------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        return self.c[name]

    @property
    def n(self) -> int:
        return self.c.n

    def priority_eligible(self, idx: np.ndarray) -> np.ndarray:
        """Declared priority (INDICATORS.md): DALO ACTIF/ACTREL or at least one criterion."""
        dalo = self.c["dalo"][idx]
        return (self.c["prio"][idx] != 0) | np.isin(dalo, self._dalo_priority)

    @property
    def _dalo_priority(self) -> np.ndarray:
        return np.array([code_index("statut_dalo", "ACTIF"), code_index("statut_dalo", "ACTREL")])

    def cotation(self, idx: np.ndarray, t: int) -> np.ndarray:
        """Score in tenths of a point at day ``t``."""
        g = params.COTATION
        months_ = np.minimum((t - self.c["depot"][idx]) / 30.4375, g["months_cap"])
        return self.c["cot_base"][idx] + np.floor(months_ * g["per_month"]).astype(np.int64)

    def under_q1(self, idx: np.ndarray, q1_annual: np.ndarray) -> np.ndarray:
        uc = consumption_units(self.c["nb_pers"][idx].astype(float), self.c["nb_enf"][idx].astype(float))
        return self.c["rev"][idx] / 100.0 * 12 / uc < q1_annual

    # -- drawing -----------------------------------------------------------------------------
    def add(self, rng: np.random.Generator, depot: np.ndarray, persist: np.ndarray) -> np.ndarray:
        """Draw ``len(depot)`` new demands deposited on ``depot``; returns their indices."""
        n = len(depot)
        w = self.world
        size_keys = np.array(list(params.HOUSEHOLD_SIZE))
        nb_pers = size_keys[rng.choice(len(size_keys), size=n, p=np.array(list(params.HOUSEHOLD_SIZE.values())))]
        couple = rng.random(n) < np.array([params.COUPLE_P[s] for s in size_keys])[nb_pers - 1]
        others = nb_pers - 1 - couple
        nb_enf = rng.binomial(np.maximum(others, 0), params.CHILD_UNDER_14_P)

        # Types wished.
        tmin = np.zeros(n, dtype=np.int64)
        for s, table in params.TYPO_MIN.items():
            m = nb_pers == s
            tmin[m] = rng.choice(len(TYPOS), size=int(m.sum()), p=weights("typologie_demande", table))
        span = rng.choice(3, size=n, p=params.TYPO_SPAN)
        tmax = np.minimum(tmin + span, len(TYPOS) - 1)
        desc = (rng.random(n) < params.TYPO_DESCENDING_P) & (tmax > tmin)

        # Communes wished: first choice ∝ population, others without replacement (Gumbel top-k).
        n_choices = rng.choice(MAX_CHOICES, size=n, p=params.NB_CHOICES) + 1
        first = rng.choice(len(self._first_w), size=n, p=self._first_w)
        outside_first = first >= w.n_epci
        n_choices = np.where(outside_first, np.maximum(n_choices, 2), n_choices)
        choices = np.full((n, MAX_CHOICES), -1, dtype=np.int64)
        choices[:, 0] = first
        logw = np.log(self._other_w)
        chunk = 200_000
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            g = logw[None, :] + rng.gumbel(size=(b - a, len(logw)))
            g[np.arange(b - a), first[a:b]] = -np.inf
            g[outside_first[a:b, None] & (np.arange(len(logw))[None, :] >= w.n_epci)] -= 1e6
            top = np.argsort(-g, axis=1, kind="stable")[:, : MAX_CHOICES - 1]
            choices[a:b, 1:] = top
        choices[np.arange(MAX_CHOICES)[None, :] >= n_choices[:, None]] = -1

        # Age, family and work.
        band = rng.choice(len(params.AGE_BANDS), size=n, p=[b[2] for b in params.AGE_BANDS])
        age = rng.uniform(
            np.array([b[0] for b in params.AGE_BANDS])[band], np.array([b[1] for b in params.AGE_BANDS])[band]
        )
        birth = (depot - np.floor(age * 365.25)).astype(np.int64)
        year_only = rng.random(n) < params.BIRTH_YEAR_ONLY_P
        single = weights("situation_familiale", params.SITUATION_FAMILIALE_SINGLE)
        pair = weights("situation_familiale", params.SITUATION_FAMILIALE_COUPLE)
        sitfam = np.where(couple, rng.choice(len(pair), size=n, p=pair), rng.choice(len(single), size=n, p=single))
        sitfam = np.where(rng.random(n) < params.SITUATION_FAMILIALE_UNKNOWN_P, -1, sitfam)
        pro_w = weights("situation_professionnelle", params.SITUATION_PROFESSIONNELLE)
        sitpro = rng.choice(len(pro_w), size=n, p=pro_w)
        retired = (age >= 63) & (rng.random(n) < 0.8)
        sitpro = np.where(retired, code_index("situation_professionnelle", "RET"), sitpro)
        sitpro = np.where(rng.random(n) < params.SITUATION_PROFESSIONNELLE_UNKNOWN_P, -1, sitpro)

        # Resources.
        uc = consumption_units(nb_pers.astype(float), nb_enf.astype(float))
        per_uc = rng.lognormal(np.log(params.INCOME_PER_UC_MEDIAN), params.INCOME_SIGMA, n)
        per_uc = np.where(rng.random(n) < params.INCOME_ZERO_P, 0.0, per_uc)
        rev = np.round(per_uc * uc * 100).astype(np.int64)
        rfr = np.round(rev * 12 * rng.uniform(0.75, 1.05, n)).astype(np.int64)
        rfr_missing = rng.random(n) >= params.RFR_KNOWN_P

        # Housing, motive, DALO, priority criteria, handicap.
        log_act = rng.choice(
            len(code_list("logement_actuel")), size=n, p=weights("logement_actuel", params.LOGEMENT_ACTUEL)
        )
        homeless = np.isin(log_act, [code_index("logement_actuel", c) for c in params.HOMELESS_LIKE])
        hlm = log_act == code_index("logement_actuel", "HLM")
        lp = log_act == code_index("logement_actuel", "LP")
        motif = np.empty(n, dtype=np.int64)
        for m, table in (
            (hlm, params.MOTIF_HLM),
            (homeless, params.MOTIF_HOMELESS),
            (~hlm & ~homeless, params.MOTIF_OTHER),
        ):
            motif[m] = rng.choice(len(code_list("motif_demande")), size=int(m.sum()), p=weights("motif_demande", table))
        dalo = rng.choice(len(code_list("statut_dalo")), size=n, p=weights("statut_dalo", params.STATUT_DALO))
        dalo = np.where(homeless & (rng.random(n) < 0.09), code_index("statut_dalo", "ACTIF"), dalo)
        dalo = np.where(rng.random(n) < params.STATUT_DALO_UNKNOWN_P, -1, dalo)
        group = np.where(homeless, 0, np.where(hlm, 1, np.where(lp, 2, 3)))
        group_names = ("homeless", "HLM", "LP", "other")
        p_any = np.array([params.PRIORITY_P[g] for g in group_names])[group]
        dalo_prio = np.isin(dalo, self._dalo_priority)
        has_prio = (rng.random(n) < p_any) | dalo_prio
        n_codes = np.where(has_prio, rng.choice(3, size=n, p=params.PRIORITY_EXTRA_CODES) + 1, 0)
        prio = np.zeros(n, dtype=np.int64)
        for gi, gname in enumerate(group_names):
            m = group == gi
            pw = weights("publics_prioritaires", params.PRIORITY_CODES[gname])
            for j in range(3):
                draw = rng.choice(len(PRIORITY_CODES), size=int(m.sum()), p=pw)
                prio[m] |= np.where(n_codes[m] > j, 1 << draw, 0)
        u = rng.random(n)
        handicap = np.where(
            u < params.HANDICAP_P, 1, np.where(u < params.HANDICAP_P + params.HANDICAP_UNKNOWN_P, -1, 0)
        )
        prio |= np.where(
            (handicap == 1) & (rng.random(n) < 0.4), 1 << code_index("publics_prioritaires", "HANDICAP"), 0
        )

        # Residence and workplace.
        u = rng.random(n)
        residence = rng.choice(w.n_epci, size=n, p=w.population / w.population.sum())
        residence = np.where(u < params.RESIDENCE_IS_FIRST_CHOICE_P, first, residence)
        outside = rng.integers(w.n_epci, len(w.communes), size=n)
        residence = np.where(
            (u >= params.RESIDENCE_IS_FIRST_CHOICE_P)
            & (u < params.RESIDENCE_IS_FIRST_CHOICE_P + params.RESIDENCE_OUTSIDE_P),
            outside,
            residence,
        )
        working = np.isin(sitpro, [code_index("situation_professionnelle", c) for c in ("CDI", "CDD", "ART", "APP")])
        workplace = rng.choice(len(self._work_w), size=n, p=self._work_w)
        workplace = np.where(working & (rng.random(n) < params.WORKPLACE_KNOWN_P), workplace, -1)

        # Channel and counter.
        canal = rng.choice(len(code_list("canal")), size=n, p=weights("canal", params.CANAL))
        gc = self._guichet_commune
        g_mairie = rng.integers(0, len(gc), size=n)
        g_city = rng.random(n) < 0.6
        guichet = np.where(g_city, g_mairie, len(gc) + g_mairie)
        guichet = np.where(rng.random(n) < 0.15, 2 * len(gc), guichet)
        guichet = np.where(
            canal == code_index("canal", "BAILLEUR"),
            self._g_bailleur + rng.choice(len(w.landlords), size=n, p=np.array([b.share for b in w.landlords])),
            guichet,
        )
        guichet = np.where(canal == code_index("canal", "PORTAIL"), self._g_portail, guichet)
        guichet = np.where(
            canal == code_index("canal", "AUTRE"),
            self._g_autre + rng.integers(0, len(names.GUICHETS_AUTRE), size=n),
            guichet,
        )

        # Score base (tenths of a point).
        g = params.COTATION
        npri = np.zeros(n, dtype=np.int64)
        for j in range(len(PRIORITY_CODES)):
            npri += (prio >> j) & 1
        cot = (
            rng.integers(0, g["base_max"], size=n)
            + np.where(dalo == code_index("statut_dalo", "ACTIF"), g["dalo"], 0)
            + g["per_priority"] * np.minimum(npri, 2)
            + np.where(homeless, g["homeless"], 0)
            + np.where(hlm, g["mutation"], 0)
        )

        # Validity: one year from the deposit.
        idx = self.c.append(
            n,
            depot=depot,
            due=depot + 365,
            persist=persist,
            choices=choices,
            tmin=tmin,
            tmax=tmax,
            nb_pers=nb_pers,
            nb_enf=nb_enf,
            rev=rev,
            log_act=log_act,
            motif=motif,
            dalo=dalo,
            prio=prio,
            cot_base=cot,
        )

        # Static text for the files.
        serial = self._serial + np.arange(n, dtype=np.int64)
        self._serial += n
        perm = (serial * 7_919_000_003 + 2_718_281_828) % 10**10
        mm = months(depot) % 12 + 1
        yy = years(depot) % 100
        digits = perm.copy()
        dsum = np.zeros(n, dtype=np.int64)
        for _ in range(10):
            dsum += digits % 10
            digits //= 10
        check = (dsum + mm + yy) % 26
        letters = pl.Series([chr(65 + i) for i in range(26)])
        numero = pl.select(
            pl.concat_str(
                [
                    pl.lit("006"),
                    pl.Series(mm).cast(pl.String).str.zfill(2),
                    pl.Series(yy).cast(pl.String).str.zfill(2),
                    pl.Series(perm).cast(pl.String).str.zfill(10),
                    letters.gather(check),
                ]
            ).alias("numero_unique")
        ).to_series()
        communes = list(w.communes)
        cols = [_lookup(communes, choices[:, j], f"c{j}") for j in range(MAX_CHOICES)]
        wished = pl.select(
            pl.concat_str(cols, separator="|", ignore_nulls=True).alias("communes_souhaitees")
        ).to_series()
        mask_table = np.unique(prio)
        mask_strings = [
            "|".join(PRIORITY_CODES[j] for j in range(len(PRIORITY_CODES)) if (m >> j) & 1) or None for m in mask_table
        ]
        prio_str = _lookup(mask_strings, np.searchsorted(mask_table, prio), "publics_prioritaires")
        oui, non = oui_non()
        static = pl.DataFrame(
            [
                numero,
                pl.Series("guichet_i", guichet, dtype=pl.Int32),
                _lookup(list(code_list("canal")), canal, "canal"),
                wished,
                _lookup(self._typo_strings, (tmin * len(TYPOS) + tmax) * 2 + desc, "typologies_souhaitees"),
                _lookup(list(names.NOMS), rng.integers(0, len(names.NOMS), size=n), "nom"),
                _lookup(list(names.PRENOMS), rng.integers(0, len(names.PRENOMS), size=n), "prenom"),
                pl.Series("naissance", birth, dtype=pl.Int32),
                pl.Series("naissance_annee", year_only),
                _lookup(list(code_list("situation_familiale")), sitfam, "situation_familiale"),
                _lookup(list(code_list("situation_professionnelle")), sitpro, "situation_professionnelle"),
                pl.Series("nb_personnes", nb_pers, dtype=pl.Int32).cast(pl.String),
                pl.Series("nb_enfants_moins_14_ans", nb_enf, dtype=pl.Int32).cast(pl.String),
                money("revenu_mensuel", rev),
                money("revenu_fiscal_reference", rfr, rfr_missing),
                _lookup(list(code_list("logement_actuel")), log_act, "logement_actuel"),
                _lookup(list(code_list("motif_demande")), motif, "motif_principal"),
                _lookup(list(code_list("statut_dalo")), dalo, "statut_dalo"),
                prio_str,
                _lookup([oui, non], np.where(handicap < 0, -1, 1 - handicap), "handicap"),
                _lookup(communes, residence, "commune_residence"),
                _lookup(communes, workplace, "commune_travail"),
            ]
        )
        self.static = static if self.static is None else self.static.vstack(static)
        if self.static.n_chunks() > 64:
            self.static = self.static.rechunk()
        return idx

"""The arithmetic of the réservataire meeting's brief (issue 14, part 2), pure and small enough to check by hand:
a programme's dwellings split between typologies (largest remainder), the year-to-date quotas Q1–Q3 with the
programme's first lettings added, and the tension per typology after delivery.

Projection rule: a réservataire r given n_r first lettings lets them as it let over the profile window
(its observed shares of priority, 1st-quartile and quartile-2–4 households); all first lettings fall in the
year of delivery. So a quota's projected value is (num + n × share) ÷ (den + n), its observed year-to-date
numerator and denominator unchanged otherwise. Q2 counts lettings outside QPV and Q3 lettings in QPV: a
programme's lettings move only the one of them its QPV status selects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    """A share or ratio as its numerator and denominator (a projected numerator may be fractional)."""

    num: float
    den: float

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None


@dataclass(frozen=True)
class Profil:
    """A réservataire's attributions over the profile window, as the quotas count them: `q1` priority ÷
    attributions, `q2` 1st quartile or urban-renewal rehousing ÷ known, `q3` quartiles 2–4 ÷ known."""

    q1: Ratio
    q2: Ratio
    q3: Ratio


def repartir(total: int, poids: dict[str, float]) -> dict[str, int]:
    """`total` split in proportion to `poids` (largest remainder; ties to the first key): the typology mix of
    a programme estimated from a share of dwellings. No weight → {}."""
    somme = sum(poids.values())
    if total <= 0 or somme <= 0:
        return {}
    exact = {k: total * w / somme for k, w in poids.items()}
    parts = {k: int(v) for k, v in exact.items()}
    reste = total - sum(parts.values())
    for k in sorted(exact, key=lambda k: parts[k] - exact[k])[:reste]:  # stable: ties keep the keys' order
        parts[k] += 1
    return {k: v for k, v in parts.items() if v}


def ajoute(observe: Ratio, n: float, part: float | None) -> Ratio | None:
    """The observed ratio with n lettings added at the share `part`; None when the share is unknown and n > 0
    (no profile to project with)."""
    if n == 0:
        return observe
    if part is None:
        return None
    return Ratio(observe.num + n * part, observe.den + n)


def quotas_projetes(observe: dict[str, Ratio], profil: Profil, n: int, qpv: bool) -> dict[str, Ratio | None]:
    """Q1, Q2, Q3 of one réservataire (its year-to-date `observe`, keyed `Q1`, `Q2`, `Q3`) after its n
    first lettings of the programme, in QPV or not."""
    return {
        "Q1": ajoute(observe["Q1"], n, profil.q1.value),
        "Q2": observe["Q2"] if qpv else ajoute(observe["Q2"], n, profil.q2.value),
        "Q3": ajoute(observe["Q3"], n, profil.q3.value) if qpv else observe["Q3"],
    }


def q3_ensemble(observe: Ratio, repartition: dict[str, int], profils: dict[str, Profil], qpv: bool) -> Ratio | None:
    """Q3 of a whole (the EPCI or the programme's landlord) after the programme: each réservataire's lettings
    at its own quartile-2–4 share; unchanged outside QPV."""
    if not qpv:
        return observe
    ajout = 0.0
    for code, n in repartition.items():
        part = profils[code].q3.value if code in profils else None
        if n and part is None:
            return None
        ajout += n * (part or 0.0)
    return Ratio(observe.num + ajout, observe.den + sum(repartition.values()))


def tension(demandes: int, attributions_par_an: float, livres: int = 0) -> float | None:
    """Demands per attribution in a year, with the programme's `livres` first lettings of that typology added
    to the year's attributions; None when nothing is let."""
    den = attributions_par_an + livres
    return demandes / den if den else None

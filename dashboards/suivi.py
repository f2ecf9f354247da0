"""The commission's monthly table (S1, "tableau de suivi"), for the internal audience: no masking, the rows of
`marts.fct_indicateurs` as they are. One view for the EPCI and one per réservataire; in each, the months of
the year from January to the quarter's last month as columns, and four tables: positionings by motive and
opinion, CAL attributions and signed leases by household category, year-to-date shares beside their targets.

Target of a share (`target`): the rates of `intermediate.int_objectifs` for the year, the quota and the
réservataires of the view, over every landlord (the CIA may commit each landlord differently: then the
lowest and highest are given). The EPCI's priority share pools the réservataires whose legal priority
target (seed `objectifs_legaux`) is below 100 %, as its S1 row does; its 1st-quartile share, all of them.
Pure: `assets/publish/interne.py` reads the warehouse and writes the files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

from .formats import mois, pourcent, trimestre
from .render import cell, environment
from .site_data import code_labels

# The household categories of S1 (motive code, qpv key) and the quota a category's share is read against.
CATEGORIES = (("DALO", None), ("PRIORITAIRE", None), ("PREMIER_QUARTILE", "NON"), ("RELOGEMENT_RU", None),
              ("MUTATION", None))  # fmt: skip
QUOTAS = {"PRIORITAIRE": "Q1_PRIORITAIRES", "PREMIER_QUARTILE": "Q2_PREMIER_QUARTILE_HORS_QPV"}
INDICATEURS = ("S1_positionnements", "S1_attributions_cal", "S1_baux", "S1_part_ytd")
MISSING = "nc"  # a non-computable cell (statut non_calculable), never 0
TEMPLATE = "suivi.html.j2"


@dataclass(frozen=True)
class SuiviData:
    """`rows`: the S1_* rows of `marts.fct_indicateurs` of the quarters of the year up to (annee, trimestre);
    `catalogue`: the seed `indicateurs`; `codes`: (liste, code, libelle) of the contract, in order;
    `objectifs`: (annee, bailleur_siren, reservataire, quota, taux_cible) of int_objectifs; `legaux`: the seed
    objectifs_legaux (quota, reservataire, taux_cible)."""

    rows: pl.DataFrame
    catalogue: pl.DataFrame
    codes: pl.DataFrame
    objectifs: pl.DataFrame
    legaux: pl.DataFrame
    epci: str
    epci_nom: str
    annee: int
    trimestre: int

    def label(self, liste: str, code: str) -> str:
        return self._labels.get((liste, code), code)

    @cached_property
    def _labels(self) -> dict[tuple[str, str], str]:
        return code_labels(self.codes)

    def listed(self, liste: str) -> list[str]:
        return self.codes.filter(pl.col("liste") == liste)["code"].to_list()


@dataclass(frozen=True)
class View:
    """The EPCI or one réservataire."""

    niveau: str
    code: str
    titre: str


@dataclass(frozen=True)
class Line:
    """A row of a table: its labels, a value and a status per month, and for a share its target (lo, hi)."""

    labels: tuple[str, ...]
    values: list[float | None]
    statuts: list[str | None]
    target: tuple[float, float] | None = None


@dataclass(frozen=True)
class Table:
    ident: str
    title: str
    indicateur: str
    heads: tuple[str, ...]  # the label columns
    months: list[str]  # AAAA-MM
    lines: list[Line]
    share: bool = False

    @property
    def columns(self) -> list[str]:
        return [*self.heads, *(["Objectif"] if self.share else []), *(month_label(m) for m in self.months)]

    def frame(self) -> pl.DataFrame:
        """The table as shown: labels, the target as text, a value per month (None when non-computable)."""
        data = [[*ln.labels, *([target_text(ln.target)] if self.share else []), *ln.values] for ln in self.lines]
        schema = {c: (pl.String if j < len(self.columns) - len(self.months) else pl.Float64)
                  for j, c in enumerate(self.columns)}  # fmt: skip
        return pl.DataFrame(data, schema=schema, orient="row")


def month_keys(annee: int, trimestre_: int) -> list[str]:
    """`AAAA-MM` of every month from January to the quarter's last month."""
    return [f"{annee}-{m:02d}" for m in range(1, 3 * trimestre_ + 1)]


def month_label(key: str) -> str:
    annee, numero = key.split("-")
    return mois(int(annee), int(numero), court=True)


def target_text(target: tuple[float, float] | None) -> str:
    """`25 %`, `25 % à 30 %` (landlords committed differently), `–` (no target)."""
    if target is None:
        return "–"
    lo, hi = (pourcent(t, 0 if round(t * 100, 6).is_integer() else 1) for t in target)
    return lo if lo == hi else f"{lo} à {hi}"


def _key(modalite: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in modalite.split(",") if "=" in pair)


def cells(data: SuiviData) -> dict[tuple, tuple[float | None, str]]:
    """(niveau, code, indicateur, mois, motif, avis, qpv) → (valeur, statut) for every S1 row of the year."""
    out = {}
    rows = data.rows.filter((pl.col("annee") == data.annee) & (pl.col("trimestre") <= data.trimestre))
    for r in rows.select("niveau_geo", "code_geo", "indicateur", "modalite", "valeur", "statut").iter_rows():
        k = _key(r[3])
        out[(r[0], r[1], r[2], k.get("mois"), k.get("motif"), k.get("avis"), k.get("qpv"))] = (r[4], r[5])
    return out


def views(data: SuiviData) -> list[View]:
    """The EPCI, then the réservataires that have S1 rows, in the contract's order."""
    present = set(data.rows.filter(pl.col("niveau_geo") == "RESERVATAIRE")["code_geo"].to_list())
    return [View("EPCI", data.epci, data.epci_nom)] + [
        View("RESERVATAIRE", c, data.label("reservataire", c)) for c in data.listed("reservataire") if c in present
    ]


def target(data: SuiviData, view: View, motif: str) -> tuple[float, float] | None:
    """The (lowest, highest) target of the year for the category's quota and the view's réservataires."""
    quota = QUOTAS.get(motif)
    if quota is None:
        return None
    if view.niveau == "RESERVATAIRE":
        scope = [view.code]
    elif quota == "Q1_PRIORITAIRES":  # pooled as the EPCI's S1 row: the réservataires bound by a share
        legal = data.legaux.filter((pl.col("quota") == quota) & (pl.col("reservataire") != "*"))
        scope = legal.filter(pl.col("taux_cible") < 1)["reservataire"].to_list()
    else:
        scope = data.listed("reservataire")
    rates = data.objectifs.filter(
        (pl.col("annee") == data.annee) & (pl.col("quota") == quota) & pl.col("reservataire").is_in(scope)
    )["taux_cible"].drop_nulls()
    return (rates.min(), rates.max()) if rates.len() else None


def _line(found: dict, view: View, indicateur: str, months: list[str], labels: tuple, motif=None, avis=None,
          qpv=None, target_=None) -> Line:  # fmt: skip
    got = [found.get((view.niveau, view.code, indicateur, m, motif, avis, qpv), (None, None)) for m in months]
    return Line(labels, [v for v, _ in got], [s for _, s in got], target_)


def _category(data: SuiviData, motif: str, qpv: str | None) -> str:
    label = data.label("motif_positionnement", motif)
    return f"{label}, logement hors QPV" if qpv == "NON" else label


def positionnements(data: SuiviData, found: dict, view: View, months: list[str]) -> Table:
    lines = [
        _line(
            found,
            view,
            "S1_positionnements",
            months,
            (
                data.label("motif_positionnement", m) if m else "Tous motifs",
                data.label("avis_commission", a) if a else "tous",
            ),
            motif=m,
            avis=a,
        )  # fmt: skip
        for m in [None, *data.listed("motif_positionnement")]
        for a in [None, *data.listed("avis_commission")]
    ]
    return Table("positionnements", "Positionnements en commission, par motif et avis", "S1_positionnements",
                 ("Motif", "Avis"), months, lines)  # fmt: skip


def by_category(data: SuiviData, found: dict, view: View, months: list[str], indicateur: str, title: str) -> Table:
    lines = [_line(found, view, indicateur, months, ("Tous les ménages",))] + [
        _line(found, view, indicateur, months, (_category(data, m, q),), motif=m, qpv=q) for m, q in CATEGORIES
    ]
    return Table(indicateur.removeprefix("S1_"), title, indicateur, ("Ménages",), months, lines)


def parts(data: SuiviData, found: dict, view: View, months: list[str]) -> Table:
    lines = [
        _line(
            found, view, "S1_part_ytd", months, (_category(data, m, q),), motif=m, qpv=q, target_=target(data, view, m)
        )  # fmt: skip
        for m, q in CATEGORIES
    ]
    title = "Part cumulée des baux signés depuis le 1er janvier, face aux objectifs"
    return Table("parts", title, "S1_part_ytd", ("Ménages",), months, lines, share=True)


def tables(data: SuiviData, view: View, found: dict | None = None) -> list[Table]:
    """The four tables of one view."""
    found = cells(data) if found is None else found
    months = month_keys(data.annee, data.trimestre)
    return [
        positionnements(data, found, view, months),
        by_category(data, found, view, months, "S1_attributions_cal", "Attributions en CAL, par catégorie de ménages"),
        by_category(data, found, view, months, "S1_baux", "Baux signés, par catégorie de ménages"),
        parts(data, found, view, months),
    ]


def reading(line: Line) -> str:
    """The share of the table's last month against its (minimum) target, in words."""
    last = line.values[-1] if line.values else None
    if line.target is None or last is None:
        return ""
    lo, hi = line.target
    if last >= hi:
        return "objectif atteint"
    return "sous l'objectif" if last < lo else "atteint pour une partie des bailleurs"


def shown(table: Table, line: Line, j: int) -> str:
    """A cell of the page: a count as `1 234`, a share as `12,5 %`, `nc` when non-computable."""
    value, statut = line.values[j], line.statuts[j]
    if statut == "non_calculable":
        return MISSING
    if value is None:
        return "–"
    return pourcent(value) if table.share else cell(value)


def definitions(data: SuiviData) -> list[dict]:
    cat = data.catalogue.filter(pl.col("indicateur").is_in(INDICATEURS))
    return [{"libelle": f"{r['libelle']} ({r['indicateur']})", "definition": r["definition"]}
            for r in cat.iter_rows(named=True)]  # fmt: skip


def period_words(data: SuiviData) -> str:
    """`de janvier à septembre 2026 (T3 2026)`."""
    first, last = month_keys(data.annee, data.trimestre)[0], month_keys(data.annee, data.trimestre)[-1]
    start = mois(data.annee, int(first[-2:])).split(" ")[0]
    return f"de {start} à {mois(data.annee, int(last[-2:]))} ({trimestre(data.annee, data.trimestre)})"


def page_html(data: SuiviData, workbook: str | None = None) -> str:
    """The internal page: one section per view, each table scrolling in its box, the definitions at the end;
    `workbook`: the file name of the same table as XLSX beside the page."""
    found = cells(data)
    sections = []
    for view in views(data):
        blocks = []
        for t in tables(data, view, found):
            rows = [
                {"labels": ln.labels, "target": target_text(ln.target) if t.share else None,
                 "values": [shown(t, ln, j) for j in range(len(t.months))], "reading": reading(ln)}
                for ln in t.lines
            ]  # fmt: skip
            blocks.append({"table": t, "rows": rows})
        sections.append({"view": view, "ident": f"vue-{view.code.lower()}", "blocks": blocks})
    return environment().get_template(TEMPLATE).render(
        data=data, period=period_words(data), sections=sections, definitions=definitions(data), workbook=workbook,
        months=[month_label(m) for m in month_keys(data.annee, data.trimestre)],
        last=mois(data.annee, 3 * data.trimestre, court=True),
    )  # fmt: skip

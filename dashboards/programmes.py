"""The réservataire meeting's brief of one programme not yet delivered (internal: no masking, counts as they
are, no personal data — the warehouse holds none): the programme, the demand that matches it, a summary of the
residence watch of its landlord's residences in the commune, and per contingent scenario the year's quotas and
the tension per typology after delivery. The watch itself (R1, one row per residence) is written once per
landlord × commune under `residences/` and linked from each brief: copied into every brief it made the briefs
cost programmes × residences (scale 100: 884,000 rows in 1,042 briefs, against 23,000 in 139 watches). Pure:
`assets/publish/programmes.py` reads the warehouse and writes the files; the tables here are shared by the pages
and the workbooks, so both show the same figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from .formats import date_longue, nombre, pourcent
from .projection import Profil, Ratio, q3_ensemble, quotas_projetes, tension
from .render import environment

TEMPLATE = "programme.html.j2"
INDEX_TEMPLATE = "programmes.html.j2"
WATCH_TEMPLATE = "residences.html.j2"
WATCH_DIR = "residences"  # the watches' folder beside the briefs
QPV_WORDS = {True: "en QPV (déclaré)", False: "hors QPV (déclaré)", None: "non renseigné"}


@dataclass(frozen=True)
class Programme:
    programme_id: str
    nom: str
    bailleur_siren: str
    bailleur_nom: str
    commune: str
    commune_nom: str
    livraison_prevue: dt.date
    date_fichier: dt.date
    lignes: tuple[tuple[str, str, int], ...]  # (financement, réservataire, dwellings) of the programmes file

    @property
    def logements(self) -> int:
        return sum(n for _, _, n in self.lignes)

    @property
    def veille(self) -> str:
        """Its landlord × commune residence watch, relative to the briefs' folder, without extension."""
        return f"{WATCH_DIR}/{self.bailleur_siren}_{self.commune}"

    def orientation(self) -> dict[str, int]:
        """Dwellings per réservataire the first lettings are oriented to, in the file."""
        out: dict[str, int] = {}
        for _, res, n in self.lignes:
            out[res] = out.get(res, 0) + n
        return out


@dataclass(frozen=True)
class Residence:
    """One residence of the watch (R1) at t: its code and label, its shares (None when not computable), its
    flag and reasons, its dwellings offered for letting."""

    code: str
    libelle: str
    vacance: float | None
    rotation: float | None
    refus: float | None
    part_q1: float | None
    part_prioritaires: float | None
    alerte: bool
    motifs: tuple[str, ...]
    logements: int | None


@dataclass(frozen=True)
class Brief:
    programme: Programme
    annee: int
    trimestre: int
    t: dt.date
    fenetre: tuple[dt.date, dt.date]
    qpv: bool | None
    typologies: dict[str, int]  # dwellings per typology, declared or estimated ({} when unknown)
    typologies_declarees: bool
    base_typologies: str
    demande: pl.DataFrame  # per typology: demandes, part_q1, part_prioritaires, part_dalo, part_mutations, ...
    attributions: pl.DataFrame  # per typology: attributions in the window
    residences: list[Residence]
    profils: dict[str, Profil]
    quotas: dict[tuple, Ratio | str | None]  # (Q1|Q2, réservataire), (Q3, EPCI|BAILLEUR) year to date
    scenarios: tuple  # of assets.publish.scenarios.Scenario

    @property
    def annees_fenetre(self) -> float:
        """The window's length in years (attributions per year = attributions ÷ this)."""
        return ((self.fenetre[1] - self.fenetre[0]).days + 1) / 365.25


def share(r: Ratio | float | None) -> str:
    value = r.value if isinstance(r, Ratio) else r
    return "–" if value is None else pourcent(value)


def ratio_words(r: Ratio | None) -> str:
    """`25,0 % (10 / 40)`: a quota with its numerator and denominator (a projected numerator to one decimal)."""
    if r is None or r.value is None:
        return "–"
    num = nombre(r.num) if float(r.num).is_integer() else nombre(r.num, 1)
    return f"{pourcent(r.value)} ({num} / {nombre(r.den)})"


def programme_table(b: Brief, libelle) -> pl.DataFrame:
    """The programme's dwellings by financing and réservataire as oriented in the file."""
    rows = [(f, libelle("reservataire", r), n) for f, r, n in b.programme.lignes]
    return pl.DataFrame(rows, schema=["Financement", "Réservataire (orientation)", "Logements"], orient="row")


def demande_table(b: Brief) -> pl.DataFrame:
    """Per typology: active demands and their profile, attributions of the window and per year, tension."""
    att = dict(b.attributions.select("typologie", "attributions").iter_rows())
    rows = []
    for r in b.demande.iter_rows(named=True):
        n_att = att.get(r["typologie"], 0)
        par_an = n_att / b.annees_fenetre
        rows.append((r["typologie"], r["demandes"], r["part_q1"], r["part_prioritaires"], r["part_dalo"],
                     r["part_mutations"], r["anciennete_mediane"], r["part_delai"], n_att, par_an,
                     tension(r["demandes"], par_an)))  # fmt: skip
    return pl.DataFrame(rows, schema=DEMANDE_COLUMNS, orient="row")


DEMANDE_COLUMNS = {"Typologie": pl.String, "Demandes actives": pl.Int64, "Part 1er quartile": pl.Float64,
                   "Part prioritaires": pl.Float64, "Part DALO": pl.Float64, "Part mutations": pl.Float64,
                   "Ancienneté médiane (mois)": pl.Float64, "Part au-delà du délai anormalement long": pl.Float64,
                   "Attributions sur la période": pl.Int64, "Attributions par an": pl.Float64,
                   "Tension (demandes par attribution annuelle)": pl.Float64}  # fmt: skip


def tension_table(b: Brief) -> pl.DataFrame:
    """Per typology of the programme or of the demand: tension before and after the first lettings."""
    demandes = dict(b.demande.select("typologie", "demandes").iter_rows())
    att = dict(b.attributions.select("typologie", "attributions").iter_rows())
    rows = []
    for typ in sorted(set(demandes) | set(b.typologies)):
        par_an = att.get(typ, 0) / b.annees_fenetre
        d, n = demandes.get(typ, 0), b.typologies.get(typ, 0)
        rows.append((typ, d, par_an, n, tension(d, par_an), tension(d, par_an, n)))
    schema = {"Typologie": pl.String, "Demandes actives": pl.Int64, "Attributions par an": pl.Float64,
              "Logements du programme": pl.Int64, "Tension avant": pl.Float64,
              "Tension après livraison": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def scenario_table(b: Brief, repartition: dict[str, int], libelle) -> pl.DataFrame:
    """Per réservataire of the split: its dwellings, its observed profile, Q1 and Q2 observed year to date and
    projected. Q2 is projected as if outside QPV unless the programme is declared in QPV (then unchanged)."""
    rows = []
    for code, n in repartition.items():
        profil = b.profils.get(code, EMPTY)
        observe = {q: b.quotas.get((q, code), Ratio(0, 0)) for q in ("Q1", "Q2")}
        known = {q: r if isinstance(r, Ratio) else Ratio(0, 0) for q, r in observe.items()}
        got = quotas_projetes({"Q3": Ratio(0, 0)} | known, profil, n, qpv=bool(b.qpv))
        q1, q2 = (_pair(observe[q], got[q]) for q in ("Q1", "Q2"))
        rows.append((libelle("reservataire", code), code, n, profil.q1.value, profil.q2.value, *q1, *q2))
    return pl.DataFrame(rows, schema=scenario_columns(b), orient="row")


def scenario_columns(b: Brief) -> dict:
    q2 = "Q2 projeté" if b.qpv is not None else "Q2 projeté si hors QPV"
    return {"Réservataire": pl.String, "Code": pl.String, "Logements": pl.Int64,
            "Profil : part prioritaires": pl.Float64, "Profil : part 1er quartile ou RU": pl.Float64,
            "Q1 observé": pl.Float64, "Q1 projeté": pl.Float64, "Q2 observé": pl.Float64, q2: pl.Float64}  # fmt: skip


def q3_table(b: Brief, repartition: dict[str, int]) -> pl.DataFrame:
    """Q3 of the EPCI and of the programme's landlord (Q3's grain), observed and projected as if in QPV unless
    the programme is declared outside QPV (then unchanged)."""
    rows = []
    for niveau, label in (("EPCI", "Ensemble de l'EPCI"), ("BAILLEUR", b.programme.bailleur_nom)):
        observe = b.quotas.get(("Q3", niveau), Ratio(0, 0))
        if observe is None:
            rows.append((label, NC, NC))
            continue
        got = q3_ensemble(observe, repartition, b.profils, qpv=b.qpv is not False)
        rows.append((label, observe.value, _value(got)))
    q3 = "Q3 projeté" if b.qpv is not None else "Q3 projeté si en QPV"
    return pl.DataFrame(rows, schema={"Périmètre": pl.String, "Q3 observé": pl.Float64, q3: pl.Float64}, orient="row")


EMPTY = Profil(Ratio(0, 0), Ratio(0, 0), Ratio(0, 0))
NC = float("nan")  # a quota not computable at t (its year-to-date window starts before the feeds): « nc »
NOT_APPLICABLE = float("inf")  # a quota that does not apply to the réservataire (Q1 of PFONCT, AUTRES)
SANS_OBJET = "sans_objet"  # its statut in marts.fct_indicateurs


def _pair(observe: Ratio | str | None, projete: Ratio | None) -> tuple[float | None, float | None]:
    """A quota observed and projected as shown: « nc » when not computable, « sans objet » when it does not
    apply."""
    if observe == SANS_OBJET:
        return NOT_APPLICABLE, NOT_APPLICABLE
    return (NC, NC) if observe is None else (observe.value, _value(projete))


def _value(r: Ratio | None) -> float | None:
    return None if r is None else r.value


def residences_table(residences: list[Residence]) -> pl.DataFrame:
    """The watch: one row per residence of the landlord in the commune."""
    rows = [(r.libelle, r.logements, r.vacance, r.rotation, r.refus, r.part_q1, r.part_prioritaires,
             "oui : " + ", ".join(MOTIFS.get(m, m) for m in r.motifs) if r.alerte else "non")
            for r in residences]  # fmt: skip
    schema = {"Résidence": pl.String, "Logements proposés à la location": pl.Int64, "Vacance": pl.Float64,
              "Rotation annuelle": pl.Float64, "Refus après CAL": pl.Float64, "Part 1er quartile": pl.Float64,
              "Part prioritaires": pl.Float64, "Signalée": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


MOTIFS = {"VACANCE": "vacance", "REFUS": "refus", "PREMIER_QUARTILE": "part du 1er quartile"}
RESIDENCES_TITLE = "Veille des résidences du bailleur dans la commune (R1)"


def residences_summary(b: Brief) -> pl.DataFrame:
    """The brief's line of the watch: the landlord's residences in the commune, their dwellings offered for
    letting, and how many the watch flags, in all and per reason."""
    known = [r.logements for r in b.residences if r.logements is not None]
    signalees = [r for r in b.residences if r.alerte]
    row = (f"{b.programme.bailleur_nom} à {b.programme.commune_nom}", len(b.residences), sum(known) if known else None,
           len(signalees), *(sum(m in r.motifs for r in signalees) for m in MOTIFS))  # fmt: skip
    schema = {"Bailleur dans la commune": pl.String, "Résidences": pl.Int64,
              "Logements proposés à la location": pl.Int64, "Résidences signalées": pl.Int64,
              **{f"Signalées pour {words}": pl.Int64 for words in MOTIFS.values()}}  # fmt: skip
    return pl.DataFrame([row], schema=schema, orient="row")


def hypotheses(b: Brief) -> list[str]:
    """The assumptions of the projections, in plain French."""
    debut, fin = b.fenetre
    mois = round((fin - debut).days / 30.4375)
    typ = (
        "déclarée par l'analyste (fichier scenarios_programmes.yaml)"
        if b.typologies_declarees
        else f"estimée d'après les {b.base_typologies}"
        if b.typologies
        else "inconnue (ni déclarée ni estimable) : la tension après livraison n'est pas projetée"
    )
    qpv = {True: "déclaré en QPV", False: "déclaré hors QPV"}.get(b.qpv, "non renseigné : Q2 est projeté comme si le "
                                                                        "programme était hors QPV et Q3 comme s'il "
                                                                        "était en QPV")  # fmt: skip
    return [
        f"Profils des réservataires observés sur les attributions dont le bail est signé du {date_longue(debut)} au "
        f"{date_longue(fin)} ({mois} mois couverts par les fichiers de radiations), dans les communes de l'EPCI.",
        "Chaque réservataire attribue ses premières mises en location du programme comme il a attribué sur cette "
        "période (même part de ménages prioritaires, du 1er quartile ou relogés au titre du renouvellement urbain, "
        "des quartiles 2 à 4).",
        f"Toutes les premières mises en location ont lieu dans l'année de livraison et s'ajoutent aux attributions "
        f"observées du 1er janvier au {date_longue(b.t)} (Q1 à Q3 de l'année {b.annee}).",
        f"Statut QPV du programme : {qpv}.",
        f"Typologie des logements : {typ}.",
        "La tension après livraison ajoute les logements du programme aux attributions d'une année ; elle ne dépend "
        "pas de la répartition entre réservataires.",
    ]


def cell_text(value, column: str) -> str:
    """A cell of the page: shares in percent, counts whole, others to one decimal."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if value != value:  # NaN: not computable
        return MISSING
    if value == NOT_APPLICABLE:
        return "sans objet"
    kind = nature(column)
    return pourcent(value) if kind == "part" else nombre(value) if kind == "compte" else nombre(value, 1)


MISSING = "nc"
SHARES = ("Part", "Profil", "Q1", "Q2", "Q3", "Vacance", "Rotation", "Refus")
COUNTS = ("Demandes", "Attributions sur", "Logements", "Résidences", "Signalées")


def nature(column: str) -> str:
    """How a column of the brief's tables is shown: `part` (percent), `compte` (whole) or `decimal`."""
    return "part" if column.startswith(SHARES) else "compte" if column.startswith(COUNTS) else "decimal"


def table_context(title: str, frame: pl.DataFrame, ident: str) -> dict:
    rows = [[cell_text(v, c) for v, c in zip(r, frame.columns, strict=True)] for r in frame.iter_rows()]
    numeric = [dtype.is_numeric() for dtype in frame.dtypes]  # right-aligned, texts left
    return {"title": title, "ident": ident, "columns": frame.columns, "rows": rows, "numeric": numeric}


def tables(b: Brief, libelle) -> dict:
    """The brief's tables as shown, in the order of the page and the workbook's sheets."""
    commune = b.programme.commune_nom
    out = {
        "programme": ("Logements par financement et réservataire (fichier des programmes)",
                      programme_table(b, libelle)),
        "demande": (f"Demande active avec {commune} en 1er choix, et attributions dans la commune", demande_table(b)),
        "residences": (RESIDENCES_TITLE, residences_summary(b)),
    }  # fmt: skip
    for i, sc in enumerate(b.scenarios, start=1):
        quotas_title = f"Scénario « {sc.nom} » : quotas par réservataire"
        out[f"scenario-{i}"] = (quotas_title, scenario_table(b, sc.repartition, libelle))
        q3_title = f"Scénario « {sc.nom} » : Q3 (attributions en QPV aux quartiles 2 à 4)"
        out[f"scenario-{i}-q3"] = (q3_title, q3_table(b, sc.repartition))
    out["tension"] = ("Tension par typologie avant et après livraison (tous scénarios)", tension_table(b))
    return out


def facts(b: Brief) -> list[tuple[str, str]]:
    p = b.programme
    typ = ", ".join(f"{k} : {v}" for k, v in b.typologies.items()) or "inconnue"
    mark = "déclaré" if b.typologies_declarees else "estimé"
    dates = b.demande["date_extraction"] if "date_extraction" in b.demande.columns else []
    extraction = f"du {date_longue(dates[0])}" if len(dates) else "aucune demande active"
    return [
        ("Programme", f"{p.nom} ({p.programme_id})"),
        ("Commune", p.commune_nom),
        ("Bailleur", f"{p.bailleur_nom} (SIREN {p.bailleur_siren})"),
        ("Livraison prévue", date_longue(p.livraison_prevue)),
        ("Logements", nombre(p.logements)),
        ("Typologies", f"{typ} (« {mark} »)" if b.typologies else typ),
        ("QPV", QPV_WORDS[b.qpv]),
        ("Fichier des programmes", f"du {date_longue(p.date_fichier)}"),
        ("Extraction SNE des demandes", extraction),
    ]


def page_html(b: Brief, libelle, epci_nom: str, workbook: str | None = None) -> str:
    ts = tables(b, libelle)
    blocks = [table_context(title, frame, ident) for ident, (title, frame) in ts.items()]
    return environment().get_template(TEMPLATE).render(
        b=b, epci_nom=epci_nom, facts=facts(b), blocks=blocks, hypotheses=hypotheses(b), workbook=workbook,
        t=date_longue(b.t), scenarios=[sc.nom for sc in b.scenarios], veille=b.programme.veille,
    )  # fmt: skip


def watch_html(briefs: list[Brief], epci_nom: str, workbook: str | None = None) -> str:
    """The residence watch of the briefs' landlord in their commune (the briefs of one landlord × commune),
    linking back to each brief."""
    b = briefs[0]
    block = table_context(RESIDENCES_TITLE, residences_table(b.residences), "residences")
    return environment().get_template(WATCH_TEMPLATE).render(
        p=b.programme, briefs=briefs, epci_nom=epci_nom, t=date_longue(b.t), block=block, workbook=workbook,
    )  # fmt: skip


def index_html(briefs: list[Brief], epci_nom: str) -> str:
    """The list of the briefs, one line per programme, linking to its page and workbook."""
    return environment().get_template(INDEX_TEMPLATE).render(briefs=briefs, epci_nom=epci_nom, date_longue=date_longue)

"""The French summary printed at the end of `observatoire run`.

What the run ingested comes from the ingestion journal; what its cross-feed checks found comes from the
checks' own evaluations in the run (their metadata), so nothing is computed twice. Dagster is not imported
here: the evaluations arrive as objects with `check_name` and `metadata`, or as plain dictionaries.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from dashboards.formats import nombre, pourcent

FEED_LABELS = {"mouvements": "mouvements mensuels", "cal": "retours de CAL", "rpls": "parcs au 1er janvier"}
CROSS_FEED_CHECKS = (
    "completude_flux",
    "attributions_rapprochees",
    "logements_connus_du_parc",
    "rapprochement_stock_demandes",
    "ecarts_millesimes",
    "quartile_sne_recalcule",
    "lignes_non_calculables",
)
COHERENCE_CHECKS = (
    "attributions_rapprochees",
    "logements_connus_du_parc",
    "rapprochement_stock_demandes",
    "ecarts_millesimes",
)
UNAVAILABLE = "(contrôles de complétude et de cohérence indisponibles : modèles dbt non construits)"
MISSING_LISTED = 10
NAMED = 10  # files or lines named per failed expectation (the rest: in the check's metadata, Dagster UI)

CheckMetadata = Mapping[str, Mapping[str, Any]]


def check_metadata(evaluations: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """{check name: {metadata key: plain value}} from a run's asset check evaluations."""
    return {e.check_name: {k: getattr(v, "value", v) for k, v in e.metadata.items()} for e in evaluations}


def run_summary(settings, since: dt.datetime, evaluations: Iterable[Any], published: Any = None) -> str:
    """The whole summary: files of the run, quality of the warehouse, the checks that warned or failed,
    unknown files, quarantine reports, the CIL pack published. `evaluations`: the run's asset check
    evaluations; `published`: the result of the pack's publication run, if there was one."""
    from assets.ingest.loader import pending

    evaluations = list(evaluations)
    lines = []
    if settings.warehouse.exists():
        lines += ingestion_lines(settings, since)
        lines += quality_lines(check_metadata(evaluations))
        lines += warning_lines(evaluations)
    _, unknown = pending(settings.inbox)
    lines += [f"  {p.name} : nom de fichier non reconnu, laissé dans la boîte de dépôt" for p in unknown]
    reports = settings.reports / "quarantaine"
    if reports.exists() and any(reports.iterdir()):
        lines.append(f"Rapports de quarantaine : {reports}")
    if published is not None:
        lines += publication_lines(published)
    return "\n".join(lines)


# --- the CIL pack ---------------------------------------------------------------------------------------


def publication_lines(result: Any) -> list[str]:
    """What the publication run wrote: the pack, the site, the commission's internal monthly table."""
    internal = _published(result, "interne")
    tail = [f"Tableau de suivi interne de la commission : {internal[1]['xlsx']}"] if internal else []
    return pack_lines(_published(result, "pack_cil")) + site_lines(_published(result, "site")) + tail


def _published(result: Any, name: str) -> tuple[str, dict] | None:
    """(partition, metadata) of the last materialization of the asset `published/<name>` in the run."""
    events = [e for e in result.get_asset_materialization_events() if e.partition and e.asset_key.path[-1] == name]
    if not events:
        return None
    return events[-1].partition, {k: getattr(v, "value", v) for k, v in events[-1].materialization.metadata.items()}


def site_lines(published: tuple[str, dict] | None) -> list[str]:
    """Where the site's home page is, its pages and size."""
    if published is None:
        return ["Site public non publié (voir ci-dessus)."]
    key, meta = published
    size = nombre(meta["taille_octets"] / 1e6, 1)
    return [f"Site public {key} ({meta['pages']} pages, {size} Mo) : {meta['index']}"]


def pack_lines(published: tuple[str, dict] | None) -> list[str]:
    """Where the pack went, whether its quarter was complete, and its share of secret cells."""
    if published is None:
        return ["Pack CIL non publié (voir ci-dessus)."]
    key, meta = published
    state = "complet" if meta["complet"] else "publié à l'échéance, lacunes dans le Lisez-moi"
    return [
        f"Pack CIL {key} ({state}) : {meta['xlsx']}",
        f"  et sa table longue : {meta['csv']}",
        *secret_share_lines(meta["parts_secret"]),
    ]


def secret_share_lines(shares: list[Mapping[str, Any]]) -> list[str]:
    """The share of secret cells per sheet, one column per audience (cil, public)."""
    audiences = list(dict.fromkeys(r["audience"] for r in shares))
    cells = {(r["feuille"], r["audience"]): r for r in shares}
    sheets = list(dict.fromkeys(r["feuille"] for r in shares))
    out = [
        "Cellules secrètes du pack CIL (part des lignes de chaque feuille, par public) :",
        f"  {'feuille':<16}" + "".join(f"{a:>20}" for a in audiences),
    ]
    for sheet in sheets:
        out.append(f"  {sheet:<16}" + "".join(f"{_share(cells.get((sheet, a))):>20}" for a in audiences))
    return out


def _share(cell: Mapping[str, Any] | None) -> str:
    return f"{pourcent(cell['part'])} ({nombre(cell['secretes'])})" if cell else "-"


def ingestion_lines(settings, since: dt.datetime) -> list[str]:
    """Files read, loaded, quarantined and rejected per feed since `since`, from the ingestion journal."""
    from assets.warehouse import connect

    with connect(settings.home, read_only=True) as con:
        rows = con.execute(
            "select flux, count(*), sum(lignes_lues), sum(lignes_chargees), sum(lignes_quarantaine), "
            "count(*) filter (where statut = 'rejeté') from raw.journal_ingestion where debut >= ? "
            "group by flux order by min(debut)",
            [since],
        ).fetchall()
        # every file not loaded: rejected, held (a re-send awaiting the analyst), identical to the loaded one
        others = con.execute(
            "select statut, fichier, message from raw.journal_ingestion where debut >= ? and statut <> 'chargé' "
            "order by statut, fichier",
            [since],
        ).fetchall()
        warned = con.execute(
            "select fichier, avertissements from raw.journal_ingestion where debut >= ? "
            "and avertissements not in ('', '[]') order by fichier",
            [since],
        ).fetchall()
    return (
        ingestion_table(rows)
        + [f"  fichier {statut} {name} : {message}" for statut, name, message in others]
        + [f"  avertissement {name} : {w}" for name, ws in warned for w in json.loads(ws)]
    )


def ingestion_table(rows: list[tuple]) -> list[str]:
    """(feed, files, read, loaded, quarantined, rejected files) rows as the summary's table."""
    if not rows:
        return ["Aucun nouveau fichier chargé."]
    lines = [f"{'flux':<18}{'fichiers':>9}{'lues':>12}{'chargées':>12}{'quarantaine':>13}{'rejetés':>9}"]
    for flux, n, read_, loaded, quarantined, rej in rows:
        lines.append(
            f"{flux:<18}{n:>9}{nombre(read_ or 0):>12}{nombre(loaded or 0):>12}{nombre(quarantined or 0):>13}{rej:>9}"
        )
    return lines


def quality_lines(checks: CheckMetadata) -> list[str]:
    """Completeness and cross-feed consistency as the run's checks found them."""
    if not any(name in checks for name in CROSS_FEED_CHECKS):
        return [UNAVAILABLE]
    out = []
    if "completude_flux" in checks:
        out += completeness_lines(checks["completude_flux"])
    if all(name in checks for name in COHERENCE_CHECKS):
        out += coherence_lines(checks)
    if "quartile_sne_recalcule" in checks:
        out += quartile_lines(checks["quartile_sne_recalcule"])
    if "lignes_non_calculables" in checks:
        out += non_computable_lines(checks["lignes_non_calculables"])
    skipped = [name for name in CROSS_FEED_CHECKS if name not in checks]
    if skipped:
        out.append(f"(contrôles non exécutés par ce traitement : {', '.join(skipped)})")
    return out


def completeness_lines(meta: Mapping[str, Any]) -> list[str]:
    """Received/expected files per landlord and feed, then the first missing ones."""
    grid = meta.get("recus_par_bailleur") or []
    if not grid:
        return []
    feeds = sorted({r["flux"] for r in grid})
    cells: dict[tuple, dict[str, str]] = {}
    for r in grid:
        cells.setdefault((r["bailleur_siren"], r["nom_bailleur"] or ""), {})[r["flux"]] = (
            f"{r['recus']}/{r['attendus']}"
        )
    labels = {key: f"{key[1]} ({key[0]})" for key in cells}  # the whole name: landlords differ by a word
    width = max(44, *(len(label) + 2 for label in labels.values()))
    out = [
        "Complétude des envois attendus des bailleurs (reçus/attendus sur la période) :",
        f"  {'bailleur':<{width}}" + "".join(f"{FEED_LABELS.get(f, f):>22}" for f in feeds),
    ]
    for key, row in sorted(cells.items()):
        out.append(f"  {labels[key]:<{width}}" + "".join(f"{row.get(f, '-'):>22}" for f in feeds))
    for r in (meta.get("premiers_manquants") or [])[:MISSING_LISTED]:
        out.append(
            f"  manquant : {FEED_LABELS.get(r['flux'], r['flux'])} {r['mois']} de "
            f"{r['nom_bailleur'] or r['bailleur_siren']}"
        )
    return out


def coherence_lines(checks: CheckMetadata) -> list[str]:
    """One line: attribution match rates, unknown dwellings, demand stock gap, vintage gaps."""
    links, dwellings = checks["attributions_rapprochees"], checks["logements_connus_du_parc"]
    if not links.get("attributions"):
        return []  # no attribution in the warehouse: nothing to reconcile yet
    n_unknowable = dwellings.get("non_verifiables", 0)
    unknowable = (
        f" ({n_unknowable} autres non vérifiables : cités après le dernier fichier de parc d'un bailleur sans "
        "mouvements)"
        if n_unknowable
        else ""
    )
    return [
        f"Cohérence : attributions retrouvées en ENTREE {pourcent(links['taux_entree'])}, en offre acceptée "
        f"{pourcent(links['taux_offre_acceptee'])} ; logements cités absents du parc : "
        f"{dwellings['hors_parc']}{unknowable} ; candidats de CAL sans commune connue (comptés à "
        f"l'EPCI et sur la ligne « commune non renseignée ») : "
        f"{dwellings.get('cal_sans_commune', 0)} ; écart maximal du stock de demandes "
        f"d'un mois à l'autre : {pourcent(checks['rapprochement_stock_demandes']['ecart_relatif_max'])} ; "
        "écarts entre état "
        f"rejoué et millésime suivant : {checks['ecarts_millesimes']['ecarts']}"
    ]


def non_computable_lines(meta: Mapping[str, Any]) -> list[str]:
    """Per indicator family, its rows not computable and why, in the words of the contract's code list."""
    from expectations.contract import codes

    labels = codes()["raison_non_calculable"]
    per_family: dict[str, list[str]] = {}
    for r in meta.get("par_famille") or []:
        reason = labels.get(r["raison"], r["raison"] or "raison non précisée")
        per_family.setdefault(r["famille"], []).append(f"{nombre(r['lignes'])} {reason}")
    if not per_family:
        return []
    return ["Lignes non calculables (trimestre × territoire), par famille d'indicateurs :"] + [
        f"  {famille} : {' ; '.join(parts)}" for famille, parts in per_family.items()
    ]


def quartile_lines(meta: Mapping[str, Any]) -> list[str]:
    out = []
    if meta.get("comparees"):
        out.append(
            f"1er quartile : le drapeau du SNE et le recalcul diffèrent pour {nombre(meta['desaccords'])} "
            f"attributions sur {nombre(meta['comparees'])} (le drapeau du SNE est retenu ; détail dans le "
            "contrôle quartile_sne_recalcule)"
        )
    if meta.get("quartile_inconnu"):
        out.append(
            f"1er quartile inconnu : {nombre(meta['quartile_inconnu'])} attributions laissées hors de Q2, Q3 "
            f"et R1_part_q1, dont {nombre(meta.get('quartile_inconnu_sans_seuil') or 0)} une année sans seuil "
            "de quartile (Q2, Q3 et la part R1_part_q1 des résidences qui en ont une y sont non calculables)"
        )
    return out


# --- the checks that warned or failed -----------------------------------------------------------------


def warning_lines(evaluations: Iterable[Any]) -> list[str]:
    """Every check of the run that warned or failed, with its figure (its French description); for a
    distribution check, each expectation missed with the files, or the lines, that missed it."""
    failed = sorted((e for e in evaluations if not e.passed), key=lambda e: e.check_name)
    if not failed:
        return []
    out = [f"Contrôles en avertissement ou en échec ({len(failed)}) :"]
    for e in failed:
        blocking = getattr(getattr(e, "severity", None), "value", None) == "ERROR"
        out.append(f"  {e.check_name} ({'échec bloquant' if blocking else 'avertissement'}) : {e.description}")
        findings = getattr(e.metadata.get("constats"), "value", None) or []
        for finding in findings:
            out += finding_lines(finding)
    return out


def finding_lines(finding: Mapping[str, Any]) -> list[str]:
    """One missed expectation: what was expected, then each file (its measure) or line (its value)."""
    named, column, count = finding["constats"], finding["colonne"], finding["nombre"]
    by_line = any("ligne" in c for c in named)
    if by_line:
        out = [f"    {finding['attente']} : {nombre(count)} ligne{'s' if count > 1 else ''}"]
        out += [f"      {c['fichier']}, ligne {c['ligne']} : {figure(c['valeur'], column)}" for c in named[:NAMED]]
    elif named:
        out = [f"    {finding['attente']} :"]
        out += [f"      {c['fichier']} : {figure(c['valeur'], column)}" for c in named[:NAMED]]
    else:
        return [f"    {finding['attente']} : {figure(count, None)}"]
    if isinstance(count, int) and count > min(len(named), NAMED):
        rest = count - min(len(named), NAMED)
        out.append(f"      … et {nombre(rest)} autre{'s' * (rest > 1)} (détail dans l'interface Dagster)")
    return out


def figure(value: Any, column: str | None) -> str:
    """A measure or a value as the analyst reads it: shares in %, a volume's change signed, numbers grouped."""
    if value is None:
        return "aucune valeur"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if column == "variation_volume":
        return f"{value * 100:+.1f}\u202f% par rapport au fichier précédent".replace(".", ",")
    if column and column.startswith("part_"):
        return pourcent(value)
    if value == int(value):
        return nombre(int(value))
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")

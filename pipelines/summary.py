"""The French summary printed at the end of `observatoire run`.

What the run ingested comes from the ingestion journal; what its cross-feed checks found comes from the
checks' own evaluations in the run (their metadata), so nothing is computed twice. Dagster is not imported
here: the evaluations arrive as objects with `check_name` and `metadata`, or as plain dictionaries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

FEED_LABELS = {"mouvements": "mouvements mensuels", "cal": "retours de CAL", "rpls": "parcs au 1er janvier"}
CROSS_FEED_CHECKS = (
    "completude_flux",
    "attributions_rapprochees",
    "logements_connus_du_parc",
    "rapprochement_stock_demandes",
    "ecarts_millesimes",
    "quartile_sne_recalcule",
)
COHERENCE_CHECKS = (
    "attributions_rapprochees",
    "logements_connus_du_parc",
    "rapprochement_stock_demandes",
    "ecarts_millesimes",
)
UNAVAILABLE = "(contrôles de complétude et de cohérence indisponibles : modèles dbt non construits)"
MISSING_LISTED = 10
LABEL_CHARS = 32  # a landlord's name in the completeness grid (its SIREN follows)

CheckMetadata = Mapping[str, Mapping[str, Any]]


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def pct(x: float) -> str:
    return f"{x * 100:.1f}\u202f%".replace(".", ",")


def check_metadata(evaluations: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """{check name: {metadata key: plain value}} from a run's asset check evaluations."""
    return {e.check_name: {k: getattr(v, "value", v) for k, v in e.metadata.items()} for e in evaluations}


def run_summary(settings, since: dt.datetime, checks: CheckMetadata) -> str:
    """The whole summary: files of the run, quality of the warehouse, unknown files, quarantine reports."""
    from assets.ingest.loader import pending

    lines = []
    if settings.warehouse.exists():
        lines += ingestion_lines(settings, since)
        lines += quality_lines(checks)
    _, unknown = pending(settings.inbox)
    lines += [f"  {p.name} : nom de fichier non reconnu, laissé dans la boîte de dépôt" for p in unknown]
    reports = settings.reports / "quarantaine"
    if reports.exists() and any(reports.iterdir()):
        lines.append(f"Rapports de quarantaine : {reports}")
    return "\n".join(lines)


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
    return ingestion_table(rows) + [f"  fichier {statut} {name} : {message}" for statut, name, message in others]


def ingestion_table(rows: list[tuple]) -> list[str]:
    """(feed, files, read, loaded, quarantined, rejected files) rows as the summary's table."""
    if not rows:
        return ["Aucun nouveau fichier chargé."]
    lines = [f"{'flux':<18}{'fichiers':>9}{'lues':>12}{'chargées':>12}{'quarantaine':>13}{'rejetés':>9}"]
    for flux, n, read_, loaded, quarantined, rej in rows:
        lines.append(
            f"{flux:<18}{n:>9}{thousands(read_ or 0):>12}{thousands(loaded or 0):>12}"
            f"{thousands(quarantined or 0):>13}{rej:>9}"
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
    out = [
        "Complétude des envois attendus des bailleurs (reçus/attendus sur la période) :",
        f"  {'bailleur':<44}" + "".join(f"{FEED_LABELS.get(f, f):>22}" for f in feeds),
    ]
    for (siren, nom), row in sorted(cells.items()):
        label = f"{nom[:LABEL_CHARS]} ({siren})"
        out.append(f"  {label:<44}" + "".join(f"{row.get(f, '-'):>22}" for f in feeds))
    for r in (meta.get("premiers_manquants") or [])[:MISSING_LISTED]:
        out.append(
            f"  manquant : {FEED_LABELS.get(r['flux'], r['flux'])} {r['mois']} de "
            f"{r['nom_bailleur'] or r['bailleur_siren']}"
        )
    return out


def coherence_lines(checks: CheckMetadata) -> list[str]:
    """One line: attribution match rates, unknown dwellings, demand stock gap, vintage gaps."""
    links = checks["attributions_rapprochees"]
    if not links.get("attributions"):
        return []  # no attribution in the warehouse: nothing to reconcile yet
    return [
        f"Cohérence : attributions retrouvées en ENTREE {pct(links['taux_entree'])}, en offre acceptée "
        f"{pct(links['taux_offre_acceptee'])} ; logements cités absents du parc : "
        f"{checks['logements_connus_du_parc']['hors_parc']} ; écart maximal du stock de demandes d'un mois à "
        f"l'autre : {pct(checks['rapprochement_stock_demandes']['ecart_relatif_max'])} ; écarts entre état "
        f"rejoué et millésime suivant : {checks['ecarts_millesimes']['ecarts']}"
    ]


def quartile_lines(meta: Mapping[str, Any]) -> list[str]:
    if not meta.get("comparees"):
        return []
    return [
        f"1er quartile : le drapeau du SNE et le recalcul diffèrent pour {thousands(meta['desaccords'])} "
        f"attributions sur {thousands(meta['comparees'])} (le drapeau du SNE est retenu ; détail dans le "
        "contrôle quartile_sne_recalcule)"
    ]

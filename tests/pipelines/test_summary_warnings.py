"""The analyst sees every check that warned or failed, with its figure: in the summary's lines from
Dagster evaluations, and at the end of a real `observatoire run` on the fixture drop."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.summary import warning_lines
from tests.conftest import DEPOT
from tests.pipelines.test_cli import observatoire

NNBSP = "\u202f"


def evaluation(name: str, passed: bool, description: str, severity=dg.AssetCheckSeverity.WARN, constats=None):
    metadata = {} if constats is None else {"constats": dg.MetadataValue.json(constats)}
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["raw", "x"]),
        check_name=name,
        passed=passed,
        severity=severity,
        description=description,
        metadata=metadata,
    )


def test_every_check_that_warned_or_failed_is_listed_with_its_figure():
    evaluations = [
        evaluation("completude_flux", False, "3 envois attendus manquants sur 120"),
        evaluation("logements_connus_du_parc", True, "0 logements cités absents du parc"),
        evaluation(
            "structure_fct_indicateurs",
            False,
            "publication bloquée : 1 attentes structurelles non satisfaites",
            severity=dg.AssetCheckSeverity.ERROR,
        ),
        evaluation(
            "distribution_sne_demandes",
            False,
            "3 attentes non satisfaites sur 2 fichiers (150 lignes)",
            constats=[
                {
                    "attente": "« revenu_mensuel » vraisemblable (au plus 100 000)",
                    "colonne": "revenu_mensuel",
                    "nombre": 1,
                    "constats": [{"fichier": "sne_demandes_20250228.csv", "ligne": 42, "valeur": 1e12}],
                },
                {
                    "attente": "volume à ±20 % du fichier précédent",
                    "colonne": "variation_volume",
                    "nombre": 1,
                    "constats": [{"fichier": "sne_demandes_20250228.csv", "valeur": -0.5}],
                },
                {
                    "attente": "part des demandes DALO actives au plus 15 %",
                    "colonne": "part_statut_dalo_ACTIF_ACTREL",
                    "nombre": 1,
                    "constats": [{"fichier": "sne_demandes_20250131.csv", "valeur": 0.3}],
                },
            ],
        ),
    ]
    assert warning_lines(evaluations) == [
        "Contrôles en avertissement ou en échec (3) :",
        "  completude_flux (avertissement) : 3 envois attendus manquants sur 120",
        "  distribution_sne_demandes (avertissement) : 3 attentes non satisfaites sur 2 fichiers (150 lignes)",
        "    « revenu_mensuel » vraisemblable (au plus 100 000) : 1 ligne",
        f"      sne_demandes_20250228.csv, ligne 42 : 1{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000",
        "    volume à ±20 % du fichier précédent :",
        f"      sne_demandes_20250228.csv : -50,0{NNBSP}% par rapport au fichier précédent",
        "    part des demandes DALO actives au plus 15 % :",
        f"      sne_demandes_20250131.csv : 30,0{NNBSP}%",
        "  structure_fct_indicateurs (échec bloquant) : publication bloquée : 1 attentes structurelles non satisfaites",
    ]
    assert warning_lines(evaluations[1:2]) == []


def test_many_files_missing_an_expectation_are_counted_beyond_those_named():
    constats = [{"fichier": f"cal_900000001_2025{m:02d}.csv", "valeur": 0} for m in range(1, 13)]
    finding = {"attente": "au moins une ligne chargée", "colonne": "lignes", "nombre": 12, "constats": constats}
    lines = warning_lines([evaluation("distribution_cal", False, "1 attente", constats=[finding])])
    assert lines[3] == "      cal_900000001_202501.csv : 0"
    assert lines[-1] == "      … et 2 autres (détail dans l'interface Dagster)"


def test_run_summary_names_an_absurd_value_and_an_empty_month(home, key_env):
    """A real run on the fixture drop, with an income of 10¹² € on line 3 of one extraction and a monthly
    radiations file without rows: the row is loaded, and the summary says both, with their figures."""
    path = home / "inbox" / "sne_demandes_20250131.csv"
    lines = (DEPOT / path.name).read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[2].split(";")
    assert cells[14] == "800"
    cells[14] = "1000000000000"  # revenu_mensuel
    lines[2] = ";".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    header = (DEPOT / "sne_radiations_20250331.csv").read_text(encoding="utf-8").splitlines()[0]
    (home / "inbox" / "sne_radiations_20250430.csv").write_text(header + "\n", encoding="utf-8")

    out = observatoire("run", "--home", str(home))
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert "Contrôles en avertissement ou en échec" in text
    assert "distribution_sne_demandes (avertissement)" in text
    assert f"sne_demandes_20250131.csv, ligne 3 : 1{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000" in text, text
    empty_month = text.index("au moins une ligne chargée (flux mensuel : sinon le mois est vide) :")
    assert "      sne_radiations_20250430.csv : 0" in text[empty_month:], text
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        loaded = con.execute(
            "select _ligne from raw.sne_demandes where _fichier = 'sne_demandes_20250131.csv' and revenu_mensuel = 1e12"
        ).fetchall()
    finally:
        con.close()
    assert loaded == [(3,)]  # the value may be true: the row is loaded

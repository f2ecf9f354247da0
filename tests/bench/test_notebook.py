"""The analyst's pandas notebook (bench/notebook.py) gives the figures known for a tiny drop."""

from __future__ import annotations

from tests.bench import load_script


def load_notebook():
    return load_script("notebook")


def test_the_notebook_counts_demands_attributions_wait_and_refusals(tmp_path):
    (tmp_path / "sne_demandes_20260831.csv").write_text(
        "numero_unique;communes_souhaitees\nA;06004\n", encoding="utf-8"
    )
    (tmp_path / "sne_demandes_20260930.csv").write_text(
        "numero_unique;communes_souhaitees\nA;06004|06029\nB;06004\nC;06029\n", encoding="utf-8"
    )
    head = "numero_unique;date_depot;date_radiation;motif_radiation;date_signature_bail\n"
    (tmp_path / "sne_radiations_20260831.csv").write_text(
        head + "D;2024-08-01;2026-08-10;RADATT;2026-08-01\n"  # re-sent in September: counted once
        "E;2020-01-01;2025-06-10;RADATT;2025-06-01\n",  # leased before the 4 quarters
        encoding="utf-8",
    )
    (tmp_path / "sne_radiations_20260930.csv").write_bytes(
        (
            head + "D;2024-08-01;2026-08-10;RADATT;2026-08-01\nF;01/02/2025;15/09/2026;RADATT;01/09/2026\n"
            "G;2025-01-01;2026-09-20;RADNRE;\n"
        ).encode("cp1252")
    )
    (tmp_path / "cal_123456789_202609.csv").write_text(
        "date_cal;ident_rep;numero_unique;reponse_candidat;date_reponse\n"
        "2026-09-01;L1;D;ACCEPTE;2026-09-05\n2026-09-01;L2;F;REFUSE;2026-09-06\n"
        "2026-09-01;L3;G;REFUSE;2026-09-07\n2026-09-01;L4;H;;\n",
        encoding="utf-8",
    )
    figures = load_notebook().main(tmp_path)
    assert figures == {
        "demandes_actives": 3,
        "communes": 2,
        "demandes_premiere_commune": 2,
        "attributions_4_trimestres": 2,
        "demandes_par_attribution": 1.5,
        "attente_mediane_mois": 21.5,  # median of 24 months (D) and 19 months (F)
        "taux_refus": 0.667,
    }

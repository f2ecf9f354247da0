"""What an analyst would write by hand, with pandas, for a handful of headline figures from the same CSV files
(the comparison of issue 13): no contract, no quarantine, no history of revisions, no statistical secret.

    .venv/bin/python bench/notebook.py DOSSIER_DES_FICHIERS

Prints one JSON line: active demands per commune (first wish, last extraction), attributions over the last 4
quarters, demands per attribution, median wait of the attributed demands (months from filing to lease) and the
refusal rate of the offers answered over the same 4 quarters.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def read(path: Path) -> pd.DataFrame:
    """Exports come in UTF-8 or Windows-1252, `;`-separated; everything as text, then converted as needed."""
    try:
        return pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, sep=";", dtype=str, encoding="cp1252")


def dates(s: pd.Series) -> pd.Series:
    """ISO dates, or French dd/mm/yyyy from some landlords."""
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(s, format="%d/%m/%Y", errors="coerce"))


def main(folder: Path) -> dict:
    demandes_files = sorted(folder.glob("sne_demandes_*.csv"))
    last = demandes_files[-1]  # one extraction per month, named by its date: the last is the stock today
    demandes = read(last)
    end = pd.Timestamp(last.stem.rsplit("_", 1)[1])
    start = end - pd.DateOffset(months=12) + pd.Timedelta(days=1)  # the 4 quarters ending with the extraction

    demandes["commune"] = demandes["communes_souhaitees"].str.split("|").str[0]
    par_commune = demandes.groupby("commune").size().sort_values(ascending=False)

    radiations = pd.concat([read(f) for f in sorted(folder.glob("sne_radiations_*.csv"))], ignore_index=True)
    radiations = radiations.drop_duplicates(["numero_unique", "date_radiation"], keep="last")
    attrib = radiations[radiations["motif_radiation"] == "RADATT"].copy()
    attrib["bail"] = dates(attrib["date_signature_bail"])
    attrib = attrib[(attrib["bail"] >= start) & (attrib["bail"] <= end)]
    attente = (attrib["bail"] - dates(attrib["date_depot"])).dt.days / 30.4375

    cal = pd.concat([read(f) for f in sorted(folder.glob("cal_*.csv"))], ignore_index=True)
    cal = cal.drop_duplicates(["date_cal", "ident_rep", "numero_unique"], keep="last")
    cal["reponse"] = dates(cal["date_reponse"])
    answered = cal[cal["reponse_candidat"].isin(["ACCEPTE", "REFUSE"]) & cal["reponse"].between(start, end)]

    return {
        "demandes_actives": len(demandes),
        "communes": int(par_commune.size),
        "demandes_premiere_commune": int(par_commune.iloc[0]),
        "attributions_4_trimestres": len(attrib),
        "demandes_par_attribution": round(len(demandes) / len(attrib), 2),
        "attente_mediane_mois": round(float(attente.median()), 1),
        "taux_refus": round(float((answered["reponse_candidat"] == "REFUSE").mean()), 3),
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))

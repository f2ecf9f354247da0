"""A small hand-made SiteData: a few rows whose answers are known, for the page builders' tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboards.site_data import SiteData

COLUMNS = ["annee", "trimestre", "niveau_geo", "code_geo", "libelle_geo", "indicateur", "modalite", "valeur",
           "numerateur", "denominateur", "statut", "secret"]  # fmt: skip
EPCI = "240600585"


def row(indicateur, valeur, niveau="EPCI", code=EPCI, modalite="ensemble", q=(2026, 3), statut="ok", secret=None,
        libelle=None):  # fmt: skip
    """One row of the public long table (a secret row has no value)."""
    value = None if statut != "ok" else valeur
    values = [q[0], q[1], niveau, code, libelle or code, indicateur, modalite, value, None, None, statut, secret]
    return dict(zip(COLUMNS, values, strict=True))


def catalogue(*entries: tuple[str, str, str]) -> pl.DataFrame:
    """(indicateur, nature, flux) entries with a libelle and a definition made from them."""
    return pl.DataFrame(
        [
            dict(indicateur=i, nature=n, flux=f, libelle=f"Libellé {i}", definition=f"Définition de {i}.", unite="u")
            for i, n, f in entries
        ]  # fmt: skip
    )


def site_data(rows: list[dict] | pl.DataFrame, cat: pl.DataFrame, **kw) -> SiteData:
    """A SiteData of the quarter 2026T3 over `rows` (dicts of `row`, or a frame) and the catalogue `cat`; any
    other field (communes, codes, targets…) can be given."""
    communes = pl.DataFrame(
        {
            "code_insee": ["06004", "06010", "06017", "06019"],
            "nom": ["Antibes", "Le Bar-sur-Loup", "Bézaudun-les-Alpes", "Bouyon"],
            "code_secteur": ["06004", "06010", "PETITES", "PETITES"],
            "libelle_secteur": ["Antibes", "Le Bar-sur-Loup", "Communes de moins de 2 000 habitants"]
            + ["Communes de moins de 2 000 habitants"],
        }  # fmt: skip
    )
    sources = pl.DataFrame(
        {
            "flux": ["sne_demandes", "cal", "cal"],
            "bailleur_siren": [None, "1", "2"],
            "dernier": [dt.date(2026, 9, 30), dt.date(2026, 8, 31), dt.date(2026, 9, 30)],
        }  # fmt: skip
    )
    defaults = dict(
        rows=rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=SCHEMA),
        catalogue=cat,
        communes=communes,
        sources=sources,
        objectifs=pl.DataFrame(
            schema={
                "annee": pl.Int64,
                "bailleur_siren": pl.String,
                "reservataire": pl.String,
                "quota": pl.String,
                "taux_cible": pl.Float64,
            }
        ),  # fmt: skip
        bailleurs=pl.DataFrame({"bailleur_siren": ["1", "2"], "nom_bailleur": ["Bailleur Un", "Bailleur Deux"]}),
        codes=pl.DataFrame({"liste": ["reservataire"], "code": ["COLTER"], "libelle": ["collectivités territoriales"]}),
        epci=EPCI,
        epci_nom="Communauté d'agglomération de Sophia Antipolis",
        annee=2026,
        trimestre=3,
        seuil=11,
    )
    return SiteData(**{**defaults, **kw})


SCHEMA = {
    "annee": pl.Int32, "trimestre": pl.Int32, "niveau_geo": pl.String, "code_geo": pl.String,
    "libelle_geo": pl.String, "indicateur": pl.String, "modalite": pl.String, "valeur": pl.Float64,
    "numerateur": pl.Float64, "denominateur": pl.Float64, "statut": pl.String, "secret": pl.String,
}  # fmt: skip

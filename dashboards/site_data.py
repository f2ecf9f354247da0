"""What the pages are drawn from: the public rows of every quarter up to the site's quarter (after
statistical confidentiality, with the reason of each secret), and the reference tables beside them. Pure:
`assets/publish/site.py` reads the warehouse and fills it; tests fill it with plain frames."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from .formats import date_longue, trimestre

Quarter = tuple[int, int]
FEEDS = {
    "sne_demandes": "SNE, demandes actives",
    "sne_radiations": "SNE, radiations",
    "positionnements": "commission intercommunale",
    "cal": "retours de CAL des bailleurs",
    "mouvements": "mouvements des bailleurs",
    "rpls": "parc des bailleurs (RPLS)",
    "programmes": "programmes de livraison",
    "bilan_flux": "bilans annuels des flux",
    "engagements_cia": "engagements de la CIA",
}


def code_labels(codes: pl.DataFrame) -> dict[tuple[str, str], str]:
    """(liste, code) -> the contract's French label, from `codes` (liste, code, libelle; the first row of a
    pair wins): the pages, the commission's table and the réservataire briefs ask for labels by the
    thousand (34,000 frame filters took 11 s for the briefs at scale 100)."""
    labels: dict[tuple[str, str], str] = {}
    for liste, code, libelle in codes.select("liste", "code", "libelle").iter_rows():
        labels.setdefault((liste, code), libelle)
    return labels


@dataclass(frozen=True)
class SiteData:
    """`rows`: the columns of `marts.fct_indicateurs` plus `secret` (`primaire`, `secondaire` or null), every
    quarter up to (annee, trimestre); `catalogue`: the seed `indicateurs`; `communes`: the seed `communes`;
    `sources`: (flux, bailleur_siren, dernier) the date of the last file of each feed (and landlord) loaded at
    or before the quarter's end;
    `objectifs`: (annee, bailleur_siren, reservataire, quota, taux_cible); `bailleurs`: (bailleur_siren,
    nom_bailleur); `codes`: (liste, code, libelle) of the contract; `objectifs_legaux`: (quota, reservataire,
    taux_cible) the legal defaults of the targets (reservataire `*`: all), which apply where the CIA sets none."""

    rows: pl.DataFrame
    catalogue: pl.DataFrame
    communes: pl.DataFrame
    sources: pl.DataFrame
    objectifs: pl.DataFrame
    bailleurs: pl.DataFrame
    codes: pl.DataFrame
    epci: str
    epci_nom: str
    annee: int
    trimestre: int
    seuil: int  # the public's count threshold (settings), named in the secret's reasons
    built: dict = field(default_factory=dict, compare=False)  # memo of derived frames
    objectifs_legaux: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"quota": str, "reservataire": str, "taux_cible": float})
    )

    @property
    def quarter(self) -> Quarter:
        return (self.annee, self.trimestre)

    @property
    def period(self) -> str:
        """`T3 2026`."""
        return trimestre(self.annee, self.trimestre)

    @property
    def fin(self) -> dt.date:
        """The last day of the quarter."""
        return quarter_end(self.annee, self.trimestre)

    def year_before(self) -> Quarter:
        return (self.annee - 1, self.trimestre)

    def cut(
        self,
        indicateur: str | list[str],
        niveau: str = "EPCI",
        modalite: str | None = "ensemble",
        code: str | None = None,
        quarter: Quarter | None = None,
    ) -> pl.DataFrame:
        """Rows of one quarter (the site's by default) for an indicator, a level, a modality (None: every
        modality) and a place (None: every place of the level)."""
        annee, trim = quarter or self.quarter
        keep = (pl.col("annee") == annee) & (pl.col("trimestre") == trim) & (pl.col("niveau_geo") == niveau)
        if modalite is not None:
            keep &= pl.col("modalite") == modalite
        if code is not None:
            keep &= pl.col("code_geo") == code
        return self.of(indicateur).filter(keep)

    def row(self, indicateur: str, niveau: str = "EPCI", code: str | None = None, modalite: str = "ensemble",
            quarter: Quarter | None = None) -> dict | None:  # fmt: skip
        """One row as a dict, or None when the release has no such row."""
        code = self.epci if niveau == "EPCI" and code is None else code
        if code is None:
            found = self.cut(indicateur, niveau, modalite, code, quarter)
            return found.row(0, named=True) if found.height else None
        found = self._keyed(indicateur).get((quarter or self.quarter, niveau, code, modalite))
        return None if found is None else dict(found)

    def history(self, indicateur: str | list[str], niveau: str = "EPCI", code: str | None = None,
                modalite: str = "ensemble") -> pl.DataFrame:  # fmt: skip
        """The rows of every quarter up to the site's, in order, with `periode` (`T3 2026`)."""
        code = self.epci if niveau == "EPCI" and code is None else code
        keep = (pl.col("niveau_geo") == niveau) & (pl.col("modalite") == modalite) & (pl.col("code_geo") == code)
        return (
            self.of(indicateur)
            .filter(keep)
            .sort("annee", "trimestre")
            .with_columns(periode=pl.format("T{}\u202f{}", "trimestre", "annee"))
        )

    def of(self, indicateur: str | list[str]) -> pl.DataFrame:
        """The rows of one or more indicators, in the order of `rows`."""
        if not isinstance(indicateur, str):
            return self.rows.filter(pl.col("indicateur").is_in(indicateur))
        found = self._by_indicator.get((indicateur,))
        return self.rows.clear() if found is None else found

    @cached_property
    def _by_indicator(self) -> dict[tuple[str], pl.DataFrame]:
        """`rows` split by indicator once: the pages look rows up some 1 500 times, and filtering every
        quarter's 200 000 rows each time took 1.7 s of the demo's site."""
        return self.rows.partition_by("indicateur", as_dict=True)

    @cached_property
    def _rows_by_key(self) -> dict[str, dict[tuple, dict]]:
        """Per indicator asked for by `row`, its rows by (quarter, level, place, modality), made on first use:
        1 400 lookups as dicts, not as filters (0.5 ms of Polars each)."""
        return {}

    def _keyed(self, indicateur: str) -> dict[tuple, dict]:
        if indicateur not in self._rows_by_key:
            keyed: dict[tuple, dict] = {}
            for r in self.of(indicateur).iter_rows(named=True):
                keyed.setdefault(((r["annee"], r["trimestre"]), r["niveau_geo"], r["code_geo"], r["modalite"]), r)
            self._rows_by_key[indicateur] = keyed
        return self._rows_by_key[indicateur]

    def indicator(self, indicateur: str) -> dict:
        """The catalogue's row of an indicator (libelle, definition, unite, nature, flux…)."""
        if indicateur not in self._catalogue:
            raise KeyError(f"indicateur absent du catalogue : {indicateur}")
        return dict(self._catalogue[indicateur])

    @cached_property
    def _catalogue(self) -> dict[str, dict]:
        """The catalogue by indicator, made once (the pages ask for an entry some 1 500 times)."""
        return {r["indicateur"]: r for r in self.catalogue.iter_rows(named=True)}

    def label(self, liste: str, code: str) -> str:
        """The contract's French label of a code (the code itself when the list does not know it)."""
        return self._labels.get((liste, code), code)

    @cached_property
    def _labels(self) -> dict[tuple[str, str], str]:
        return code_labels(self.codes)

    def commune_name(self, code_insee: str) -> str:
        found = self.communes.filter(pl.col("code_insee") == code_insee)
        return found["nom"][0] if found.height else code_insee

    def source_line(self, indicateurs: list[str]) -> str:
        """`Source : SNE, demandes actives (extraction du 30 septembre 2026) ; …`, the feeds of the indicators
        with the date of their last file at or before the quarter's end."""
        feeds: list[str] = []
        for ind in indicateurs:
            feeds += [f for f in (self.indicator(ind)["flux"] or "").split() if f not in feeds]
        parts = []
        for feed in feeds:
            dates = self.sources.filter(pl.col("flux") == feed)["dernier"].drop_nulls()
            if not dates.len():
                when = "aucun fichier reçu"
            elif dates.min() == dates.max():
                when = f"fichier du {date_longue(dates.max())}"
            else:
                when = f"derniers fichiers du {date_longue(dates.min())} au {date_longue(dates.max())}"
            parts.append(f"{FEEDS.get(feed, feed)} ({when})")
        return "Source : " + " ; ".join(parts) + f". Traitement : observatoire de la demande, {self.epci_nom}."


def quarter_end(annee: int, trim: int) -> dt.date:
    return dt.date(annee + trim // 4, trim % 4 * 3 + 1, 1) - dt.timedelta(days=1)


def quarter_label(quarter: Quarter) -> str:
    return trimestre(*quarter)

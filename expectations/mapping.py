"""Column mappings declared as data (``mappings/*.yml``): a partner's extract with other headers or
local codes is read as the canonical contract, with no code change.

A mapping names its feed and the files it applies to: the landlords listed in ``sirens`` (the SIREN of
the file name), or, without ``sirens``, every file of the feed whose header carries all the mapping's
source headers. It renames source headers to canonical columns (``columns``) and recodes local codes
to canonical ones (``codes``). At most one mapping applies to a file: two that could both apply are
refused when they load (shared SIREN, nested header sets), and a file that still matches two is
rejected by the reader. Loading validates everything against the contract, with French errors for
the analyst who writes these files. No Dagster, no Polars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from expectations.contract import all_contracts, codes, contract

MAPPINGS_DIR = Path(__file__).parent / "mappings"
KEYS = {"feed", "description", "sirens", "columns", "codes"}
SIREN_RE = re.compile(r"^[0-9]{9}$")


class MappingError(ValueError):
    """A mapping file is wrong (French message for the analyst)."""


class AmbiguousMapping(MappingError):
    """Several mappings apply to one file."""


@dataclass(frozen=True, eq=False)
class Mapping:
    name: str  # the file's stem: one name, the one the journal reports
    feed: str
    description: str
    sirens: frozenset[str]  # empty: the mapping is selected by the file's header
    # trimmed, lower-cased source header -> canonical column (the contract's spelling)
    columns: dict[str, str]
    # canonical column -> {trimmed, upper-cased local code -> canonical code}
    codes: dict[str, dict[str, str]]

    def applies_to(self, siren: str | None, header: Iterable[str]) -> bool:
        if self.sirens:
            return siren in self.sirens
        return set(self.columns) <= {normalize_header(h) for h in header}

    def rename(self, header: Sequence[str]) -> list[str]:
        """The file's header with source headers replaced by canonical columns (others as they are)."""
        return [self.columns.get(normalize_header(h), h) for h in header]


def normalize_header(h: str) -> str:
    return h.strip().lower()


def normalize_code(c: str) -> str:
    return c.strip().upper()


class _StringLoader(yaml.BaseLoader):
    """Every scalar stays a string (SIREN `012…`, codes `01`, `NO`, `ON`), and a key written twice is
    an error instead of PyYAML's silent "last one wins" (a source header mapped twice must be seen)."""


def _unique_mapping(loader: _StringLoader, node: yaml.MappingNode) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise MappingError(f"clé « {key} » écrite deux fois (ligne {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node)


_StringLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _dict(value, what: str) -> dict:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{what} : une table « clé: valeur » est attendue")
    return value


def parse(name: str, spec) -> Mapping:
    """A mapping from its YAML content, checked against the feed's contract."""
    if not isinstance(spec, dict):
        raise MappingError("le fichier doit être une table YAML (feed, columns, codes…)")
    unknown = sorted(set(spec) - KEYS)
    if unknown:
        raise MappingError(f"clés inconnues : {', '.join(unknown)} (clés possibles : {', '.join(sorted(KEYS))})")
    feeds = {c.feed for c in all_contracts()}
    feed = spec.get("feed")
    if feed not in feeds:
        raise MappingError(f"flux inconnu « {feed} » (flux connus : {', '.join(sorted(feeds))})")
    c = contract(feed)
    by_lower = {col.name.lower(): col for col in c.columns}

    def canonical(column: str, where: str):
        col = by_lower.get(normalize_header(column))
        if col is None:
            raise MappingError(f"{where} : colonne « {column} » inconnue du contrat du flux {feed}")
        return col

    raw_sirens = spec.get("sirens") or []
    if not isinstance(raw_sirens, list):
        raw_sirens = [raw_sirens]
    sirens = frozenset(s.strip() for s in raw_sirens if isinstance(s, str))
    bad = [s for s in raw_sirens if not isinstance(s, str) or not SIREN_RE.match(s.strip())]
    if bad:
        raise MappingError(f"sirens : SIREN invalide {bad[0]!r} (9 chiffres attendus)")
    if sirens and "siren" not in re.compile(c.file_pattern).groupindex:
        raise MappingError(
            f"sirens : les noms de fichiers du flux {feed} ne portent pas de SIREN ; "
            "retirez « sirens » (la correspondance est alors choisie par l'en-tête du fichier)"
        )

    columns: dict[str, str] = {}
    written: dict[str, str] = {}  # canonical column -> source header as written, for messages
    for source, target in _dict(spec.get("columns"), "columns").items():
        key = normalize_header(source)
        if not key:
            raise MappingError("columns : en-tête source vide")
        if key in columns:
            raise MappingError(
                f"columns : en-tête source « {source} » déclaré deux fois "
                "(la casse et les espaces autour ne comptent pas)"
            )
        if not isinstance(target, str):
            raise MappingError(f"columns : « {source} » doit désigner une colonne du contrat")
        col = canonical(target, f"columns « {source} »")
        if col.name in written:
            raise MappingError(
                f"columns : « {written[col.name]} » et « {source} » désignent tous deux la colonne {col.name}"
            )
        columns[key], written[col.name] = col.name, source

    if not sirens:
        # Chosen by its header: it needs a signature that a canonical file cannot carry.
        if not set(columns) - set(by_lower):
            raise MappingError(
                "une correspondance sans « sirens » est choisie par l'en-tête du fichier : elle doit renommer "
                "au moins un en-tête source qui n'est pas déjà une colonne du contrat (sinon elle "
                "s'appliquerait aux fichiers du format canonique)"
            )

    recodes: dict[str, dict[str, str]] = {}
    for column, table in _dict(spec.get("codes"), "codes").items():
        col = canonical(column, "codes")
        if not (col.type == "code" or (col.type == "list" and col.item == "code")):
            raise MappingError(f"codes : la colonne {col.name} n'est pas une colonne de codes")
        allowed = set(codes()[col.codes]) | ({col.wildcard} if col.wildcard else set())
        if col.name in recodes:
            raise MappingError(f"codes : colonne {col.name} déclarée deux fois")
        recodes[col.name] = {}
        for local, target in _dict(table, f"codes {col.name}").items():
            key = normalize_code(local)
            if not key:
                raise MappingError(f"codes {col.name} : code local vide")
            if col.type == "list" and "|" in key:
                raise MappingError(f"codes {col.name} : un code local ne peut contenir « | » (séparateur de liste)")
            if key in recodes[col.name]:
                raise MappingError(
                    f"codes {col.name} : code local « {local} » déclaré deux fois "
                    "(la casse et les espaces autour ne comptent pas)"
                )
            if not isinstance(target, str) or target.strip() not in allowed:
                raise MappingError(
                    f"codes {col.name} : « {local} » → « {target} » n'est pas un code de la liste "
                    f"{col.codes} ({', '.join(sorted(allowed))})"
                )
            recodes[col.name][key] = target.strip()
    if not columns and not recodes:
        raise MappingError("la correspondance ne déclare ni « columns » ni « codes »")
    description = spec.get("description") or ""
    if not isinstance(description, str):
        raise MappingError("description : un texte est attendu")
    return Mapping(name, feed, description.strip(), sirens, columns, recodes)


def _check_exclusive(mappings: Sequence[Mapping]) -> None:
    """Refuse two mappings that would certainly apply to the same files."""
    for i, a in enumerate(mappings):
        for b in mappings[i + 1 :]:
            if a.feed != b.feed:
                continue
            shared = sorted(a.sirens & b.sirens)
            if shared:
                raise AmbiguousMapping(
                    f"correspondances « {a.name} » et « {b.name} » : toutes deux pour le bailleur {shared[0]} du flux "
                    f"{a.feed} ; un fichier ne peut suivre qu'une correspondance, réunissez-les"
                )
            if not a.sirens and not b.sirens:
                small, large = (a, b) if len(a.columns) <= len(b.columns) else (b, a)
                if set(small.columns) <= set(large.columns):
                    raise AmbiguousMapping(
                        f"correspondances « {a.name} » et « {b.name} » : tout fichier du flux {a.feed} qui porte les "
                        f"en-têtes source de « {large.name} » porte aussi ceux de « {small.name} » ; un fichier ne "
                        "peut suivre qu'une correspondance"
                    )


def load(path: Path) -> Mapping:
    try:
        spec = yaml.load(path.read_text(encoding="utf-8"), Loader=_StringLoader)
        return parse(path.stem, spec)
    except MappingError as e:
        raise type(e)(f"correspondance {path.name} : {e}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise MappingError(f"correspondance {path.name} : fichier YAML illisible ({e})") from None


def load_dir(directory: Path) -> tuple[Mapping, ...]:
    """Every mapping of a folder, in name order, checked one by one and against each other."""
    mappings = tuple(load(p) for p in sorted(directory.glob("*.yml")))
    _check_exclusive(mappings)
    return mappings


@cache
def all_mappings() -> tuple[Mapping, ...]:
    """The mappings shipped with the contracts (``expectations/mappings/``)."""
    return load_dir(MAPPINGS_DIR)


def select(mappings: Sequence[Mapping], feed: str, siren: str | None, header: Sequence[str]) -> Mapping | None:
    """The one mapping that applies to a file of `feed` (its name's SIREN, its header), or None."""
    found = [m for m in mappings if m.feed == feed and m.applies_to(siren, header)]
    if len(found) > 1:
        names = " et ".join(f"« {m.name} »" for m in sorted(found, key=lambda m: m.name))
        raise AmbiguousMapping(
            f"plusieurs correspondances s'appliquent à ce fichier ({names}) : un fichier ne peut suivre qu'une "
            "correspondance ; précisez leurs SIREN ou leurs en-têtes source dans expectations/mappings/"
        )
    return found[0] if found else None

"""The analyst's glossary of indicator codes is generated from the catalogue and kept current."""

from __future__ import annotations

import re
from pathlib import Path

from expectations.catalogue import catalogue
from expectations.glossary import render

ROOT = Path(__file__).resolve().parents[2]


def test_committed_glossary_equals_the_generated_one():
    assert (ROOT / "docs" / "glossaire.md").read_text(encoding="utf-8") == render(), (
        "regenerate with: python -m expectations.glossary > docs/glossaire.md"
    )


def test_glossary_defines_every_indicator_code_once_in_french():
    text = render()
    codes = re.findall(r"^\| `([^`]+)` \| \*\*", text, flags=re.M)
    assert sorted(codes) == sorted(i.indicateur for i in catalogue())
    d1 = next(i for i in catalogue() if i.indicateur == "D1")
    assert f"| `D1` | **{d1.libelle}** — {d1.definition} |" in text


def test_glossary_lists_every_change_of_definition_for_the_cil():
    import csv

    from expectations.glossary import CHANGEMENTS

    with open(CHANGEMENTS, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    known = {i.indicateur for i in catalogue()}
    assert rows and all(r["indicateur"] in known and r["raison"] for r in rows)
    text = render().split("## Changements de définition")[1]
    assert all(f"| `{r['indicateur']}` | {r['date']} |" in text for r in rows)


def test_every_indicator_names_the_feeds_it_reads_among_the_contracts():
    """The pages' source lines give the extraction dates of these feeds."""
    from expectations.contract import all_contracts

    feeds = {c.feed for c in all_contracts()}
    assert all(i.flux and set(i.flux) <= feeds for i in catalogue()), [
        (i.indicateur, i.flux) for i in catalogue() if not i.flux or not set(i.flux) <= feeds
    ]

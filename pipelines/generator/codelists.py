"""Code lists and columns as the feed contracts declare them (the one place for each fact).

The generator encodes its own probabilities, but every code it writes comes from
``expectations/contracts/codes.yml`` through :mod:`expectations.contract`: a weight table names
codes, and an unknown code is an error at import, not a silent typo in a file.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from expectations.contract import codes, contract


@cache
def code_list(name: str) -> tuple[str, ...]:
    """The codes of a contract list, in the contract's order."""
    return tuple(codes()[name])


def code_index(name: str, code: str) -> int:
    """Position of ``code`` in the contract list ``name`` (KeyError when the contract lacks it)."""
    try:
        return code_list(name).index(code)
    except ValueError:
        raise KeyError(f"code {code!r} absent de la liste {name!r} du contrat") from None


def weights(name: str, table: dict[str, float]) -> np.ndarray:
    """Probabilities aligned on ``code_list(name)``; codes missing from ``table`` get 0."""
    out = np.zeros(len(code_list(name)))
    for code, w in table.items():
        out[code_index(name, code)] = w
    if out.sum() <= 0:
        raise ValueError(f"{name}: empty weight table")
    return out / out.sum()


def oui_non() -> tuple[str, str]:
    """The contract's boolean spelling, (true, false)."""
    lst = code_list("oui_non")
    return lst[code_index("oui_non", "OUI")], lst[code_index("oui_non", "NON")]


def columns(feed: str) -> tuple[str, ...]:
    """Column names of a feed, in the contract's order."""
    return tuple(c.name for c in contract(feed).columns)


def optional_columns(feed: str) -> frozenset[str]:
    """Columns a file may leave out of its header (``required: false`` in the contract)."""
    return frozenset(c.name for c in contract(feed).columns if not c.header_required)


def finan_groups() -> dict[str, tuple[str, ...]]:
    """RPLS financing codes by group (PLAI, PLUS, PLS, PLI, AUTRE), from the contract's grouping."""
    out: dict[str, list[str]] = {}
    for code, group in codes()["finan_rpls"].items():
        out.setdefault(group, []).append(code)
    return {g: tuple(v) for g, v in out.items()}

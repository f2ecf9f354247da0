"""Fixed wordings of the generator: encodable in Windows-1252, tied to the contract's codes."""

from __future__ import annotations

from pathlib import Path

from dashboards.render import PLOTLY_JS
from expectations.contract import CONTRACTS_DIR, codes
from pipelines.generator import names, params
from pipelines.generator.world import fictitious_siren, siren_check_digit
from tests.pipelines.test_privacy_audit import Personal, Search

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"


def _strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from _strings(v)
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from _strings(v)


def test_every_wording_encodes_in_windows_1252():
    for name in dir(names):
        for s in _strings(getattr(names, name)):
            s.encode("cp1252")
    params.CIA_SOURCE.encode("cp1252")


def test_wordings_and_weights_name_contract_codes():
    assert set(names.LIBELLES_REFUS) <= set(codes()["motif_refus"])
    assert set(params.RESERVATAIRE) == set(codes()["reservataire"])
    assert set(params.CONTRESLOG_OF_RESERVATAIRE) == set(codes()["reservataire"])
    assert set(params.CONTRESLOG_OF_RESERVATAIRE.values()) <= set(codes()["contreslog"])
    assert params.FINAN_PRE_1977 in codes()["finan_rpls"]
    assert set(params.FLUX_PART) == set(codes()["reservataire"])


def test_fictitious_sirens_are_distinct_and_luhn_valid():
    sirens = [fictitious_siren(i) for i in range(len(names.LANDLORDS))]
    assert len(set(sirens)) == len(sirens)
    assert all(s[0] == "9" and s[-1] == siren_check_digit(s[:-1]) for s in sirens)
    assert siren_check_digit("24060058") == "5"  # the CASA's own SIREN, 240600585


def test_no_name_is_a_word_of_a_text_the_outputs_hold_anyway():
    """The privacy audit searches the names of the input files as whole words in every output: a generated
    name that the site's shipped files, the code lists' labels or the generator's other wordings hold would
    be found there without any leak."""
    search = Search(Personal(names=set(names.PRENOMS) | set(names.NOMS)))
    shipped = [
        PLOTLY_JS,
        CONTRACTS_DIR / "codes.yml",
        *(p for p in DASHBOARDS.rglob("*") if p.is_file() and p.suffix != ".pyc"),
    ]
    found = {(p.name, v) for p in shipped for _, v in search(p.read_text(encoding="utf-8"))}
    wordings = "\n".join(s for n in dir(names) if n not in ("PRENOMS", "NOMS") for s in _strings(getattr(names, n)))
    found |= {("names.py", v) for _, v in search(wordings)}
    assert not found

"""Fixed wordings of the generator: encodable in Windows-1252, tied to the contract's codes."""

from __future__ import annotations

from expectations.contract import codes
from pipelines.generator import names, params
from pipelines.generator.world import fictitious_siren, siren_check_digit


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

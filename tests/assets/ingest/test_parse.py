"""Typed decoding of contract columns (CONTRACTS.md, common CSV dialect), through `decode_column`."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from assets.ingest.parse import Context, _inline, decode_column
from assets.ingest.reader import _sharer
from expectations.contract import Column, communes_epci, contract

FILE_DATE = dt.date(2025, 1, 31)
CTX = Context(file_date=FILE_DATE, communes_epci=communes_epci(), bailleurs=None)

DEMANDES = contract("sne_demandes")
RADIATIONS = contract("sne_radiations")
RPLS = contract("rpls")


def decode(col: Column, values: list[str | None], ctx: Context = CTX) -> list[tuple[object, set[str], list[str]]]:
    """(value, rules broken, French reasons) per raw text, trimmed and null when empty as the reader does;
    the same whether the shared subexpressions stay inline or are computed first as the reader does."""
    frames = []
    for stages in (None, []):
        trimmed = pl.col("raw").str.strip_chars()
        text = pl.DataFrame({"raw": pl.Series(values, dtype=pl.String)}).with_columns(
            pl.when(trimmed != "").then(trimmed).alias(col.name)
        )
        share = _sharer(col.name, stages) if stages is not None else _inline
        value, checks = decode_column(col, pl.col(col.name), ctx, share)
        for stage in stages or []:
            text = text.with_columns(stage)
        frames.append(
            text.select(
                value.alias("value"),
                *[c.failed.alias(f"f{i}") for i, c in enumerate(checks)],
                *[c.reason.alias(f"r{i}") for i, c in enumerate(checks)],
            )
        )
    assert_frame_equal(*frames)
    frame = frames[0]
    return [
        (
            row["value"],
            {c.rule for i, c in enumerate(checks) if row[f"f{i}"]},
            [row[f"r{i}"] for i, _ in enumerate(checks) if row[f"f{i}"]],
        )
        for row in frame.iter_rows(named=True)
    ]


def one(col: Column, text: str | None, ctx: Context = CTX) -> tuple[object, set[str]]:
    value, rules, _ = decode(col, [text], ctx)[0]
    return value, rules


# --- decimals -----------------------------------------------------------------------------------

REVENU = DEMANDES.column("revenu_mensuel")  # decimal >= 0, required
COTATION = DEMANDES.column("cotation")  # decimal, optional, no minimum


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234,50", 1234.5),
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),  # no-break space
        ("1\u202f234,50", 1234.5),  # narrow no-break space (Excel, French locale)
        ("1 234 567,89", 1234567.89),
        ("12 345", 12345.0),
        ("1.234,50", 1234.5),
        ("1.234.567,8", 1234567.8),
        ("1234.5", 1234.5),
        ("1.234", 1.234),  # no comma: the point is the decimal separator
        ("0", 0.0),
        ("0,5", 0.5),
        ("800", 800.0),
        ("  1234,50  ", 1234.5),
    ],
)
def test_decimal_is_decoded(text, expected):
    assert one(REVENU, text) == (expected, set())


def test_negative_decimal_where_no_minimum():
    assert one(COTATION, "-3,5") == (-3.5, set())


def test_negative_decimal_below_the_minimum():
    value, rules = one(REVENU, "-3,5")
    assert value == -3.5
    assert rules == {"minimum"}


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "1,2,3",
        "12.34,5",  # points before the comma must group three digits
        "1.234.567",  # no comma: a single point at most
        "1,234.5",  # English thousands separator
        "12 34,5",  # spaces are thousands separators: groups of three digits
        "1234 €",
        "1234.",
        "+-3",
    ],
)
def test_malformed_decimal_is_refused(text):
    value, rules = one(COTATION, text)
    assert value is None
    assert rules == {"nombre_decimal"}


def test_zero_income_is_a_value_and_empty_income_is_missing():
    assert one(REVENU, "0") == (0.0, set())
    assert one(REVENU, "") == (None, {"obligatoire"})
    assert one(REVENU, "   ") == (None, {"obligatoire"})


def test_empty_optional_decimal_is_null_without_error():
    assert one(COTATION, "") == (None, set())


# --- dates --------------------------------------------------------------------------------------

DEPOT = DEMANDES.column("date_depot")  # date, required, not after the file's date
RENOUVELLEMENT = DEMANDES.column("date_renouvellement")  # date, optional, not after the file's date
NAISSANCE = DEMANDES.column("date_naissance")  # date or year, personal


@pytest.mark.parametrize("text", ["15/03/2022", "2022-03-15"])
def test_both_date_formats_are_accepted(text):
    assert one(DEPOT, text) == (dt.date(2022, 3, 15), set())


def test_leap_day_is_a_real_date():
    assert one(DEPOT, "29/02/2024") == (dt.date(2024, 2, 29), set())


@pytest.mark.parametrize("text", ["31/02/2025", "29/02/2023", "2025-13-01", "00/01/2024", "2024-04-31"])
def test_impossible_date_is_refused(text):
    assert one(RENOUVELLEMENT, text) == (None, {"date_impossible"})


@pytest.mark.parametrize("text", ["2022/03/15", "15-03-2022", "15/3/2022", "15/03/22", "15.03.2022", "2022", "hier"])
def test_date_in_another_format_is_refused(text):
    assert one(RENOUVELLEMENT, text) == (None, {"format_date"})


@pytest.mark.parametrize("text", ["31/12/1899", "1850-06-01"])
def test_date_with_a_year_out_of_range_is_refused(text):
    assert one(RENOUVELLEMENT, text) == (None, {"date_hors_plage"})


def test_first_year_of_the_range_is_accepted():
    assert one(RENOUVELLEMENT, "01/01/1900") == (dt.date(1900, 1, 1), set())


def test_date_after_the_file_date_is_future():
    assert one(DEPOT, "31/01/2025") == (dt.date(2025, 1, 31), set())  # the extraction day itself
    value, rules = one(DEPOT, "01/02/2025")
    assert value == dt.date(2025, 2, 1)
    assert rules == {"date_future"}


def test_future_is_judged_against_the_file_date_not_the_wall_clock():
    # A 2031 file may hold 2031 dates, even if the tests run earlier.
    ctx_2031 = Context(dt.date(2031, 6, 30), communes_epci(), None)
    assert one(DEPOT, "2031-06-15", ctx_2031) == (dt.date(2031, 6, 15), set())
    # And a file of February 2025 may hold a date of February 2025 that its January sibling may not.
    ctx_feb = Context(dt.date(2025, 2, 28), communes_epci(), None)
    assert one(DEPOT, "01/02/2025", ctx_feb) == (dt.date(2025, 2, 1), set())
    assert one(DEPOT, "01/02/2025")[1] == {"date_future"}


def test_no_future_check_without_a_file_date():
    assert one(DEPOT, "01/02/2099", Context(None, communes_epci(), None)) == (dt.date(2099, 2, 1), set())


def test_required_date_missing():
    assert one(DEPOT, "") == (None, {"obligatoire"})


@pytest.mark.parametrize(
    "text, expected",
    [("1980", dt.date(1980, 1, 1)), ("15/06/1980", dt.date(1980, 6, 15)), ("1980-06-15", dt.date(1980, 6, 15))],
)
def test_date_or_year_accepts_a_year_alone(text, expected):
    assert one(NAISSANCE, text) == (expected, set())


def test_date_or_year_refuses_other_formats():
    assert one(NAISSANCE, "80") == (None, {"format_date"})
    assert one(NAISSANCE, "06/1980") == (None, {"format_date"})
    assert one(NAISSANCE, "1899") == (None, {"date_hors_plage"})
    assert one(NAISSANCE, "31/02/1980") == (None, {"date_impossible"})


def test_year_alone_of_the_file_is_not_future_but_the_next_year_is():
    assert one(NAISSANCE, "2025") == (dt.date(2025, 1, 1), set())
    assert one(NAISSANCE, "2026")[1] == {"date_future"}


def test_personal_value_is_never_quoted_in_a_reason():
    ((_, rules, reasons),) = decode(NAISSANCE, ["31/02/1980"])
    assert rules == {"date_impossible"}
    assert all("1980" not in r for r in reasons)
    numero = DEMANDES.column("numero_unique")
    ((_, rules, reasons),) = decode(numero, ["0610124ABC"])
    assert rules == {"format"}
    assert all("0610124" not in r for r in reasons)


def test_other_values_are_quoted_in_the_reason():
    ((_, rules, reasons),) = decode(DEMANDES.column("canal"), ["WEB"])
    assert rules == {"code_inconnu"}
    assert reasons == ["code inconnu de la liste canal « WEB »"]


# --- months and years ---------------------------------------------------------------------------

BAIL = RPLS.column("BAIL")  # month MM/AAAA, not after the file's date
LOCAT = RPLS.column("LOCAT")  # year, required, not after the file's date


def test_month_is_the_first_day_of_that_month():
    assert one(BAIL, "03/2024") == (dt.date(2024, 3, 1), set())
    assert one(BAIL, "12/2024") == (dt.date(2024, 12, 1), set())


@pytest.mark.parametrize("text", ["13/2025", "00/2025", "3/2024", "2024-03", "03/24", "03/1899", "15/03/2024"])
def test_malformed_month_is_refused(text):
    assert one(BAIL, text) == (None, {"format_mois"})


def test_month_after_the_file_month_is_future():
    assert one(BAIL, "01/2025") == (dt.date(2025, 1, 1), set())
    assert one(BAIL, "02/2025")[1] == {"date_future"}


def test_year_is_an_integer():
    assert one(LOCAT, "1975") == (1975, set())
    assert one(LOCAT, "2025") == (2025, set())


@pytest.mark.parametrize("text", ["75", "19a5", "1899", "2101", "1975.0", "01/1975"])
def test_malformed_or_out_of_range_year_is_refused(text):
    assert one(LOCAT, text) == (None, {"format_annee"})


def test_year_after_the_file_year_is_future():
    assert one(LOCAT, "2026") == (2026, {"date_future"})


# --- integers -----------------------------------------------------------------------------------

PERSONNES = DEMANDES.column("nb_personnes")  # int, 1..20, required
ENFANTS = DEMANDES.column("nb_enfants_moins_14_ans")  # int, 0..19, required


@pytest.mark.parametrize("text, expected", [("3", 3), ("+3", 3), ("03", 3), ("1", 1), ("20", 20)])
def test_integer_is_decoded(text, expected):
    assert one(PERSONNES, text) == (expected, set())


def test_integer_bounds():
    assert one(PERSONNES, "0") == (0, {"minimum"})
    assert one(PERSONNES, "21") == (21, {"maximum"})
    assert one(ENFANTS, "0") == (0, set())
    assert one(ENFANTS, "-1") == (-1, {"minimum"})
    assert one(ENFANTS, "19") == (19, set())
    assert one(ENFANTS, "20") == (20, {"maximum"})


@pytest.mark.parametrize("text", ["3,0", "2.5", "trois", "1 000", "3 personnes"])
def test_non_integer_is_refused(text):
    assert one(PERSONNES, text) == (None, {"nombre_entier"})


def test_required_integer_missing():
    assert one(PERSONNES, "") == (None, {"obligatoire"})


# --- booleans -----------------------------------------------------------------------------------

HANDICAP = DEMANDES.column("handicap")


@pytest.mark.parametrize(
    "text, expected", [("OUI", True), ("oui", True), ("Oui", True), ("NON", False), ("non", False)]
)
def test_oui_non_is_a_boolean_whatever_its_case(text, expected):
    assert one(HANDICAP, text) == (expected, set())


@pytest.mark.parametrize("text", ["O", "N", "1", "0", "true", "yes", "OUIS"])
def test_other_boolean_spellings_are_refused(text):
    assert one(HANDICAP, text) == (None, {"oui_non"})


def test_empty_boolean_is_unknown():
    assert one(HANDICAP, "") == (None, set())


# --- codes and lists of codes -------------------------------------------------------------------

CANAL = DEMANDES.column("canal")
MOTIF = DEMANDES.column("motif_principal")  # codes "01".."23", required
DALO = DEMANDES.column("statut_dalo")
TYPOLOGIES = DEMANDES.column("typologies_souhaitees")  # list of codes, required
PUBLICS = DEMANDES.column("publics_prioritaires")  # list of codes, optional
COMMUNES = DEMANDES.column("communes_souhaitees")  # list of INSEE codes, required, ordered


def test_known_code_is_kept_upper_case():
    assert one(CANAL, "GUICHET") == ("GUICHET", set())
    assert one(CANAL, "portail") == ("PORTAIL", set())


def test_unknown_code_is_refused():
    assert one(CANAL, "WEB") == (None, {"code_inconnu"})
    assert one(MOTIF, "9") == (None, {"code_inconnu"})  # the list says "09"
    assert one(MOTIF, "24") == (None, {"code_inconnu"})
    assert one(MOTIF, "09") == ("09", set())


def test_empty_code_is_null_never_a_default_code():
    assert one(CANAL, "") == (None, set())
    assert one(DALO, "") == (None, set())  # unknown, not "NON"
    assert one(MOTIF, "") == (None, {"obligatoire"})


def test_list_of_codes_keeps_its_order():
    assert one(TYPOLOGIES, "T3|T2") == (["T3", "T2"], set())
    assert one(TYPOLOGIES, "T2|T3") == (["T2", "T3"], set())
    assert one(TYPOLOGIES, "t4 | T1 |c") == (["T4", "T1", "C"], set())
    assert one(TYPOLOGIES, "T6P") == (["T6P"], set())


def test_empty_items_of_a_list_are_ignored():
    assert one(TYPOLOGIES, "T3||T2|") == (["T3", "T2"], set())


def test_list_with_an_unknown_code_is_refused():
    assert one(TYPOLOGIES, "T3|T7")[1] == {"code_inconnu"}
    assert one(PUBLICS, "DEFAVORISE|RICHE")[1] == {"code_inconnu"}


def test_list_of_separators_only_is_missing():
    assert one(TYPOLOGIES, "|") == (None, {"obligatoire"})
    assert one(PUBLICS, "|") == (None, set())


def test_empty_optional_list_is_null():
    assert one(PUBLICS, "") == (None, set())


def test_list_of_insee_codes_keeps_the_order_of_preference():
    # Communes wished may lie outside the EPCI (06088 Nice): only their format is checked.
    assert one(COMMUNES, "06155|06004|06088|2A004") == (["06155", "06004", "06088", "2A004"], set())


def test_list_of_insee_codes_with_a_bad_code_is_refused():
    assert one(COMMUNES, "06155|6004")[1] == {"format"}
    assert one(COMMUNES, "06155;06004")[1] == {"format"}


def test_required_list_missing():
    assert one(COMMUNES, "") == (None, {"obligatoire"})


# --- identifiers --------------------------------------------------------------------------------

SIREN = RADIATIONS.column("bailleur_siren")  # ref: bailleurs
RESERVATAIRE_ID = RADIATIONS.column("reservataire_id")
IDENT_REP = RADIATIONS.column("ident_rep")
COMMUNE_LOGEMENT = RADIATIONS.column("commune_logement")  # ref: communes_epci
COMMUNE_RESIDENCE = DEMANDES.column("commune_residence")  # format only
NUMERO = DEMANDES.column("numero_unique")


def test_siren_format():
    assert one(RESERVATAIRE_ID, "240600585") == ("240600585", set())
    for bad in ["24060058", "2406005850", "24060058A", "240 600 585"]:
        assert one(RESERVATAIRE_ID, bad)[1] == {"format"}, bad


def test_landlord_siren_is_checked_against_the_referential_when_there_is_one():
    ctx = Context(FILE_DATE, communes_epci(), frozenset({"900000001"}))
    assert one(SIREN, "900000001", ctx) == ("900000001", set())
    assert one(SIREN, "900000002", ctx)[1] == {"bailleur_inconnu"}
    assert one(SIREN, "90000000", ctx)[1] == {"format"}  # a bad format is not also an unknown landlord
    assert one(SIREN, "900000002") == ("900000002", set())  # empty referential: check skipped


def test_insee_format():
    assert one(COMMUNE_RESIDENCE, "06088") == ("06088", set())
    assert one(COMMUNE_RESIDENCE, "2B033") == ("2B033", set())
    for bad in ["6088", "060880", "2C033", "O6088"]:
        assert one(COMMUNE_RESIDENCE, bad)[1] == {"format"}, bad


def test_insee_of_the_epci():
    assert one(COMMUNE_LOGEMENT, "06004") == ("06004", set())  # Antibes
    assert one(COMMUNE_LOGEMENT, "06088")[1] == {"commune_hors_epci"}  # Nice
    assert one(COMMUNE_LOGEMENT, "6004")[1] == {"format"}


def test_ident_rep_is_ten_characters():
    assert one(IDENT_REP, "A000000001") == ("A000000001", set())
    for bad in ["A00000001", "A0000000001", "A0000000-1"]:
        assert one(IDENT_REP, bad)[1] == {"format"}, bad


def test_numero_unique_is_eighteen_upper_case_characters():
    assert one(NUMERO, "061012400000000001") == ("061012400000000001", set())
    assert one(NUMERO, "06101240000000000a") == ("06101240000000000A", set())
    for bad in ["06101240000000000", "0610124000000000011", "06101240000000000é", "061012-400000000001"]:
        assert one(NUMERO, bad)[1] == {"format"}, bad


def test_required_numero_missing():
    assert one(NUMERO, "") == (None, {"obligatoire"})


# --- text ---------------------------------------------------------------------------------------


def test_text_is_kept_as_is_and_empty_is_null():
    guichet = DEMANDES.column("guichet")
    assert one(guichet, "Mairie d'Antibes") == ("Mairie d'Antibes", set())
    assert one(guichet, "") == (None, set())


def test_column_built_directly():
    col = Column(name="x", type="int", required=True, min=2, max=4)
    assert [(v, r) for v, r, _ in decode(col, ["2", "5", None, "x"])] == [
        (2, set()),
        (5, {"maximum"}),
        (None, {"obligatoire"}),
        (None, {"nombre_entier"}),
    ]


def test_wildcard_is_accepted_where_the_contract_allows_it():
    cia = contract("engagements_cia")
    assert one(cia.column("bailleur_siren"), "*") == ("*", set())
    assert one(cia.column("reservataire"), "*") == ("*", set())
    assert one(cia.column("bailleur_siren"), "**")[1] == {"format"}
    assert one(RESERVATAIRE_ID, "*")[1] == {"format"}  # no wildcard for this column


def test_open_code_list_keeps_an_unknown_code():
    finan = RPLS.column("FINAN")
    assert one(finan, "zz9") == ("ZZ9", set())
    assert one(finan, "") == (None, {"obligatoire"})

"""The common CSV dialect (CONTRACTS.md): encoding detection, records, physical line numbers."""

from __future__ import annotations

import pytest

from assets.ingest.dialect import BOM, FileRejected, decode, split_records

UNCLOSED = "guillemet ouvert jamais refermé"


def records(text: str) -> list[tuple[int, list[str] | None, str | None]]:
    """(ligne, fields, error) of every record after the header."""
    return [(r["ligne"], r["fields"], r["error"]) for r in split_records(text).frame.iter_rows(named=True)]


# --- encoding -----------------------------------------------------------------------------------


def test_utf8_is_detected():
    assert decode("a;b\nété;œuvre\n".encode()) == ("a;b\nété;œuvre\n", "utf-8")


def test_utf8_bom_is_allowed_and_removed():
    text, enc = decode(BOM + b"numero;ville\n1;Valbonne\n")
    assert text == "numero;ville\n1;Valbonne\n"
    assert enc == "utf-8-sig"


def test_plain_ascii_is_utf8():
    assert decode(b"a;b\n1;2\n")[1] == "utf-8"


def test_windows_1252_with_bytes_0x80_to_0x9f():
    # é = 0xE9, œ = 0x9C, ’ = 0x92, € = 0x80: the last three are undefined in Latin-1.
    data = b"libelle;montant\nd\xe9p\xf4t \x9cuvre l\x92agence;12 \x80\n"
    assert data == "libelle;montant\ndépôt œuvre l’agence;12 €\n".encode("cp1252")
    text, enc = decode(data)
    assert enc == "windows-1252"
    assert text == "libelle;montant\ndépôt œuvre l’agence;12 €\n"


def test_damaged_utf8_is_rejected_with_its_line():
    # Line 2 holds a valid UTF-8 "é" (C3 A9); line 3 an invalid lone byte 0xE9: a damaged UTF-8 file,
    # not a Windows-1252 one (which would have decoded as "Ã©" on line 2).
    data = b"a;b\nd\xc3\xa9p\xc3\xb4t;1\nd\xe9p;2\n"
    with pytest.raises(FileRejected) as exc:
        decode(data)
    assert exc.value.rule == "encodage"
    assert exc.value.line == 3
    assert "ligne 3" in exc.value.reason
    assert "UTF-8" in exc.value.reason


def test_bom_with_invalid_utf8_is_rejected():
    with pytest.raises(FileRejected) as exc:
        decode(BOM + b"a;b\n1;d\xe9p\n")
    assert exc.value.rule == "encodage"
    assert exc.value.line == 2


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_bytes_undefined_in_windows_1252_are_rejected(byte):
    data = b"a;b\n1;2\n3;x" + bytes([byte]) + b"\n"
    with pytest.raises(FileRejected) as exc:
        decode(data)
    assert exc.value.rule == "encodage"
    assert exc.value.line == 3
    assert f"0x{byte:02X}" in exc.value.reason
    assert "ligne 3" in exc.value.reason


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_reported_as_utf16(codec):
    # Excel's "Texte Unicode" writes UTF-16 (with a BOM); some tools write it without.
    with pytest.raises(FileRejected) as exc:
        decode("numero_unique;date_depot\n1;2025-01-31\n".encode(codec))
    assert exc.value.rule == "encodage"
    assert "UTF-16" in exc.value.reason
    assert "ré-enregistrez" in exc.value.reason and "UTF-8" in exc.value.reason


@pytest.mark.parametrize("signature", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_an_excel_workbook_renamed_csv_is_reported_as_such(signature):
    with pytest.raises(FileRejected) as exc:
        decode(signature + bytes(range(256)) * 8)
    assert "classeur Excel" in exc.value.reason and "CSV UTF-8" in exc.value.reason


def test_rejection_message_does_not_quote_the_data():
    with pytest.raises(FileRejected) as exc:
        decode(b"numero\n061012400000000001\x81\n")
    assert "0610124" not in exc.value.reason and "0610124" not in str(exc.value)


# --- line endings and records -------------------------------------------------------------------


def test_lf_and_crlf_give_the_same_records():
    lf = split_records("a;b\n1;2\n3;4\n")
    crlf = split_records("a;b\r\n1;2\r\n3;4\r\n")
    assert lf.header == crlf.header == ["a", "b"]
    assert lf.frame.to_dicts() == crlf.frame.to_dicts()
    assert records("a;b\r\n1;2\r\n3;4\r\n") == [(2, ["1", "2"], None), (3, ["3", "4"], None)]


def test_lines_ending_with_cr_alone_are_lines():
    # Old Mac files and some spreadsheet exports end lines with CR alone.
    assert records("a;b\r1;2\r\r3;4\r") == [(2, ["1", "2"], None), (4, ["3", "4"], None)]
    assert records('a;b\r1;"x\ry"\r5;6') == [(2, ["1", "x\ny"], None), (4, ["5", "6"], None)]


@pytest.mark.parametrize(
    "text",
    ["1;2\r\n\r\n3;4\r\n", "1;2\r\n3;4\r5;6\n\r\n", "1;2\r\r\n3;4", "1;2\n3;4\r"],
    ids=["crlf", "crlf_and_cr_alone", "cr_before_crlf", "lf_then_cr_alone"],
)
def test_a_piece_s_lines_are_those_of_universal_newlines(text):
    """A piece of a big file is split by Polars, the CR of its CRLFs dropped; a CR alone still ends a line."""
    from assets.ingest.dialect import _lines

    expected = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = expected[:-1] if expected[-1] == "" else expected
    assert _lines(text).to_dict(as_series=False) == {"ligne": list(range(1, len(expected) + 1)), "raw": expected}


def test_damaged_byte_line_counts_cr_alone_as_a_line_end():
    with pytest.raises(FileRejected) as exc:
        decode("a;b\r\xe9t\xe9;1\r".encode() + b"\xff;2\r")
    assert exc.value.line == 3


def test_last_line_without_line_break_is_read():
    assert records("a;b\n1;2\n3;4") == [(2, ["1", "2"], None), (3, ["3", "4"], None)]


def test_empty_fields_are_kept_as_empty_strings():
    assert records("a;b;c\n;;\n") == [(2, ["", "", ""], None)]


def test_quoted_field_may_hold_the_delimiter():
    assert records('a;b\n"Mairie; annexe";2\n') == [(2, ["Mairie; annexe", "2"], None)]


def test_doubled_quotes_inside_a_quoted_field():
    assert records('a;b\n"le ""Pin"" doux";2\n') == [(2, ['le "Pin" doux', "2"], None)]


def test_quoted_field_may_hold_line_breaks():
    assert records('a;b\n"ligne un\nligne deux";2\n') == [(2, ["ligne un\nligne deux", "2"], None)]


def test_crlf_inside_a_quoted_field():
    assert records('a;b\r\n"un\r\ndeux";2\r\n3;4\r\n') == [(2, ["un\ndeux", "2"], None), (4, ["3", "4"], None)]


def test_continuation_line_may_hold_doubled_quotes():
    text = 'a;b;c\n1;"il dit\n""bonjour""\npuis part";2\n3;4\n'
    assert records(text) == [(2, ["1", 'il dit\n"bonjour"\npuis part', "2"], None), (5, ["3", "4"], None)]


def test_a_line_may_close_one_quoted_field_and_open_another():
    text = 'a;b;c\n1;"x\ny";"z\nw"\n2;3;4\n'
    assert records(text) == [(2, ["1", "x\ny", "z\nw"], None), (5, ["2", "3", "4"], None)]


def test_line_numbers_after_a_multiline_record_are_physical():
    text = 'a;b\n1;"x\ny\nz"\n2;w\n3;"p;q"\n4;v\n'
    assert records(text) == [
        (2, ["1", "x\ny\nz"], None),
        (5, ["2", "w"], None),
        (6, ["3", "p;q"], None),
        (7, ["4", "v"], None),
    ]


def test_quoted_header_names():
    assert split_records('"a";"b"\n1;2\n').header == ["a", "b"]


def test_blank_lines_are_skipped_but_counted():
    text = "a;b\n1;2\n\n   \n3;4\n\n"
    assert records(text) == [(2, ["1", "2"], None), (5, ["3", "4"], None)]


def test_blank_line_inside_a_quoted_field_is_content():
    assert records('a;b\n"un\n\ndeux";2\n3;4\n') == [(2, ["un\n\ndeux", "2"], None), (5, ["3", "4"], None)]


def test_fields_are_not_counted_here():
    # Short and long records are the reader's business (quarantine "nombre_de_champs").
    assert records("a;b\n1\n1;2;3\n") == [(2, ["1"], None), (3, ["1", "2", "3"], None)]


# --- badly formed quotes --------------------------------------------------------------------------


def test_text_after_a_closing_quote_is_badly_formed():
    assert records('a;b;c\n1;"2"x;3\n4;5;6\n') == [(2, None, "guillemets mal formés"), (3, ["4", "5", "6"], None)]


def test_a_quote_never_closed_loses_only_its_own_line():
    # The field opened on line 3 never closes: line 3 is set aside, lines 4 and 5 are records.
    assert records('a;b\n1;2\n3;"ouvert\n4;5\n6;7\n') == [
        (2, ["1", "2"], None),
        (3, None, UNCLOSED),
        (4, ["4", "5"], None),
        (5, ["6", "7"], None),
    ]


def test_a_stray_quote_before_a_quoted_line_does_not_swallow_it():
    text = 'a;b;c\n1;"ouvert;2\n3;4;5\n"x";"y";"z"\n6;"p;q";7\n'
    assert records(text) == [
        (2, None, UNCLOSED),
        (3, ["3", "4", "5"], None),
        (4, ["x", "y", "z"], None),
        (5, ["6", "p;q", "7"], None),
    ]


def test_a_multiline_record_is_kept_only_when_it_has_the_header_fields():
    # Line 2's quote closes on line 4, but lines 2-4 would make a 3-field record: a stray quote.
    text = 'a;b\n1;"x\n2;3\n4";5\n6;7\n'
    assert records(text) == [
        (2, None, UNCLOSED),
        (3, ["2", "3"], None),
        (4, ['4"', "5"], None),
        (5, ["6", "7"], None),
    ]


def test_quote_inside_an_unquoted_field_is_a_literal():
    # Python's csv, Excel and Polars read a quote in the middle of an unquoted field as a character:
    # it opens nothing, so the records after it are read as usual.
    assert records('a;b;c\n1;2"x;3\n4;5;6\n7;"8\n9";10\n') == [
        (2, ["1", '2"x', "3"], None),
        (3, ["4", "5", "6"], None),
        (4, ["7", "8\n9", "10"], None),
    ]


def test_badly_formed_multiline_record_does_not_swallow_the_next_records():
    # The quoted field opened on line 2 closes on line 3 followed by stray text: that record is
    # badly formed, the records after it are read normally.
    text = 'a;b\n1;"un\ndeux"x\n3;4\n5;"six"\n'
    assert records(text) == [
        (2, None, UNCLOSED),
        (3, ['deux"x'], None),
        (4, ["3", "4"], None),
        (5, ["5", "six"], None),
    ]


# --- empty files and headers ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n", "\r\n\r\n", "  \n\n"])
def test_empty_file_is_rejected(text):
    with pytest.raises(FileRejected) as exc:
        split_records(text)
    assert exc.value.rule == "entete"
    assert exc.value.line == 1


def test_empty_file_with_only_a_bom_is_rejected():
    text, enc = decode(BOM)
    assert (text, enc) == ("", "utf-8-sig")
    with pytest.raises(FileRejected):
        split_records(text)


def test_header_only_file_has_no_records():
    r = split_records("numero_unique;date_depot\n")
    assert r.header == ["numero_unique", "date_depot"]
    assert r.frame.height == 0
    assert split_records("numero_unique;date_depot").frame.height == 0


@pytest.mark.parametrize("sep, name", [(",", "virgules"), ("\t", "tabulations")])
def test_a_file_separated_by_commas_or_tabs_is_reported_as_such(sep, name):
    with pytest.raises(FileRejected) as exc:
        split_records(f'numero_unique{sep}"date_depot"{sep}nom\n1{sep}2{sep}3\n')
    assert exc.value.rule == "separateur"
    assert f"séparé par des {name}" in exc.value.reason
    assert "point-virgule" in exc.value.reason


def test_a_comma_inside_a_semicolon_header_is_not_a_separator():
    assert split_records("a;b,c;d\n1;2;3\n").header == ["a", "b,c", "d"]


def test_header_must_be_on_line_1():
    with pytest.raises(FileRejected) as exc:
        split_records("\na;b\n1;2\n")
    assert exc.value.rule == "entete"


def test_badly_formed_header_is_rejected():
    with pytest.raises(FileRejected) as exc:
        split_records('"a"b;c\n1;2\n')
    assert exc.value.rule == "entete"

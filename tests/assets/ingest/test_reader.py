"""Reading a whole file against its contract (`read`): header, records, rules, duplicates, personal data."""

from __future__ import annotations

import json

import polars as pl
import pytest

from assets.ingest.dialect import FileRejected
from assets.ingest.parse import Context
from assets.ingest.pseudonym import Key, Pseudonymizer, hmac_python
from assets.ingest.reader import read
from expectations.contract import communes_epci, contract

KEY = Key(bytes.fromhex("a1" * 32), "test")
PSEUDONYMIZE = Pseudonymizer(KEY)
DEMANDES = contract("sne_demandes")
RADIATIONS = contract("sne_radiations")
FORBIDDEN = {"numero_unique", "nom", "prenom", "date_naissance"}

NUMERO = "061012400000000001"
NUMERO_2 = "061012400000000002"

DEMANDE = {
    "numero_unique": NUMERO,
    "date_depot": "2022-03-15",
    "date_renouvellement": "10/03/2024",
    "guichet": "Mairie d'Antibes",
    "canal": "GUICHET",
    "communes_souhaitees": "06004|06155",
    "typologies_souhaitees": "T3|T2",
    "nom": "Martin",
    "prenom": "Jeanne",
    "date_naissance": "1980-06-15",
    "situation_familiale": "C",
    "situation_professionnelle": "CDI",
    "nb_personnes": "3",
    "nb_enfants_moins_14_ans": "1",
    "revenu_mensuel": "1 234,50",
    "revenu_fiscal_reference": "15000",
    "logement_actuel": "LP",
    "motif_principal": "09",
    "statut_dalo": "NON",
    "publics_prioritaires": "",
    "handicap": "NON",
    "cotation": "12,5",
    "commune_residence": "06004",
    "commune_travail": "06152",
}

RADIATION = {
    "numero_unique": NUMERO_2,
    "date_depot": "2019-01-10",
    "date_renouvellement": "2025-01-05",
    "communes_souhaitees": "06155",
    "typologies_souhaitees": "T2",
    "nom": "Durand",
    "prenom": "Paul",
    "date_naissance": "1990",
    "nb_personnes": "2",
    "nb_enfants_moins_14_ans": "0",
    "revenu_mensuel": "800",
    "logement_actuel": "HLM",
    "motif_principal": "13",
    "statut_dalo": "ACTIF",
    "publics_prioritaires": "DEFAVORISE|HEBERGE",
    "commune_residence": "06155",
    "date_radiation": "2025-02-20",
    "motif_radiation": "RADATT",
    "sous_motif": "",
    "date_signature_bail": "2025-02-15",
    "bailleur_siren": "900000001",
    "ident_rep": "A000000001",
    "commune_logement": "06155",
    "typologie_logement": "T2",
    "qpv": "OUI",
    "reservataire": "PPRIOR",
    "reservataire_id": "",
    "deja_locataire_bailleur": "NON",
    "prioritaire_attribution": "OUI",
    "source_priorite": "DALO",
    "relogement_ru": "NON",
    "premier_quartile": "OUI",
    "accord_collectif": "",
}


def csv_bytes(header: list[str], rows: list[dict | list[str]], *, eol: str = "\n", encoding: str = "utf-8") -> bytes:
    """A file in the contract's dialect; a row given as a dict follows the header, a list is written as is."""
    lines = [";".join(header)]
    for r in rows:
        lines.append(";".join(r) if isinstance(r, list) else ";".join(r.get(h, "") for h in header))
    return (eol.join(lines) + eol).encode(encoding)


def read_file(data: bytes, name: str = "sne_demandes_20250131.csv", bailleurs: frozenset[str] | None = None):
    c = RADIATIONS if name.startswith("sne_radiations") else DEMANDES
    info = c.file_info(name)
    return read(data, c, info, Context(info.date, communes_epci(), bailleurs), PSEUDONYMIZE)


def demandes(*rows: dict, header: list[str] | None = None, name: str = "sne_demandes_20250131.csv"):
    return read_file(csv_bytes(header or list(DEMANDE), list(rows)), name)


def radiations(*rows: dict, header: list[str] | None = None, name: str = "sne_radiations_20250228.csv"):
    return read_file(csv_bytes(header or list(RADIATION), list(rows)), name)


def rules(result) -> list[tuple[int, str | None, str]]:
    return [(r["ligne"], r["colonne"], r["regle"]) for r in result.quarantine.iter_rows(named=True)]


# --- a valid file -------------------------------------------------------------------------------


def test_valid_row_is_typed_with_warehouse_columns():
    r = demandes(DEMANDE)
    assert r.encoding == "utf-8"
    assert r.rows_read == 1
    assert r.quarantine.height == 0
    assert r.warnings == []
    row = r.rows.row(0, named=True)
    assert row["_ligne"] == 2
    assert row["id_demande"] == hmac_python(KEY, NUMERO)
    assert row["revenu_mensuel"] == 1234.5
    assert row["cotation"] == 12.5
    assert row["communes_souhaitees"] == ["06004", "06155"]
    assert row["typologies_souhaitees"] == ["T3", "T2"]
    assert row["publics_prioritaires"] is None
    assert row["handicap"] is False
    assert row["age"] == 44  # born 15/06/1980, extraction 31/01/2025
    assert str(row["date_renouvellement"]) == "2024-03-10"


def test_no_output_column_is_personal():
    r = demandes(DEMANDE, {**DEMANDE, "numero_unique": NUMERO_2, "revenu_mensuel": "abc"})
    assert r.rows.height == 1 and r.quarantine.height == 1
    assert not FORBIDDEN & set(r.rows.columns)
    assert not FORBIDDEN & set(r.quarantine.columns)
    assert {"id_demande", "age"} <= set(r.rows.columns)


def test_windows_1252_file_is_read():
    row = {**DEMANDE, "guichet": "Mairie d’Antibes – accueil œcuménique"}
    r = read_file(csv_bytes(list(DEMANDE), [row], encoding="cp1252"))
    assert r.encoding == "windows-1252"
    assert r.rows["guichet"].to_list() == ["Mairie d’Antibes – accueil œcuménique"]


def test_crlf_file_is_read_like_lf():
    lf = read_file(csv_bytes(list(DEMANDE), [DEMANDE]))
    crlf = read_file(csv_bytes(list(DEMANDE), [DEMANDE], eol="\r\n"))
    assert crlf.rows.to_dicts() == lf.rows.to_dicts()


def test_damaged_file_is_rejected_whole():
    data = csv_bytes(list(DEMANDE), [{**DEMANDE, "guichet": "Mairie d’Antibes"}]) + b"\xe9\n"
    with pytest.raises(FileRejected) as exc:
        read_file(data)
    assert exc.value.rule == "encodage"
    assert exc.value.line == 3


def test_empty_file_is_rejected():
    with pytest.raises(FileRejected):
        read_file(b"")


def test_header_only_file_has_no_rows():
    r = read_file(csv_bytes(list(DEMANDE), []))
    assert (r.rows.height, r.quarantine.height, r.rows_read, r.identical_duplicates) == (0, 0, 0, 0)
    assert "id_demande" in r.rows.columns


# --- header -------------------------------------------------------------------------------------


def test_header_is_matched_case_insensitively_after_trimming():
    header = [f"  {h.upper()} " if i % 2 else h.title() for i, h in enumerate(DEMANDE)]
    r = read_file(csv_bytes(header, [list(DEMANDE.values())]))
    assert r.warnings == []
    assert r.quarantine.height == 0
    assert r.rows["id_demande"].to_list() == [hmac_python(KEY, NUMERO)]
    assert r.rows["revenu_mensuel"].to_list() == [1234.5]


def test_columns_may_come_in_any_order():
    header = list(reversed(DEMANDE))
    r = demandes(DEMANDE, header=header)
    assert r.quarantine.height == 0
    assert r.rows["revenu_mensuel"].to_list() == [1234.5]


def test_missing_required_columns_reject_the_file_and_are_named():
    header = [h for h in DEMANDE if h not in ("date_depot", "revenu_mensuel")]
    with pytest.raises(FileRejected) as exc:
        demandes(DEMANDE, header=header)
    assert exc.value.rule == "entete"
    assert exc.value.line == 1
    assert "date_depot" in exc.value.reason and "revenu_mensuel" in exc.value.reason
    assert "cotation" not in exc.value.reason


def test_conditionally_required_columns_must_be_in_the_header():
    header = [h for h in RADIATION if h != "date_signature_bail"]
    with pytest.raises(FileRejected) as exc:
        radiations(RADIATION, header=header)
    assert "date_signature_bail" in exc.value.reason


def test_motif_radiation_column_is_required_even_if_its_values_may_be_empty():
    header = [h for h in RADIATION if h != "motif_radiation"]
    with pytest.raises(FileRejected) as exc:
        radiations(RADIATION, header=header)
    assert "motif_radiation" in exc.value.reason


def test_unknown_extra_column_is_ignored_with_a_warning():
    header = list(DEMANDE) + ["commentaire"]
    r = demandes({**DEMANDE, "commentaire": "à rappeler"}, header=header)
    assert r.quarantine.height == 0 and r.rows.height == 1
    assert "commentaire" not in r.rows.columns
    assert len(r.warnings) == 1 and "commentaire" in r.warnings[0]


def test_missing_optional_column_is_read_as_empty_with_a_warning():
    header = [h for h in DEMANDE if h not in ("cotation", "canal")]
    r = demandes(DEMANDE, header=header)
    assert r.quarantine.height == 0
    assert r.rows["cotation"].to_list() == [None]
    assert r.rows["canal"].to_list() == [None]
    assert len(r.warnings) == 1
    assert "cotation" in r.warnings[0] and "canal" in r.warnings[0]


def test_names_are_dropped_and_their_absence_is_not_warned():
    with_names = demandes(DEMANDE)
    without = demandes(DEMANDE, header=[h for h in DEMANDE if h not in ("nom", "prenom")])
    assert without.warnings == []
    assert without.rows.to_dicts() == with_names.rows.to_dicts()
    assert not {"nom", "prenom"} & set(with_names.rows.columns)


def test_duplicate_header_column_rejects_the_file():
    header = list(DEMANDE) + ["Revenu_Mensuel"]
    with pytest.raises(FileRejected) as exc:
        demandes({**DEMANDE, "Revenu_Mensuel": "1"}, header=header)
    assert "revenu_mensuel" in exc.value.reason


def test_a_file_without_header_is_rejected_without_quoting_its_first_line():
    # Its first line is data: two members of a family share a name, which must not be quoted as a
    # "duplicate column".
    first = {**DEMANDE, "nom": "SENTINELLE", "prenom": "SENTINELLE"}
    second = {**DEMANDE, "numero_unique": NUMERO_2}
    with pytest.raises(FileRejected) as exc:
        read_file(csv_bytes(list(first.values()), [second]))
    assert "colonnes obligatoires absentes" in exc.value.reason
    for value in ("SENTINELLE", NUMERO, NUMERO_2, "Martin"):
        assert value.lower() not in (exc.value.reason + exc.value.reason_en).lower()


def test_unknown_column_names_are_quoted_short_and_few():
    extra = [f"colonne_en_trop_numero_{i}_avec_un_nom_tres_long" for i in range(12)]
    r = demandes({**DEMANDE}, header=list(DEMANDE) + extra)
    (warning,) = r.warnings
    assert "colonne_en_trop_numero_0_avec_u…" in warning
    assert "avec_un_nom_tres_long" not in warning
    assert warning.endswith(" et 4 autres")


# --- records ------------------------------------------------------------------------------------


def test_wrong_field_count_is_quarantined_at_its_physical_line():
    header = list(DEMANDE)
    good = list(DEMANDE.values())
    multiline = {**DEMANDE, "numero_unique": NUMERO_2, "guichet": '"Mairie\nannexe; accueil"'}
    rows = [
        multiline,  # lines 2-3
        good[:-1],  # line 4: one field less
        good + ["x"],  # line 5: one field more
        {**DEMANDE, "numero_unique": "061012400000000003"},  # line 6
    ]
    r = read_file(csv_bytes(header, rows))
    assert rules(r) == [(4, None, "nombre_de_champs"), (5, None, "nombre_de_champs")]
    assert r.quarantine["valeurs"].to_list() == [None, None]  # never the raw line
    assert r.rows["_ligne"].to_list() == [2, 6]
    assert r.rows["guichet"].to_list() == ["Mairie\nannexe; accueil", "Mairie d'Antibes"]
    assert r.rows_read == 4


def test_badly_formed_quotes_are_quarantined_and_the_next_rows_read():
    rows = [{**DEMANDE, "guichet": '"Mairie"x'}, {**DEMANDE, "numero_unique": NUMERO_2}]
    r = demandes(*rows)
    assert rules(r) == [(2, None, "guillemets")]
    assert r.quarantine["raison"].to_list() == ["guillemets mal formés"]
    assert r.rows["_ligne"].to_list() == [3]


@pytest.mark.parametrize(
    "stray",
    ['"Mairie', 'Mairie";x', '"Mairie;x'],
    ids=["opened-never-closed", "closed-without-opening", "opened-over-a-delimiter"],
)
def test_a_stray_quote_loses_no_row(stray):
    # Line 3's guichet opens (or ends) a quoted field by mistake; a later line holds a legitimate
    # quoted field with a `;` and one spans two lines: every line is loaded or quarantined.
    numeros = [f"06101240000000010{i}" for i in range(7)]
    rows = [{**DEMANDE, "numero_unique": n} for n in numeros]
    rows[1]["guichet"] = stray
    rows[4]["guichet"] = '"Mairie; annexe"'
    rows[5]["guichet"] = '"Mairie\nannexe"'  # lines 7-8
    r = read_file(csv_bytes(list(DEMANDE), rows))
    loaded, quarantined = set(r.rows["_ligne"]), set(r.quarantine["ligne"])
    assert 3 in quarantined
    assert loaded | quarantined == {2, 3, 4, 5, 6, 7, 9}
    assert not loaded & quarantined
    assert r.rows.height == 6
    assert set(r.rows["guichet"]) >= {"Mairie; annexe", "Mairie\nannexe"}


def test_an_unclosed_quote_is_quarantined_with_its_line_and_reason():
    rows = [{**DEMANDE, "guichet": '"Mairie'}, {**DEMANDE, "numero_unique": NUMERO_2}]
    r = demandes(*rows)
    assert [(q["ligne"], q["regle"], q["raison"]) for q in r.quarantine.iter_rows(named=True)] == [
        (2, "guillemets", "guillemet ouvert jamais refermé")
    ]
    assert r.rows["_ligne"].to_list() == [3]


def test_blank_lines_are_not_rows():
    data = csv_bytes(list(DEMANDE), [DEMANDE]) + b"\n\n"
    r = read_file(data)
    assert r.rows_read == 1 and r.quarantine.height == 0


def test_type_errors_are_quarantined_with_column_rule_and_line():
    rows = [
        DEMANDE,
        {**DEMANDE, "numero_unique": NUMERO_2, "revenu_mensuel": "abc"},
        {**DEMANDE, "numero_unique": "061012400000000003", "date_depot": "31/02/2024"},
        {**DEMANDE, "numero_unique": "061012400000000004", "typologies_souhaitees": "T3|T9"},
    ]
    r = demandes(*rows)
    assert rules(r) == [
        (3, "revenu_mensuel", "nombre_decimal"),
        (4, "date_depot", "date_impossible"),
        (5, "typologies_souhaitees", "code_inconnu"),
    ]
    assert r.rows["_ligne"].to_list() == [2]
    q = r.quarantine.row(0, named=True)
    assert q["raison"] == "nombre décimal attendu (virgule décimale) « abc »"
    assert q["reason_en"] == "decimal expected"


def test_future_is_judged_against_the_file_name_date():
    row = {**DEMANDE, "date_depot": "2025-02-15", "date_renouvellement": ""}
    january = demandes(row, name="sne_demandes_20250131.csv")
    assert rules(january) == [(2, "date_depot", "date_future")]
    assert "2025-01-31" in january.quarantine["raison"][0]
    february = demandes(row, name="sne_demandes_20250228.csv")
    assert february.quarantine.height == 0 and february.rows.height == 1


# --- conditional requirements and row rules -----------------------------------------------------


def test_valid_attribution_radiation_is_read():
    r = radiations(RADIATION)
    assert r.quarantine.height == 0
    row = r.rows.row(0, named=True)
    assert row["motif_radiation"] == "RADATT"
    assert str(row["date_signature_bail"]) == "2025-02-15"
    assert row["qpv"] is True
    assert row["age"] == 35  # born in 1990, extraction 28/02/2025
    assert row["id_demande"] == hmac_python(KEY, NUMERO_2)


def test_attribution_without_lease_date_is_quarantined():
    r = radiations({**RADIATION, "date_signature_bail": ""})
    assert rules(r) == [(2, "date_signature_bail", "obligatoire")]
    assert r.rows.height == 0


def test_other_radiation_needs_no_lease_fields():
    attribution_only = [
        "date_signature_bail",
        "bailleur_siren",
        "ident_rep",
        "commune_logement",
        "typologie_logement",
        "qpv",
        "reservataire",
        "deja_locataire_bailleur",
        "prioritaire_attribution",
        "source_priorite",
        "relogement_ru",
    ]
    row = {**RADIATION, "motif_radiation": "RADREN", **{c: "" for c in attribution_only}}
    r = radiations(row)
    assert r.quarantine.height == 0 and r.rows.height == 1
    assert r.rows["date_signature_bail"].to_list() == [None]


def test_inadmissibility_without_sub_reason_is_quarantined():
    r = radiations({**RADIATION, "motif_radiation": "RADIRR"})
    assert rules(r) == [(2, "sous_motif", "obligatoire")]
    ok = radiations({**RADIATION, "motif_radiation": "RADIRR", "sous_motif": "IRRRES"})
    assert ok.quarantine.height == 0


def test_empty_motif_is_a_cancellation_not_an_error():
    r = radiations({**RADIATION, "motif_radiation": "", "date_signature_bail": ""})
    assert r.quarantine.height == 0
    assert r.rows["motif_radiation"].to_list() == [None]


def test_invalid_conditional_value_is_reported_once_for_its_type():
    r = radiations({**RADIATION, "date_signature_bail": "31/02/2025"})
    assert rules(r) == [(2, "date_signature_bail", "date_impossible")]


def test_more_children_than_persons_besides_the_applicant_is_quarantined():
    rows = [
        {**DEMANDE, "nb_personnes": "2", "nb_enfants_moins_14_ans": "2"},
        {**DEMANDE, "numero_unique": NUMERO_2, "nb_personnes": "3", "nb_enfants_moins_14_ans": "2"},
        {**DEMANDE, "numero_unique": "061012400000000003", "nb_personnes": "1", "nb_enfants_moins_14_ans": "0"},
    ]
    r = demandes(*rows)
    assert rules(r) == [(2, "nb_enfants_moins_14_ans", "enfants_et_personnes")]
    assert r.quarantine["raison"].to_list() == [
        "plus d'enfants de moins de 14 ans que de personnes à loger hors demandeur"
    ]
    assert r.rows["_ligne"].to_list() == [3, 4]


def test_row_rule_on_dates():
    r = demandes({**DEMANDE, "date_renouvellement": "2021-01-01"})
    assert rules(r) == [(2, "date_renouvellement", "renouvellement_apres_depot")]


def test_required_value_missing_is_quarantined():
    r = demandes({**DEMANDE, "communes_souhaitees": ""})
    assert rules(r) == [(2, "communes_souhaitees", "obligatoire")]


def test_several_broken_columns_give_one_quarantine_row_each():
    r = demandes({**DEMANDE, "canal": "WEB", "handicap": "peut-être"})
    assert sorted(rules(r)) == [(2, "canal", "code_inconnu"), (2, "handicap", "oui_non")]


# --- duplicates ---------------------------------------------------------------------------------


def test_identical_duplicate_rows_keep_one_copy():
    r = demandes(DEMANDE, {**DEMANDE, "numero_unique": NUMERO_2}, DEMANDE)
    assert r.quarantine.height == 0
    assert r.identical_duplicates == 1
    assert r.rows["_ligne"].to_list() == [2, 3]
    assert r.rows_read == 3


def test_duplicate_written_differently_but_equal_once_decoded_is_identical():
    same = {
        **DEMANDE,
        "numero_unique": f"  {NUMERO.lower()}  ",
        "date_depot": "15/03/2022",
        "revenu_mensuel": "1234,5",
        "nom": "MARTIN",
    }
    r = demandes(DEMANDE, same)
    assert r.identical_duplicates == 1
    assert r.rows.height == 1 and r.quarantine.height == 0


def test_conflicting_duplicates_are_all_quarantined():
    rows = [
        DEMANDE,
        {**DEMANDE, "numero_unique": NUMERO_2},
        {**DEMANDE, "revenu_mensuel": "900"},
        DEMANDE,
    ]
    r = demandes(*rows)
    assert rules(r) == [
        (2, "numero_unique", "doublon_conflictuel"),
        (4, "numero_unique", "doublon_conflictuel"),
        (5, "numero_unique", "doublon_conflictuel"),
    ]
    assert "lignes 2, 4, 5" in r.quarantine["raison"][0]
    assert r.rows["_ligne"].to_list() == [3]
    assert r.identical_duplicates == 0


def test_duplicates_differing_only_by_list_order_conflict():
    # The order of the communes wished is meaningful (first = 1st choice).
    r = demandes(DEMANDE, {**DEMANDE, "communes_souhaitees": "06155|06004"})
    assert [x[2] for x in rules(r)] == ["doublon_conflictuel", "doublon_conflictuel"]
    assert r.rows.height == 0


def test_radiation_key_is_the_demand_and_the_date():
    second = {**RADIATION, "date_radiation": "2025-02-21", "motif_radiation": "RADABA"}
    r = radiations(RADIATION, second)
    assert r.quarantine.height == 0 and r.rows.height == 2
    conflict = radiations(RADIATION, {**RADIATION, "qpv": "NON"})
    assert [x[2] for x in rules(conflict)] == ["doublon_conflictuel"] * 2
    assert conflict.quarantine["colonne"].to_list() == ["numero_unique, date_radiation"] * 2


# --- personal data ------------------------------------------------------------------------------


def test_quarantine_values_hold_the_pseudonym_never_the_personal_fields():
    rows = [
        {**DEMANDE, "revenu_mensuel": "abc"},
        {**DEMANDE, "numero_unique": NUMERO_2, "date_naissance": "31/02/1980"},
    ]
    r = demandes(*rows)
    assert [x[1] for x in rules(r)] == ["revenu_mensuel", "date_naissance"]
    for q, numero in zip(r.quarantine.iter_rows(named=True), [NUMERO, NUMERO_2], strict=True):
        valeurs = json.loads(q["valeurs"])
        assert valeurs["id_demande"] == hmac_python(KEY, numero)
        assert not FORBIDDEN & set(valeurs)
        assert valeurs["guichet"] == "Mairie d'Antibes"
        text = json.dumps(q, ensure_ascii=False, default=str)
        for secret in (numero, "Martin", "Jeanne", "1980-06-15", "31/02/1980"):
            assert secret not in text
    assert json.loads(r.quarantine["valeurs"][0])["revenu_mensuel"] == "abc"


def test_conflicting_duplicates_show_the_pseudonym_not_the_numero():
    r = demandes(DEMANDE, {**DEMANDE, "revenu_mensuel": "900"})
    for q in r.quarantine.iter_rows(named=True):
        assert json.loads(q["valeurs"])["id_demande"] == hmac_python(KEY, NUMERO)
        assert NUMERO not in json.dumps(q, default=str)


def test_invalid_numero_is_quarantined_without_a_pseudonym_nor_the_value():
    r = demandes({**DEMANDE, "numero_unique": "0610124XYZ"})
    assert rules(r) == [(2, "numero_unique", "format")]
    q = r.quarantine.row(0, named=True)
    assert "0610124XYZ" not in json.dumps(q)
    assert json.loads(q["valeurs"])["id_demande"] is None


def test_id_demande_is_the_hmac_of_the_trimmed_upper_case_numero():
    r = demandes({**DEMANDE, "numero_unique": " 06101240000000000a  "})
    expected = hmac_python(KEY, "06101240000000000A")
    assert expected == hmac_python(KEY, " 06101240000000000a  ")
    assert len(expected) == 64 and expected == expected.lower()
    assert r.rows["id_demande"].to_list() == [expected]


def test_another_key_gives_other_ids():
    other = Key(bytes.fromhex("b2" * 32), "test")
    assert hmac_python(other, NUMERO) != hmac_python(KEY, NUMERO)
    assert Pseudonymizer(other)(pl.Series([NUMERO])).to_list() == [hmac_python(other, NUMERO)]


@pytest.mark.parametrize(
    "born, age",
    [
        ("1990-02-01", 34),  # birthday the day after the extraction (31/01/2025)
        ("1990-01-31", 35),  # birthday on the extraction day
        ("31/01/1990", 35),
        ("1990-12-31", 34),
        ("1990", 35),  # a year alone: the age reached during the extraction's year
        ("2025", 0),
    ],
)
def test_birth_date_becomes_an_age_at_the_file_date(born, age):
    r = demandes({**DEMANDE, "date_naissance": born, "date_depot": "2025-01-15", "date_renouvellement": ""})
    assert r.quarantine.height == 0
    assert r.rows["age"].to_list() == [age]


def test_age_is_taken_at_the_file_date_not_today():
    row = {**DEMANDE, "date_naissance": "1990-02-01"}
    assert demandes(row, name="sne_demandes_20250131.csv").rows["age"].to_list() == [34]
    assert demandes(row, name="sne_demandes_20250228.csv").rows["age"].to_list() == [35]


def test_birth_date_after_the_deposit_is_quarantined():
    r = demandes({**DEMANDE, "date_naissance": "2023-01-01"})
    assert rules(r) == [(2, "date_naissance", "naissance_avant_depot")]


def test_unnamed_trailing_column_is_ignored_with_a_readable_warning():
    header = list(DEMANDE)
    data = (";".join(header) + ";\n" + ";".join(DEMANDE.values()) + ";\n").encode()
    r = read_file(data)
    assert r.quarantine.height == 0 and r.rows.height == 1
    assert r.warnings == [f"colonnes inconnues ignorées : (sans nom, n° {len(header) + 1})"]


def test_damaged_values_are_found_in_each_file_read_together_and_only_there():
    """A control character or an overlong value is looked for only in the lines that may hold one (the
    files holding a control byte, the lines with a long text): each file read together keeps its own."""
    from assets.ingest.reader import read_batch

    second = {**DEMANDE, "numero_unique": NUMERO_2}
    files = {
        "sne_demandes_20250131.csv": [DEMANDE, {**second, "nom": "Mar\x07tin", "guichet": "CC\x1fAS"}],
        "sne_demandes_20250228.csv": [{**DEMANDE, "guichet": "é" * 1000}, {**second, "guichet": "é" * 1001}],
    }
    batch = [(csv_bytes(list(DEMANDE), rows), DEMANDES.file_info(name)) for name, rows in files.items()]
    first, other = read_batch(batch, DEMANDES, Context(None, communes_epci(), None), PSEUDONYMIZE)
    assert rules(first) == [(3, "guichet", "caractere_controle"), (3, "nom", "caractere_controle")]
    assert rules(other) == [(3, "guichet", "longueur")]  # 1,000 characters (2,000 bytes) are allowed
    assert "Mar" not in first.quarantine["raison"].str.join().item()


def test_duplicate_of_a_quarantined_row_is_not_a_conflict():
    # Decision: the key must be unique among the rows that can be loaded; the invalid copy is already
    # quarantined (and shown to the analyst), the valid one loads.
    r = demandes(DEMANDE, {**DEMANDE, "revenu_mensuel": "abc"})
    assert rules(r) == [(3, "revenu_mensuel", "nombre_decimal")]
    assert r.rows["_ligne"].to_list() == [2]


def test_small_and_large_batches_pseudonymize_alike():
    from assets.ingest import pseudonym

    key = Key(bytes(range(32)), "test")
    numeros = pl.Series([f"{i:018d}" for i in range(pseudonym.SMALL + 5)] + [None])
    large = Pseudonymizer(key)(numeros)
    small = pl.concat([Pseudonymizer(key)(numeros[i : i + 100]) for i in range(0, len(numeros), 100)])
    assert large.to_list() == small.to_list()
    assert large[3] == hmac_python(key, numeros[3]) and large[-1] is None


def test_numeros_hashed_by_earlier_calls_keep_their_pseudonyms_in_order(monkeypatch):
    """The pseudonymizer hashes only the numéros its latest calls did not hash (a month's snapshot holds
    most of the month before's), forgetting the oldest past its bound: every value, old or new, null or
    repeated, still gets its own HMAC, in order."""
    from assets.ingest import pseudonym

    monkeypatch.setattr(pseudonym, "RECENT", pseudonym.SMALL + 100)
    key = Key(bytes(range(32)), "test")
    pseudonymize = Pseudonymizer(key)
    numeros = [f"{i:018d}" for i in range(3 * pseudonym.SMALL)]
    calls = [
        numeros[: pseudonym.SMALL + 10],  # the SQL path
        [None, *numeros[pseudonym.SMALL :: -3], "NEW000000000000001", numeros[5], *numeros[-50:]],
        numeros[pseudonym.SMALL - 20 :],  # the first call's first numéros forgotten
        numeros[:30] + numeros[-30:],
    ]
    for call in calls:
        assert pseudonymize(pl.Series(call, dtype=pl.String)).to_list() == [n and hmac_python(key, n) for n in call]


@pytest.mark.parametrize("size", [16, 64, 100], ids=["short", "block", "longer_than_a_block"])
def test_python_hmac_and_the_sql_path_agree_for_any_key_length(size):
    """The SQL path rebuilds HMAC from its padded keys (a key longer than SHA-256's block is hashed
    first): it must give the standard library's hmac for every key length."""
    from assets.ingest import pseudonym

    key = Key(bytes((7 * i + 3) % 256 for i in range(size)), "test")
    numeros = pl.Series([f"{i:018d}" for i in range(pseudonym.SMALL + 1)])  # above SMALL: the SQL path
    large = Pseudonymizer(key)(numeros)
    assert large.to_list() == [hmac_python(key, n) for n in numeros]

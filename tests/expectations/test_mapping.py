"""Column mappings as data: the shipped ones load, wrong ones are refused with a French error, and the
selection of the one mapping of a file is deterministic."""

from __future__ import annotations

import textwrap

import pytest

from expectations.mapping import AmbiguousMapping, MappingError, all_mappings, load_dir, select

CAL_HEADER = ["Date CAL", "Code refus", "motif_refus_libelle"]


def write(folder, **files: str):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def load_one(tmp_path, text: str):
    [m] = load_dir(write(tmp_path / "m", essai=text))
    return m


def test_the_shipped_example_loads_with_its_codes():
    [m] = [m for m in all_mappings() if m.name == "cal_logis_des_pins"]
    assert (m.feed, m.sirens) == ("cal", frozenset({"912345675"}))
    assert m.description.startswith("Exemple fictif")
    assert m.columns["code refus"] == "motif_refus"
    assert m.codes["motif_refus"]["TROP CHER"] == "LOYER_CHARGES"
    assert m.codes["motif_refus"]["LOY"] == "LOYER_CHARGES"
    # the shipped set is coherent: no two mappings of a feed share a landlord
    assert len({(m.feed, s) for m in all_mappings() for s in m.sirens}) == sum(len(m.sirens) for m in all_mappings())


def test_headers_and_local_codes_are_normalized(tmp_path):
    m = load_one(
        tmp_path,
        """
        feed: cal
        sirens: ["912345675"]
        columns:
          "  Code Refus ": motif_refus
          DATE CAL: DATE_CAL
        codes:
          MOTIF_REFUS:
            " trop cher ": LOYER_CHARGES
    """,
    )
    assert m.columns == {"code refus": "motif_refus", "date cal": "date_cal"}
    assert m.codes == {"motif_refus": {"TROP CHER": "LOYER_CHARGES"}}
    assert m.rename(["date cal", " CODE REFUS", "autre"]) == ["date_cal", "motif_refus", "autre"]


def test_yaml_scalars_stay_strings(tmp_path):
    # PyYAML would read 01 as the integer 1, NO as False and a SIREN as an int losing its leading zero.
    m = load_one(
        tmp_path,
        """
        feed: sne_demandes
        columns: {Motif: motif_principal}
        codes:
          motif_principal: {1: 01, 2: 02}
          situation_professionnelle: {NO: AUT}
    """,
    )
    assert m.codes["motif_principal"] == {"1": "01", "2": "02"}
    assert m.codes["situation_professionnelle"] == {"NO": "AUT"}
    m = load_one(tmp_path, "feed: cal\nsirens: [012345678]\ncodes: {motif_refus: {LOY: LOYER_CHARGES}}\n")
    assert m.sirens == frozenset({"012345678"})


@pytest.mark.parametrize(
    "text, message",
    [
        ("feed: cals\nsirens: ['912345675']\ncolumns: {A: date_cal}\n", "flux inconnu « cals »"),
        (
            "feed: cal\nsirens: ['912345675']\ncolumns: {Date CAL: date_commission}\n",
            "colonne « date_commission » inconnue du contrat du flux cal",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncodes: {motif_refus: {LOY: LOYER}}\n",
            "« LOY » → « LOYER » n'est pas un code de la liste motif_refus",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncodes: {motif_refus: {LOY: loyer_charges}}\n",
            "n'est pas un code de la liste motif_refus",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncodes: {motif_refuse: {LOY: LOYER_CHARGES}}\n",
            "colonne « motif_refuse » inconnue du contrat du flux cal",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncolumns:\n"
            "  Code refus: motif_refus\n  Code refus: motif_refus_libelle\n",
            "clé « Code refus » écrite deux fois (ligne 5)",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncolumns:\n"
            "  Code refus: motif_refus\n  CODE REFUS : motif_refus_libelle\n",
            "en-tête source « CODE REFUS » déclaré deux fois",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncolumns:\n  Code refus: motif_refus\n  Motif: motif_refus\n",
            "« Code refus » et « Motif » désignent tous deux la colonne motif_refus",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncodes: {motif_refus: {LOY: LOYER_CHARGES, ' loy': LOYER_CHARGES}}\n",
            "code local «  loy » déclaré deux fois",
        ),
        (
            "feed: cal\nsirens: ['912345675']\ncodes: {motif_decision: {X: AUTRE}}\n",
            "la colonne motif_decision n'est pas une colonne de codes",
        ),
        ("feed: cal\nsiren: ['912345675']\ncolumns: {Code refus: motif_refus}\n", "clés inconnues : siren"),
        ("feed: cal\nsirens: ['91234567']\ncolumns: {Code refus: motif_refus}\n", "SIREN invalide '91234567'"),
        (
            "feed: sne_demandes\nsirens: ['912345675']\ncolumns: {Motif: motif_principal}\n",
            "les noms de fichiers du flux sne_demandes ne portent pas de SIREN",
        ),
        (
            "feed: cal\ncolumns: {DATE_CAL: date_cal}\ncodes: {motif_refus: {LOY: LOYER_CHARGES}}\n",
            "doit renommer au moins un en-tête source qui n'est pas déjà une colonne du contrat",
        ),
        ("feed: cal\nsirens: ['912345675']\n", "ni « columns » ni « codes »"),
        (
            "feed: positionnements\ncolumns: {Motifs: motifs_positionnement}\n"
            "codes: {motifs_positionnement: {'A|B': DALO}}\n",
            "ne peut contenir « | »",
        ),
        ("feed: cal\nsirens: ['912345675']\ncolumns: [date_cal]\n", "columns : une table « clé: valeur » est attendue"),
        ("feed: cal\n  sirens: [\n", "fichier YAML illisible"),
    ],
)
def test_a_wrong_mapping_is_refused_in_french(tmp_path, text, message):
    with pytest.raises(MappingError) as e:
        load_dir(write(tmp_path / "m", essai=text))
    assert str(e.value).startswith("correspondance essai.yml : ")
    assert message in str(e.value)


def test_two_mappings_for_the_same_landlord_are_refused(tmp_path):
    folder = write(
        tmp_path / "m",
        a="feed: cal\nsirens: ['912345675', '900000001']\ncodes: {motif_refus: {LOY: LOYER_CHARGES}}\n",
        b="feed: cal\nsirens: ['900000001']\ncolumns: {Code refus: motif_refus}\n",
    )
    with pytest.raises(AmbiguousMapping, match="« a » et « b » : toutes deux pour le bailleur 900000001 du flux cal"):
        load_dir(folder)
    # the same landlord in two feeds is no conflict
    (folder / "b.yml").write_text("feed: mouvements\nsirens: ['900000001']\ncolumns: {Logement: IDENT_REP}\n")
    assert [m.name for m in load_dir(folder)] == ["a", "b"]


def test_nested_header_signatures_are_refused(tmp_path):
    folder = write(
        tmp_path / "m",
        a="feed: cal\ncolumns: {Code refus: motif_refus}\n",
        b="feed: cal\ncolumns: {Code refus: motif_refus, Date CAL: date_cal}\n",
    )
    with pytest.raises(AmbiguousMapping, match="porte aussi ceux de « a »"):
        load_dir(folder)
    (folder / "b.yml").write_text("feed: cal\ncolumns: {Date CAL: date_cal}\n")
    assert len(load_dir(folder)) == 2


def test_selection_by_landlord_then_by_header(tmp_path):
    by_siren, by_header = load_dir(
        write(
            tmp_path / "m",
            a="feed: cal\nsirens: ['912345675']\ncodes: {motif_refus: {LOY: LOYER_CHARGES}}\n",
            b="feed: cal\ncolumns: {Code refus: motif_refus, Date CAL: date_cal}\n",
        )
    )
    mappings = [by_siren, by_header]
    assert select(mappings, "cal", "912345675", ["date_cal", "motif_refus"]) is by_siren
    assert select(mappings, "cal", "900000001", ["date_cal", "motif_refus"]) is None
    # a header-selected mapping needs all its source headers, whatever the case and surrounding spaces
    assert select(mappings, "cal", "900000001", [" date cal", "CODE REFUS"]) is by_header
    assert select(mappings, "cal", "900000001", ["Date CAL", "motif_refus"]) is None
    assert select(mappings, "positionnements", None, CAL_HEADER + ["Code refus"]) is None
    with pytest.raises(AmbiguousMapping, match="plusieurs correspondances s'appliquent à ce fichier .« a » et « b »"):
        select(mappings, "cal", "912345675", ["Date CAL", "Code refus"])

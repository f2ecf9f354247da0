"""The partners' contract documentation, generated from the contract files (docs/contrats.md).

Run `python -m expectations.contract_doc > docs/contrats.md`; a test checks the committed file is current.
"""

from __future__ import annotations

from expectations.contract import Column, Contract, all_contracts, codes

TYPE_LABELS = {
    "text": "texte",
    "siren": "SIREN (9 chiffres)",
    "insee": "code commune INSEE",
    "ident_rep": "identifiant RPLS (10 caractères)",
    "numero_unique": "numéro unique SNE (18 caractères)",
    "date": "date",
    "date_or_year": "date ou année",
    "month": "mois MM/AAAA",
    "year": "année AAAA",
    "int": "entier",
    "decimal": "décimal (virgule)",
    "bool": "OUI/NON",
    "code": "code",
    "list": "liste (séparateur |)",
}
MERGE_LABELS = {
    "replace_period": "un fichier remplace les lignes de sa période (date d'extraction ou année) et, si son nom "
    "porte un SIREN, de ce bailleur",
    "replace_key": "une ligne d'un fichier plus récent remplace la ligne de même clé",
    "unique_events": "la clé est unique entre fichiers : une ligne identique reçue plus tard est ignorée, une "
    "ligne différente est mise en quarantaine (conflit)",
}
PERSONAL_LABELS = {
    "pseudonym": "pseudonymisé en `id_demande`",
    "drop": "supprimé à la lecture",
    "age": "remplacé par l'âge à la date du fichier",
}


def _requirement(c: Column) -> str:
    if c.required:
        return "oui"
    if c.required_if:
        return f"si `{c.required_if}`"
    if c.in_header:
        return "colonne obligatoire, valeur facultative"
    return "non"


def number_fr(x: float) -> str:
    """A bound as the analyst reads it: 100 000, 2,5."""
    return f"{x:,.0f}".replace(",", "\u202f") if x == int(x) else f"{x:g}".replace(".", ",")


def _type(c: Column) -> str:
    label = TYPE_LABELS[c.type]
    if c.codes:
        label += f" [`{c.codes}`](#liste-{c.codes})"
    if c.ref == "communes_epci":
        label += ", commune de la CASA"
    if c.ref == "bailleurs":
        label += ", bailleur du référentiel"
    if c.min is not None or c.max is not None:
        label += f", de {'' if c.min is None else f'{c.min:g}'} à {'' if c.max is None else f'{c.max:g}'}".replace(
            "de  à", "jusqu'à"
        )
    if c.wildcard:
        label += f" ou `{c.wildcard}`"
    if c.plausible_min is not None or c.plausible_max is not None:
        bounds = [
            f"sous {number_fr(c.plausible_min)}" if c.plausible_min is not None else "",
            f"au-delà de {number_fr(c.plausible_max)}" if c.plausible_max is not None else "",
        ]
        label += f" ; invraisemblable {' ou '.join(b for b in bounds if b)} (chargé, avec un avertissement)"
    return label


def _feed(c: Contract) -> list[str]:
    out = [
        f"## {c.feed} — {c.title}",
        "",
        f"- fichier : `{c.file_pattern}`",
        f"- clé : {', '.join(f'`{k}`' for k in c.keys)}"
        + (" (avec le SIREN du bailleur)" if c.landlord_from_file else ""),
        f"- cadence : {c.cadence}"
        + (" (un fichier sans aucune ligne chargée est signalé comme mois vide)" if c.monthly else ""),
        f"- fusion : {MERGE_LABELS[c.merge]}",
        f"- données personnelles : {'oui (archive soumise à la durée de conservation)' if c.personal else 'non'}",
        "",
        "| colonne | type | obligatoire | description |",
        "|---|---|---|---|",
    ]
    for col in c.columns:
        desc = col.doc
        if col.personal:
            desc = (desc + " — " if desc else "") + PERSONAL_LABELS[col.personal]
        if col.not_after_file_date:
            desc = (desc + " — " if desc else "") + "pas postérieure à la date du fichier"
        out.append(f"| `{col.name}` | {_type(col)} | {_requirement(col)} | {desc} |")
    if c.rules:
        out += ["", "Règles de ligne (une ligne qui ne les respecte pas va en quarantaine avec ce motif) :", ""]
        out += [f"- `{r.name}` : {r.reason} (`{r.sql.strip()}`)" for r in c.rules]
    return out + [""]


def render() -> str:
    lines = [
        "# Contrats des flux (document généré)",
        "",
        "Généré depuis `expectations/contracts/*.yml` par `python -m expectations.contract_doc` : "
        "ne pas modifier à la main. Dialecte commun : voir le README (séparateur `;`, UTF-8 ou "
        "Windows-1252, dates `JJ/MM/AAAA` ou `AAAA-MM-JJ`, virgule décimale, listes `|`, `OUI`/`NON`).",
        "",
    ]
    for c in all_contracts():
        lines += _feed(c)
    lines += ["# Listes de codes", ""]
    for name, items in codes().items():
        lines += [f"## Liste {name}", f'<a id="liste-{name}"></a>', "", "| code | libellé |", "|---|---|"]
        lines += [f"| `{k}` | {v} |" for k, v in items.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")

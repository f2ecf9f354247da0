-- Placeholder with the long table's columns: the indicators of this family are being built.
{{ indicateurs_vides() }}

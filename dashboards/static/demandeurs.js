// The applicants' page: filled by its own template (see demandeurs.html.j2).

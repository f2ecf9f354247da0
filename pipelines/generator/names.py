"""Fictitious names and wordings. Every string here must encode in Windows-1252 (checked by the tests)."""

from __future__ import annotations

# Landlords: (name, type, share of the stock, sends events, CAL perimeter, file dialect).
# Every name says "(fictif)" so that none can be mistaken for a real organisation.
LANDLORDS = (
    ("Office Azur Collines Habitat (fictif)", "OPH", 0.280, True, "TOUS", "iso"),
    ("Office Habitat Loup et Brague (fictif)", "OPH", 0.100, True, "TOUS", "fr_cp1252"),
    ("Habitat des Collines Azur (fictif)", "ESH", 0.090, True, "TOUS", "iso"),
    ("Logis des Oliviers de Provence (fictif)", "ESH", 0.070, True, "CANDIDATS_CASA", "fr_bom"),
    ("Résidences du Mimosa Doré (fictif)", "ESH", 0.060, True, "TOUS", "fr_cp1252"),
    ("Foyer Riviera Imaginaire (fictif)", "ESH", 0.060, True, "TOUS", "iso"),
    ("Toit des Baous Fictifs (fictif)", "ESH", 0.050, False, "TOUS", "iso"),
    ("Habitat Lavande et Cyprès (fictif)", "ESH", 0.050, True, "TOUS", "iso_point"),
    ("Société Immobilière de la Siagne Rêvée (fictif)", "ESH", 0.040, True, "CANDIDATS_CASA", "iso"),
    ("Les Terrasses du Caramy (fictif)", "ESH", 0.040, True, "TOUS", "fr_cp1252"),
    ("Azur Pins Parasols Logement (fictif)", "ESH", 0.030, False, "AUCUN", "iso"),
    ("Logement Solidaire des Préalpes (fictif)", "ESH", 0.030, True, "CANDIDATS_CASA", "iso"),
    ("Habitat Cœur de Garrigue (fictif)", "ESH", 0.030, True, "TOUS", "iso"),
    ("Provence Rivage Habitat (fictif)", "ESH", 0.020, False, "TOUS", "iso"),
    ("SEM d’Aménagement du Plateau Fictif (fictif)", "SEM", 0.020, True, "CANDIDATS_CASA", "fr_cp1252"),
    ("SEM Habitat Brague-Valmasque (fictif)", "SEM", 0.015, True, "TOUS", "iso"),
    ("Société d’Économie Mixte Logis Côte Imaginaire (fictif)", "SEM", 0.015, False, "AUCUN", "iso"),
)
# The landlord absorbed mid-window (index into LANDLORDS) and its successor.
MERGER = (12, 2)
# Landlords' activity start on the territory (index -> ISO date), where known.
DATE_DEBUT = {0: "1962-04-01", 1: "1971-09-15", 2: "1985-01-01", 7: "1999-06-01", 14: "2003-03-01"}
# Internal-id prefixes (IDENT_INT), one per landlord.
INTERNAL_PREFIX = (
    "OACH", "OHLB", "HCA", "LOP", "RMD", "FRI", "TBF", "HLC", "SISR", "LTC", "APPL", "LSP", "HCG", "PRH",
    "SEMAP", "SEMBV", "SEMLC",
)

PRENOMS = (
    "Chloé", "Léa", "Zoé", "Noémie", "Hélène", "Gaëlle", "Maëlys", "Anaïs", "Inès", "Léna", "Amélie",
    "Célia", "Émilie", "Aïcha", "Fatoumata", "Yasmine", "Sarah", "Julie", "Camille", "Manon", "Marie",
    "Françoise", "Josiane", "Lætitia", "Benoît", "Jérôme", "François", "Loïc", "Gaël", "Théo",
    "Raphaël", "Noël", "Aurélien", "Clément", "Joël", "Cédric", "Stéphane", "Frédéric", "Sébastien",
    "Régis", "Mathéo", "Karim", "Mehdi", "Youssef", "Mamadou", "Lucas", "Hugo", "Nicolas", "Thomas",
    "Pierre", "Jean-Luc", "Hervé", "André", "José", "Ángel", "Tomás", "Zoë", "Björn", "Œnone",
)
NOMS = (
    "Martin", "Bernard", "Dubois", "Lefèvre", "Girard", "Bonnet", "Mercier", "Lemaître", "Bérenger",
    "Pélissier", "Cœuret", "Giraud", "Rossi", "Bianchi", "Benali", "Haddad", "Nguyen", "Da Silva",
    "Ferreira", "Mendès", "Bouvier-Mérel", "D’Angelo", "L’Hôte", "Bœuf", "Gréco", "Pérez", "Müller",
    "Fabre", "Roux", "Blanc", "Guérin", "Faure", "Rémy", "Chevalier", "Garnier", "Barbier", "Aubert",
    "Ménard", "Lacroix", "Rolland", "Bréhier", "Colin", "Vidal", "Caron", "Mallet", "Leroy-Dupré",
    "Benoît", "Gauthier", "Perrin", "Sánchez", "Diallo", "Traoré", "Kouassi", "Ibrahim", "Saïdi",
    "Øster", "Brun", "Arnaud", "Olivier", "Hébert",
)

# Counters where demands are registered, by channel (the first word is the contract's canal code).
GUICHETS_PORTAIL = ("Portail grand public de la demande de logement social",)
GUICHETS_AUTRE = ("Association d’insertion Les Lucioles (fictive)", "Service intégré d’accueil et d’orientation")
# Counters at communes and at the CASA: built from the communes seed's names.
GUICHET_MAIRIE = "Mairie {de} – service logement"
GUICHET_CCAS = "CCAS {de}"
GUICHET_CASA = "Maison de l’habitat de la CASA"
GUICHET_BAILLEUR = "{bailleur} – agence {de}"

# A landlord's own wording of a refusal (motif_refus_libelle), by contract motive.
LIBELLES_REFUS = {
    "TYPOLOGIE": ("Logement trop petit pour la famille", "Pièces trop exiguës", "Souhaite un T3, pas un T2"),
    "LOCALISATION": ("Trop éloigné du lieu de travail", "Quartier non souhaité ; trop loin de l’école",
                     "Souhaite rester à Antibes"),
    "LOYER_CHARGES": ("Loyer + charges trop élevés", "Reste à vivre insuffisant (450 € par mois)",
                      "Charges de chauffage jugées excessives"),
    "ETAGE_ACCESSIBILITE": ("4e étage sans ascenseur", "Accès difficile : marches à l’entrée",
                            "Rez-de-chaussée refusé"),
    "ETAT_LOGEMENT": ("État du logement jugé dégradé", "Humidité dans la salle d’eau", "Cuisine non équipée"),
    "ENVIRONNEMENT": ("Nuisances sonores (route départementale)", "Voisinage : crainte pour la sécurité",
                      "Pas de transports en commun"),
    "DELAI": ("Préavis trop court", "Date d’entrée trop tardive"),
    "SITUATION_CHANGEE": ("A trouvé un logement dans le privé", "Mutation professionnelle hors du département",
                          "Séparation en cours"),
    "AUTRE": ("Sans motif précisé", "Souhaite attendre un logement en cœur de ville", "Raisons personnelles"),
}

# Programme names (nom_programme), completed with the commune's name.
PROGRAMMES = (
    "Résidence Les Œillets", "Le Clos des Mimosas", "Les Jardins d’Azur", "Villa Pastorale",
    "Les Hauts de la Brague", "Le Domaine des Oliviers", "Les Terrasses du Loup", "Cœur de Village",
    "L’Orée du Parc", "Les Restanques", "Le Hameau des Cigales", "Les Balcons de la Mer",
    "Résidence Sainte-Hélène (fictive)", "Les Lauriers-Roses", "Le Patio Fleuri", "Les Cyprès Bleus",
)

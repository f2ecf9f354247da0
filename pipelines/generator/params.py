"""The simulation's own magnitudes and probabilities (scale 1 = the CASA).

Orders of magnitude come from ``shared/reference/codes.md`` (CASA 2017: 10,372 active demands,
17 landlords, about 8,600 dwellings; RPLS 2019: vacancy 2.9 %, rotation 9.3 %; Île-de-France:
21.6 % waiting 5 years or more; Strasbourg: 46 % of applicants refused at least one offer).
Codes are named here only as keys of weight tables, checked against the contract
(:func:`pipelines.generator.codelists.weights`).
"""

from __future__ import annotations

import datetime as dt

# --- sizes at scale 1 -------------------------------------------------------------------------
# Dwellings in service at the start of the simulation (one year before the window): deliveries
# bring the stock to ~8,600 at 1 January of the window's first year.
DWELLINGS_START = 8_520
# Active demands aimed at in the steady state.
ACTIVE_DEMANDS = 10_400
# Months simulated before the window (not written) so that pipelines and flows are in motion.
WARMUP_MONTHS = 12

# --- demand dynamics ---------------------------------------------------------------------------
# Two behaviours: "ordinary" demands renew with probability 0.68 at each anniversary, "persistent"
# ones with 0.90; both also leave by abandonment / no contact / inadmissibility (monthly hazards).
PERSISTENT_SHARE_INFLOW = 0.20
RENEW_P = (0.68, 0.90)
EXIT_HAZARD_YEAR = (0.06, 0.03)  # RADABA + RADCON + RADIRR, per year, by behaviour
EXIT_SPLIT = {"RADABA": 0.55, "RADCON": 0.30, "RADIRR": 0.15}
# Expected yearly attribution hazard of an active demand (≈ attributions / active demands), used
# only to draw the initial stock's seniority; the simulated attributions then take over.
ATTRIBUTION_HAZARD_YEAR = 0.070
# Deposits follow the register's size softly: × (target / active) ** DEPOSIT_FEEDBACK, so that the
# register stays near its target whatever the other parameters (the flows stay those of a steady state).
DEPOSIT_FEEDBACK = 3.0
# The hazards above, read as a steady state, overestimate the outflow (renewals are forced while a
# demand is in a letting round, the attribution hazard is uneven): the base inflow is scaled by this
# factor, measured on scale-1 runs.
INFLOW_CALIBRATION = 0.86
# A radiation for non-renewal comes one month after the expiry of the demand's validity.
RADREN_DELAY_DAYS = 31
# Share of radiations cancelled later (SNE "déradiation"), by motif.
DERADIATION_P = {"RADREN": 0.04, "RADCON": 0.06, "RADABA": 0.02}
DERADIATION_DELAY_DAYS = (5, 45)
# Oldest deposit kept in the initial stock (years).
MAX_SENIORITY_YEARS = 16

# --- applicants --------------------------------------------------------------------------------
HOUSEHOLD_SIZE = {1: 0.42, 2: 0.24, 3: 0.15, 4: 0.11, 5: 0.05, 6: 0.02, 7: 0.01}
COUPLE_P = {1: 0.0, 2: 0.50, 3: 0.58, 4: 0.65, 5: 0.68, 6: 0.70, 7: 0.70}
CHILD_UNDER_14_P = 0.72
# Monthly resources per consumption unit: log-normal (median, sigma) plus a share with no resources.
INCOME_PER_UC_MEDIAN = 1_460.0
INCOME_SIGMA = 0.55
INCOME_ZERO_P = 0.03
RFR_KNOWN_P = 0.70
AGE_BANDS = ((18, 25, 0.10), (25, 40, 0.38), (40, 55, 0.28), (55, 65, 0.12), (65, 90, 0.12))
BIRTH_YEAR_ONLY_P = 0.03
# Smallest type wished by household size (ListeTypeLogement).
TYPO_MIN = {
    1: {"C": 0.04, "T1": 0.34, "T2": 0.62},
    2: {"T2": 0.72, "T3": 0.28},
    3: {"T2": 0.10, "T3": 0.75, "T4": 0.15},
    4: {"T3": 0.35, "T4": 0.65},
    5: {"T4": 0.60, "T5": 0.40},
    6: {"T5": 0.60, "T6P": 0.40},
    7: {"T5": 0.40, "T6P": 0.60},
}
TYPO_SPAN = (0.45, 0.45, 0.10)  # how many more types above the smallest: 0, 1, 2
TYPO_DESCENDING_P = 0.15
NB_CHOICES = (0.35, 0.25, 0.20, 0.12, 0.08)  # 1..5 communes wished
FIRST_CHOICE_OUTSIDE_P = 0.04
OTHER_CHOICE_OUTSIDE_P = 0.10
# Communes outside the EPCI that applicants also wish (INSEE codes of neighbouring communes) and
# their weights: format-checked only by the contract.
OUTSIDE_COMMUNES = {
    "06088": 3.0,  # Nice
    "06029": 2.0,  # Cannes
    "06027": 2.0,  # Cagnes-sur-Mer
    "06069": 1.5,  # Grasse
    "06030": 1.0,  # Le Cannet
    "06085": 1.0,  # Mougins
    "06157": 0.8,  # Vence
    "06084": 0.6,  # Mouans-Sartoux
    "06123": 0.6,  # Saint-Laurent-du-Var
}
# Commune of residence: the first choice, another EPCI commune, or outside.
RESIDENCE_IS_FIRST_CHOICE_P = 0.62
RESIDENCE_OUTSIDE_P = 0.15
WORKPLACE_KNOWN_P = 0.80  # for applicants in work
# Communes of Sophia Antipolis draw workers: extra weight on their workplace share.
WORKPLACE_BOOST = {"06152": 4.0, "06018": 2.0, "06004": 1.2}

CANAL = {"PORTAIL": 0.45, "GUICHET": 0.35, "BAILLEUR": 0.15, "AUTRE": 0.05}
SITUATION_FAMILIALE_SINGLE = {"C": 0.55, "D": 0.20, "S": 0.15, "V": 0.10}
SITUATION_FAMILIALE_COUPLE = {"M": 0.45, "P": 0.20, "U": 0.35}
SITUATION_FAMILIALE_UNKNOWN_P = 0.03
SITUATION_PROFESSIONNELLE = {
    "CDI": 0.38,
    "CDD": 0.15,
    "ART": 0.04,
    "CHO": 0.17,
    "APP": 0.01,
    "ETU": 0.03,
    "RET": 0.12,
    "AUT": 0.10,
}
SITUATION_PROFESSIONNELLE_UNKNOWN_P = 0.05
LOGEMENT_ACTUEL = {
    "HLM": 0.185,
    "LP": 0.315,
    "CPE": 0.170,
    "CP": 0.060,
    "SH": 0.030,
    "RS": 0.030,
    "SLHT": 0.030,
    "LTG": 0.040,
    "HOT": 0.012,
    "SD": 0.015,
    "POCC": 0.020,
    "FONC": 0.010,
    "RE": 0.010,
    "CDEFCM": 0.005,
    "CAMCAR": 0.008,
    "SQUAT": 0.004,
    "RHVS": 0.003,
}
# Housing situations counted as "without a home" (priority criteria and motive 01 likelier).
HOMELESS_LIKE = ("SH", "RS", "SLHT", "HOT", "SD", "SQUAT", "CAMCAR", "CDEFCM", "RHVS")
# Main motive (ListeMotifDemande) by housing group.
MOTIF_HLM = {
    "13": 0.30,
    "10": 0.08,
    "09": 0.12,
    "17": 0.14,
    "07": 0.08,
    "08": 0.08,
    "19": 0.06,
    "11": 0.05,
    "20": 0.03,
    "21": 0.03,
    "02": 0.02,
    "23": 0.01,
}
MOTIF_HOMELESS = {"01": 0.70, "06": 0.08, "11": 0.07, "05": 0.05, "08": 0.04, "23": 0.06}
MOTIF_OTHER = {
    "09": 0.18,
    "12": 0.16,
    "04": 0.08,
    "13": 0.10,
    "03": 0.05,
    "05": 0.03,
    "06": 0.02,
    "11": 0.08,
    "14": 0.04,
    "15": 0.02,
    "16": 0.005,
    "17": 0.03,
    "18": 0.03,
    "19": 0.06,
    "20": 0.02,
    "21": 0.04,
    "22": 0.01,
    "01": 0.03,
    "02": 0.005,
    "07": 0.02,
    "08": 0.02,
    "10": 0.01,
    "23": 0.01,
}
STATUT_DALO = {"NON": 0.870, "ACTIF": 0.040, "ACTREL": 0.005, "CADUC": 0.015}
STATUT_DALO_UNKNOWN_P = 0.07
# Declared priority criteria (publics_prioritaires), by housing group: P(at least one), then codes.
PRIORITY_P = {"homeless": 0.70, "HLM": 0.10, "LP": 0.17, "other": 0.17}
PRIORITY_CODES = {
    "homeless": {
        "HEBERGE": 0.40,
        "SANS_LOGEMENT": 0.35,
        "DEFAVORISE": 0.15,
        "VIOLENCES": 0.05,
        "REPRISE_ACTIVITE": 0.03,
        "TRAITE_PROSTITUTION": 0.01,
        "SORTANT_ACT": 0.01,
    },
    "HLM": {"SUROCCUPATION": 0.45, "HANDICAP": 0.35, "VIOLENCES": 0.10, "DEFAVORISE": 0.10},
    "LP": {
        "EXPULSION": 0.25,
        "HABITAT_INDIGNE": 0.20,
        "SUROCCUPATION": 0.25,
        "DEFAVORISE": 0.15,
        "HANDICAP": 0.10,
        "VIOLENCES": 0.05,
    },
    "other": {
        "DEFAVORISE": 0.30,
        "HEBERGE": 0.20,
        "HANDICAP": 0.20,
        "VIOLENCES": 0.12,
        "MARIAGE_FORCE": 0.02,
        "REPRISE_ACTIVITE": 0.08,
        "SUROCCUPATION": 0.08,
    },
}
PRIORITY_EXTRA_CODES = (0.72, 0.23, 0.05)  # 1, 2 or 3 criteria
HANDICAP_P = 0.08
HANDICAP_UNKNOWN_P = 0.07

# Scoring grid of the CASA (cotation), in tenths of a point.
COTATION = {
    "base_max": 200,  # 0–20 points of situation
    "per_month": 5,  # 0.5 point per month of seniority ...
    "months_cap": 120,  # ... up to 10 years
    "dalo": 400,
    "per_priority": 100,  # per declared criterion, up to two
    "homeless": 100,
    "mutation": -50,
}
# Selection: weight of a candidate ∝ exp(cotation / TAU) (points).
SELECTION_TAU = 30.0

# --- dwellings ---------------------------------------------------------------------------------
# Dwellings per commune ∝ population^1.2 for communes of 2,000 inhabitants or more; smaller ones
# of 500 or more get population / 150 dwellings; the others none.
COMMUNE_STOCK_EXPONENT = 1.2
SMALL_COMMUNE_MIN_POP = 500
SMALL_COMMUNE_POP_PER_DWELLING = 150
LARGE_COMMUNE_MIN_POP = 2_000
RESIDENCE_MEAN_SIZE = 35
NBPIECE = {1: 0.12, 2: 0.28, 3: 0.34, 4: 0.19, 5: 0.058, 6: 0.009, 7: 0.002, 8: 0.0007, 9: 0.0003}
TYPECONST_I_P = 0.08
LOCAT_YEARS = ((1955, 1977, 0.22), (1977, 1995, 0.28), (1995, 2010, 0.25), (2010, 2023, 0.25))
# Financing group of a residence built from 1977 on (before: the RPLS code of pre-1977 loans).
FINAN_GROUP = {"PLAI": 0.15, "PLUS": 0.68, "PLS": 0.13, "PLI": 0.04}
FINAN_PRE_1977 = "99"
RENT_PER_M2 = {"PLAI": 5.8, "PLUS": 6.6, "PLS": 9.4, "PLI": 12.5}
CONTRESLOG = {"1": 0.04, "2": 0.25, "3": 0.25, "4": 0.20, "5": 0.01, "6": 0.02, "7": 0.23}
CONTRESLOG_UNKNOWN_P = 0.05
PMR_P = 0.06
PMR_UNKNOWN_P = 0.04
RESIDENCE_UNKNOWN_P = 0.03  # groupe_immobilier left empty
DIFFICULT_RESIDENCE_P = 0.06  # hard-to-let residences (longer vacancy, more refusals)
PLAI_ADAPTE_P = 0.03
# QPV (codes invented for the synthetic territory: 2024 list, and the 2015 list).
QPV = {
    "06004": (("QN00601X", "QP00691X"), ("QN00602X", "QP00692X"), 0.22),
    "06155": (("QN00603X", "QP00693X"), 0.35),
    "06152": (("QN00604X", "QP00694X"), 0.18),
}
QPV_2024_LIST_START = dt.date(2024, 1, 1)
QPV_NEW_IN_2024_P = 0.10  # QPV residences absent from the 2015 list
QPV_LEFT_IN_2024_P = 0.04  # residences of a QPV commune in the 2015 list only
# Occupancy at the start of the simulation.
INITIAL_STATE = {"occupied": 0.955, "vacant": 0.030, "works": 0.006, "mode4": 0.006, "mode5": 0.003}
# Yearly departure rate of tenants (rotation), sales to tenants and works after a departure.
DEPARTURE_RATE_YEAR = 0.094
MIN_TENANCY_DAYS = 90
SALE_RATE_YEAR = 0.0015
WORKS_AFTER_DEPARTURE_P = 0.04
WORKS_DAYS = (60, 240)
DEMOLITION_AFTER_WORKS_P = 0.15
DEPART_MOTIF = {
    "DEMENAGEMENT": 0.45,
    "MUTATION_INTERNE": 0.15,
    "ACHAT": 0.08,
    "DECES": 0.10,
    "EXPULSION": 0.02,
    "AUTRE": 0.10,
}
DEPART_MOTIF_UNKNOWN_P = 0.10

# --- programmes (new dwellings) ----------------------------------------------------------------
PROGRAMMES_PER_YEAR = 5.0
PROGRAMME_SIZE = (8, 45)
PROGRAMME_FINANCING = {"PLAI": 0.30, "PLUS": 0.50, "PLS": 0.20}
PROGRAMME_PLI_P = 0.10
PROGRAMME_ANNOUNCE_DAYS = (540, 900)
PROGRAMME_DELAY_DAYS = (-20, 200)
PROGRAMME_LISTED_AFTER_DELIVERY_DAYS = 365
PROGRAMME_QPV_P = 0.20
# Réunions réservataires: the third Tuesday of these months (a programmes snapshot each time).
PROGRAMME_MEETING_MONTHS = (3, 6, 10)

# --- letting -----------------------------------------------------------------------------------
RESERVATAIRE = {"PPRIOR": 0.29, "COLTER": 0.22, "COLACT": 0.22, "AUCUN": 0.20, "PFONCT": 0.04, "AUTRES": 0.03}
# Share of lettings that go through the Commission communautaire, by réservataire.
VIA_COMMISSION = {"PPRIOR": 1.0, "COLTER": 1.0, "AUCUN": 0.25}
# réservataire_id: the CASA's SIREN on part of its own (COLTER) lettings.
COLTER_IS_CASA_P = 0.60
# Share of non-prefect lettings drawn from the priority pool (the 25 % duty of L.441-1).
PRIORITY_POOL_P = 0.08
# Legacy contingent (CONTRESLOG) of a new dwelling, from its first letting's réservataire
# (reference/codes.md, "Mapping to the SNE réservataire", read backwards).
CONTRESLOG_OF_RESERVATAIRE = {"PFONCT": "1", "PPRIOR": "2", "COLACT": "3", "COLTER": "4", "AUTRES": "6", "AUCUN": "7"}
PREP_DAYS_MEAN = 60  # between the departure and the dwelling being ready to offer
PREP_IMMEDIATE_P = 0.25  # offered during the notice period
DIFFICULT_EXTRA_DAYS = (30, 150)
COMMISSION_WEEKDAY = 3  # Thursday
COMMISSION_NTH = 2  # second Thursday of the month
CAL_AFTER_COMMISSION_DAYS = (7, 21)
CAL_AFTER_READY_DAYS = (3, 20)
DIRECT_CANDIDATES = {1: 0.06, 2: 0.06, 3: 0.88}
DALO_SINGLE_CANDIDATE_P = 0.5
AVIS_COMMISSION = {"VALIDE": 0.90, "AJOURNE": 0.06, "REFUSE": 0.04}
REPONSE_AVANT_CAL = {"MAINTIENT": 0.82, "REFUS_VISITE": 0.08, "DESISTEMENT": 0.05, "SANS_REPONSE": 0.03}
REPONSE_AVANT_CAL_UNKNOWN_P = 0.02
IRRECEVABILITE_P = 0.015
IRRECEVABILITE_SOUS_MOTIF = {"IRRRES": 0.7, "IRRSEJ": 0.3}
NON_ATTRIBUTION_P = 0.08
NON_ATTRIBUTION_Q1_OUTSIDE_QPV_P = 0.40
NON_ATTRIBUTION_Q1_IN_QPV_P = 0.04
ATTRIBUTION_CS_P = 0.08
MOTIF_NON_ATTRIBUTION = (
    "RESSOURCES_INSUFFISANTES",
    "TAUX_EFFORT_EXCESSIF",
    "INADEQUATION_TYPOLOGIE",
    "DOSSIER_INCOMPLET",
    "CANDIDAT_MIEUX_PLACE",
)
MOTIF_NON_ATTRIBUTION_Q1 = ("RESSOURCES_INSUFFISANTES", "TAUX_EFFORT_EXCESSIF")
MOTIF_IRRECEVABILITE = {"IRRRES": "RESSOURCES_SUPERIEURES_PLAFONDS", "IRRSEJ": "IRREGULARITE_SEJOUR"}
# Answers to an offer: (accept, refuse, no answer) for ordinary / hard-to-let / priority-pool offers.
ANSWER_P = {"ordinary": (0.60, 0.31, 0.09), "difficult": (0.42, 0.45, 0.13), "priority": (0.70, 0.22, 0.08)}
OFFER_DELAY_DAYS = (1, 4)
ANSWER_DAYS = (2, 12)
OFFER_DEADLINE_DAYS = 14  # "at least 10 days" (CCH)
MOTIF_REFUS = {
    "TYPOLOGIE": 0.10,
    "LOCALISATION": 0.24,
    "LOYER_CHARGES": 0.14,
    "ETAGE_ACCESSIBILITE": 0.09,
    "ETAT_LOGEMENT": 0.08,
    "ENVIRONNEMENT": 0.13,
    "DELAI": 0.05,
    "SITUATION_CHANGEE": 0.07,
    "AUTRE": 0.10,
}
MOTIF_REFUS_LIBELLE_P = 0.70
LEASE_AFTER_ACCEPT_DAYS = (7, 28)
RADATT_KEYED_SAME_DAY_P = 0.40
RADATT_KEYING_DAYS = (1, 25)
RETRY_DAYS = (3, 10)
# Attribution-time facts.
PRIORITY_RECOGNISED_P = 0.70  # DALO households (ACTIF, ACTREL) are always recognised
PRIORITY_RECOGNISED_PPRIOR_P = 0.96
PRIORITY_UNDECLARED_RECOGNISED_P = 0.02
SOURCE_PPRIOR = {"LABEL_PREFET": 0.70, "PDALHPD": 0.30}
SOURCE_OTHER = {"PDALHPD": 0.40, "DECLARATION_BAILLEUR": 0.60}
INTERNAL_MUTATION_P = 0.50
RELOGEMENT_RU_P = 0.80  # for demands whose motive is a demolition
ACCORD_COLLECTIF_PRIORITY = {"ACD": 0.10, "ACI": 0.03, "AUCUN": 0.87}
PREMIER_QUARTILE_DIVERGENCE_P = 0.02

# --- CIA commitments (engagements_cia) --------------------------------------------------------
CIA_SOURCE = "Convention intercommunale d’attribution de la CASA (fictive), signée le 14/12/2023, art. {art}"
CIA_Q1_RESERVATAIRES = ("COLTER", "COLACT", "AUCUN")
CIA_Q1 = 0.25
CIA_Q2 = 0.25
CIA_Q3 = 0.50
CIA_Q3_REVISED = 0.55  # revised rate from the window's third year on
FLUX_PART = {"PPRIOR": 0.28, "PFONCT": 0.04, "COLTER": 0.22, "COLACT": 0.24, "AUTRES": 0.02, "AUCUN": 0.20}

# --- file dialects -----------------------------------------------------------------------------
# The first SNE extracts of the window come from the old export (Windows-1252, JJ/MM/AAAA, CRLF,
# with nom/prenom); the SNE's premier_quartile flag appears from the 13th extract on.
SNE_LEGACY_EXTRACTS = 6
SNE_QUARTILE_FLAG_FROM = 13

# --- faults (--defauts) ------------------------------------------------------------------------
FAULT_RATE = 0.005

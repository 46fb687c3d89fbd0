"""A believable demo catalogue for the Lyon metropolitan area, built as data·inclusion rows and imported through
the same validation and upsert as any dump (so running it twice changes nothing).

Structures are typical of the area (Missions locales, E2C, EPIDE, France Travail for the CEJ, associations for
housing, health, mobility, language, childcare, justice…), placed in real communes of the Rhône; contact
addresses use the reserved example.org domain so that nothing is ever sent to a real organisation.
"""

from sas.communes.models import Commune

from .imports import SERVICE, STRUCTURE, import_rows

SOURCE = "sas-demo"
DATE_MAJ = "2025-10-01"

# (key, name, code INSEE, address, réseaux porteurs, [services])
# service: (key, name, type, thématiques, publics, publics_precisions, frais, modes d'accueil, zone, hours/week)
JEUNES_16_25 = "Jeunes de 16 à 25 ans"
JEUNES = ["jeunes"]
TOUS = ["tous-publics"]
P, D = ["en-presentiel"], ["a-distance"]
PD = ["en-presentiel", "a-distance"]
METROPOLE = ["69"]

CATALOGUE = [
    (
        "ml-lyon",
        "Mission locale de Lyon",
        "69383",
        "12 rue de la Part-Dieu",
        ["mission-locale"],
        [
            (
                "cej",
                "Contrat d'engagement jeune (CEJ)",
                "accompagnement",
                [
                    "trouver-un-emploi--repondre-a-des-offres-demploi",
                    "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
                    "difficultes-financieres--acquerir-une-autonomie-budgetaire",
                ],
                JEUNES,
                JEUNES_16_25,
                "gratuit",
                P,
                ["69381", "69382", "69383", "69384", "69385", "69386", "69387", "69388", "69389"],
                15,
            ),
            (
                "logement",
                "Conseil logement jeunes",
                "information",
                [
                    "logement-hebergement--louer-un-logement",
                    "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
                ],
                JEUNES,
                JEUNES_16_25,
                "gratuit",
                PD,
                ["69123"],
                None,
            ),
            (
                "sante",
                "Point santé jeunes",
                "accompagnement",
                ["sante--acces-aux-soins", "sante--sante-mentale"],
                JEUNES,
                JEUNES_16_25,
                "gratuit",
                P,
                ["69123"],
                None,
            ),
        ],
    ),
    (
        "ml-villeurbanne",
        "Mission locale de Villeurbanne",
        "69266",
        "3 avenue Henri Barbusse",
        ["mission-locale"],
        [
            (
                "cej",
                "Contrat d'engagement jeune (CEJ)",
                "accompagnement",
                [
                    "trouver-un-emploi--repondre-a-des-offres-demploi",
                    "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
                ],
                JEUNES,
                JEUNES_16_25,
                "gratuit",
                P,
                ["69266"],
                15,
            ),
            (
                "mobilite",
                "Aide au permis de conduire",
                "aide-financiere",
                ["mobilite--preparer-un-permis", "mobilite--financer-ma-mobilite"],
                JEUNES,
                "Jeunes de 18 à 25 ans suivis par la Mission locale",
                "gratuit",
                P,
                ["69266"],
                None,
            ),
        ],
    ),
    (
        "ml-venissieux",
        "Mission locale de Vénissieux",
        "69259",
        "8 boulevard Laurent Gérin",
        ["mission-locale"],
        [
            (
                "cej",
                "Contrat d'engagement jeune (CEJ)",
                "accompagnement",
                ["trouver-un-emploi--repondre-a-des-offres-demploi", "se-former--trouver-sa-formation"],
                JEUNES,
                JEUNES_16_25,
                "gratuit",
                P,
                ["69259", "69199", "69290"],
                15,
            ),
        ],
    ),
    (
        "ml-rhone-sud",
        "Mission locale Rhône Sud",
        "69091",
        "2 place Jean Jaurès",
        ["mission-locale"],
        [
            (
                "cej",
                "Contrat d'engagement jeune (CEJ)",
                "accompagnement",
                [
                    "trouver-un-emploi--repondre-a-des-offres-demploi",
                    "mobilite--etre-accompagne-dans-son-parcours-mobilite",
                ],
                JEUNES,
                JEUNES_16_25,
                "gratuit",
                P,
                ["69091", "69149"],
                15,
            ),
        ],
    ),
    (
        "e2c",
        "École de la deuxième chance Lyon Métropole",
        "69388",
        "40 rue Professeur Rochaix",
        ["ecoles-de-la-deuxieme-chance"],
        [
            (
                "parcours",
                "Parcours E2C : remise à niveau et stages en entreprise",
                "formation",
                [
                    "se-former--trouver-sa-formation",
                    "lecture-ecriture-calcul--maitriser-le-francais",
                    "lecture-ecriture-calcul--maitriser-le-calcul",
                    "choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite",
                ],
                JEUNES,
                "Jeunes de 16 à 25 ans sortis du système scolaire sans diplôme",
                "gratuit",
                P,
                METROPOLE,
                35,
            ),
        ],
    ),
    (
        "epide",
        "EPIDE de Meyzieu",
        "69282",
        "Chemin de la Sablière",
        ["epide"],
        [
            (
                "internat",
                "Parcours EPIDE en internat",
                "accompagnement",
                [
                    "remobilisation--bien-etre-confiance-en-soi",
                    "se-former--trouver-sa-formation",
                    "mobilite--preparer-un-permis",
                    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
                ],
                JEUNES,
                "Jeunes de 17 à 25 ans, volontaires",
                "gratuit",
                P,
                ["france"],
                35,
            ),
        ],
    ),
    (
        "france-travail",
        "France Travail Lyon Part-Dieu",
        "69383",
        "25 rue Servient",
        ["france-travail"],
        [
            (
                "cej",
                "CEJ avec France Travail",
                "accompagnement",
                [
                    "trouver-un-emploi--repondre-a-des-offres-demploi",
                    "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation",
                ],
                JEUNES,
                "Jeunes de moins de 26 ans",
                "gratuit",
                PD,
                METROPOLE,
                15,
            ),
        ],
    ),
    (
        "fjt-villeurbanne",
        "Foyer de jeunes travailleurs de Villeurbanne",
        "69266",
        "15 rue Francis de Pressensé",
        [],
        [
            (
                "hebergement",
                "Logement temporaire en foyer de jeunes travailleurs",
                "aide-materielle",
                [
                    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
                    "logement-hebergement--louer-un-logement",
                ],
                JEUNES,
                "Jeunes de 16 à 30 ans en emploi, formation ou insertion",
                "payant",
                P,
                METROPOLE,
                None,
            ),
        ],
    ),
    (
        "logement-jeunes",
        "Association Clé pour un toit",
        "69388",
        "6 rue Saint-Maurice",
        [],
        [
            (
                "acces",
                "Accès au premier logement",
                "accompagnement",
                [
                    "logement-hebergement--louer-un-logement",
                    "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
                    "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
                ],
                JEUNES,
                "Jeunes de 18 à 30 ans",
                "gratuit",
                PD,
                METROPOLE,
                None,
            ),
        ],
    ),
    (
        "urgence",
        "Accueil de jour jeunes Lyon 7e",
        "69387",
        "20 rue de Marseille",
        [],
        [
            (
                "mise-a-labri",
                "Mise à l'abri et accueil de jour",
                "aide-materielle",
                [
                    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
                    "equipement-et-alimentation--alimentation",
                ],
                ["jeunes", "personnes-en-situation-durgence"],
                "Jeunes de 18 à 25 ans sans solution d'hébergement",
                "gratuit",
                P,
                METROPOLE,
                None,
            ),
        ],
    ),
    (
        "mda",
        "Maison des adolescents du Rhône",
        "69382",
        "7 place des Archives",
        [],
        [
            (
                "ecoute",
                "Écoute et soutien psychologique",
                "accompagnement",
                ["sante--sante-mentale", "remobilisation--bien-etre-confiance-en-soi"],
                JEUNES,
                "Jeunes de 11 à 21 ans et leurs familles",
                "gratuit",
                PD,
                ["69"],
                None,
            ),
        ],
    ),
    (
        "paej",
        "Point accueil écoute jeunes de Vaulx-en-Velin",
        "69256",
        "1 place de la Nation",
        [],
        [
            (
                "ecoute",
                "Écoute, addictions et santé",
                "accompagnement",
                ["sante--sante-mentale", "sante--addictions", "sante--sante-sexuelle"],
                JEUNES,
                "Jeunes de 12 à 25 ans",
                "gratuit",
                P,
                ["69256", "69266", "69029", "69275"],
                None,
            ),
        ],
    ),
    (
        "fil-sante",
        "Ligne d'écoute santé jeunes",
        "69386",
        "Service téléphonique",
        [],
        [
            (
                "telephone",
                "Écoute santé anonyme par téléphone et en ligne",
                "information",
                ["sante--sante-sexuelle", "sante--sante-mentale", "sante--addictions"],
                JEUNES,
                "Jeunes de 12 à 25 ans",
                "gratuit",
                D,
                ["france"],
                None,
            ),
        ],
    ),
    (
        "mobilite",
        "Plateforme mobilité Rhône",
        "69029",
        "14 avenue Franklin Roosevelt",
        [],
        [
            (
                "diagnostic",
                "Diagnostic et conseil mobilité",
                "accompagnement",
                [
                    "mobilite--etre-accompagne-dans-son-parcours-mobilite",
                    "mobilite--mobilite-douce-partagee-collective",
                ],
                TOUS,
                None,
                "gratuit",
                PD,
                ["69"],
                None,
            ),
            (
                "location",
                "Location solidaire de scooters et vélos",
                "aide-materielle",
                ["mobilite--acceder-a-un-vehicule"],
                ["jeunes", "demandeurs-emploi"],
                "Personnes en insertion, dès 16 ans",
                "payant",
                P,
                METROPOLE,
                None,
            ),
        ],
    ),
    (
        "auto-ecole",
        "Auto-école sociale de Vaulx-en-Velin",
        "69256",
        "9 rue Émile Zola",
        [],
        [
            (
                "permis",
                "Permis B accompagné",
                "formation",
                ["mobilite--preparer-un-permis"],
                ["jeunes", "beneficiaires-des-minimas-sociaux"],
                "Jeunes de 18 à 25 ans orientés par un référent",
                "payant",
                P,
                METROPOLE,
                6,
            ),
        ],
    ),
    (
        "fle",
        "Centre social Langues et cultures",
        "69383",
        "30 rue Paul Bert",
        [],
        [
            (
                "francais",
                "Ateliers de français langue étrangère",
                "atelier",
                ["lecture-ecriture-calcul--maitriser-le-francais"],
                ["personnes-exilees", "jeunes"],
                None,
                "gratuit",
                P,
                ["69123", "69266"],
                4,
            ),
            (
                "numerique",
                "Ateliers numériques de base",
                "atelier",
                [
                    "numerique--maitriser-les-fondamentaux-du-numerique",
                    "numerique--acceder-a-des-services-en-ligne",
                ],
                TOUS,
                None,
                "gratuit",
                P,
                ["69123"],
                2,
            ),
        ],
    ),
    (
        "rpe-bron",
        "Relais petite enfance de Bron",
        "69029",
        "4 rue Paul Pioline",
        [],
        [
            (
                "garde",
                "Trouver une solution de garde d'enfants",
                "information",
                ["famille--garde-denfants", "famille--soutien-a-la-parentalite-et-a-leducation"],
                ["familles"],
                None,
                "gratuit",
                P,
                ["69029"],
                None,
            ),
        ],
    ),
    (
        "creche-insertion",
        "Crèche à vocation d'insertion professionnelle Saint-Priest",
        "69290",
        "11 rue Henri Maréchal",
        [],
        [
            (
                "places",
                "Places de crèche pour parents en insertion",
                "aide-materielle",
                ["famille--garde-denfants"],
                ["familles", "jeunes", "demandeurs-emploi"],
                None,
                "payant",
                P,
                ["69290", "69259", "69029"],
                None,
            ),
        ],
    ),
    (
        "point-justice",
        "Point-justice Lyon 7e",
        "69387",
        "5 avenue Berthelot",
        [],
        [
            (
                "droits",
                "Consultations juridiques gratuites",
                "information",
                [
                    "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire",
                    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
                ],
                TOUS,
                None,
                "gratuit",
                PD,
                ["69"],
                None,
            ),
        ],
    ),
    (
        "spip",
        "Association d'aide aux sortants de détention",
        "69387",
        "33 rue Saint-Jérôme",
        [],
        [
            (
                "sortants",
                "Accompagnement à la sortie de détention",
                "accompagnement",
                [
                    "difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire",
                    "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
                ],
                ["personnes-en-situation-juridique-specifique"],
                None,
                "gratuit",
                P,
                ["69"],
                None,
            ),
        ],
    ),
    (
        "ccas-rillieux",
        "CCAS de Rillieux-la-Pape",
        "69286",
        "165 rue Ampère",
        ["ccas-cias"],
        [
            (
                "aides",
                "Aides financières et accès aux droits",
                "aide-financiere",
                [
                    "difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere",
                    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
                ],
                TOUS,
                None,
                "gratuit",
                P,
                ["69286"],
                None,
            ),
        ],
    ),
    (
        "sport",
        "Association Sport et insertion Villefranche",
        "69264",
        "2 rue de la Paix",
        [],
        [
            (
                "remobilisation",
                "Remobilisation par le sport",
                "atelier",
                ["remobilisation--activites-sportives-et-culturelles", "remobilisation--lien-social"],
                JEUNES,
                "Jeunes de 16 à 25 ans",
                "gratuit",
                P,
                ["69264", "69243"],
                6,
            ),
        ],
    ),
]


def _description(nom, commune):
    return f"{nom}, à {commune}. Présentation détaillée, horaires et modalités d'orientation sur demande."


def catalogue_rows():
    """(position, genre, row) triples of the demo catalogue, ready for import_rows."""
    codes = {code for _, _, code, *_ in CATALOGUE}
    communes = Commune.objects.in_bulk(codes)
    missing = codes - communes.keys()
    if missing:
        raise ValueError(
            "Communes absentes de la base : " + ", ".join(sorted(missing)) + ". Lancer d'abord import_communes."
        )
    rows = []
    for index, (key, nom, code, adresse, reseaux, services) in enumerate(CATALOGUE, 1):
        commune = communes[code]
        structure_id = f"{SOURCE}--{key}"
        contact = f"contact@{key}.example.org"
        rows.append(
            (
                f"structure {index}",
                STRUCTURE,
                {
                    "source": SOURCE,
                    "id": structure_id,
                    "nom": nom,
                    "date_maj": DATE_MAJ,
                    "description": _description(nom, commune.nom),
                    "commune": commune.nom,
                    "code_postal": commune.codes_postaux.split()[0],
                    "code_insee": code,
                    "adresse": adresse,
                    "latitude": commune.latitude,
                    "longitude": commune.longitude,
                    "telephone": f"+3347200{index:04d}",
                    "courriel": contact,
                    "horaires_accueil": "Mo-Fr 09:00-12:30,13:30-17:00",
                    "reseaux_porteurs": reseaux or None,
                },
            )
        )
        for number, (skey, snom, stype, themes, publics, precisions, frais, modes, zone, hours) in enumerate(
            services, 1
        ):
            rows.append(
                (
                    f"structure {index}, service {number}",
                    SERVICE,
                    {
                        "source": SOURCE,
                        "structure_id": structure_id,
                        "id": f"{structure_id}--{skey}",
                        "nom": snom,
                        "description": _description(snom, commune.nom),
                        "date_maj": DATE_MAJ,
                        "type": stype,
                        "thematiques": themes,
                        "frais": frais,
                        "publics": publics,
                        "publics_precisions": precisions,
                        "commune": commune.nom,
                        "code_postal": commune.codes_postaux.split()[0],
                        "code_insee": code,
                        "adresse": adresse if "en-presentiel" in modes else None,
                        "latitude": commune.latitude,
                        "longitude": commune.longitude,
                        "courriel": contact,
                        "modes_accueil": modes,
                        "zone_eligibilite": zone,
                        "modes_mobilisation": ["envoyer-un-courriel", "telephoner"],
                        "mobilisable_par": ["professionnels", "usagers"],
                        "volume_horaire_hebdomadaire": hours,
                    },
                )
            )
    return rows


def seed_annuaire(wet_run=False):
    return import_rows(catalogue_rows(), wet_run=wet_run)

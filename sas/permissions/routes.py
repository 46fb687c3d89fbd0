"""Every route's access rule, in one table: who may open it and what its URL parameters name. The authorization
matrix (sas/permissions/tests/test_matrice.py) walks the URL configuration and the API schema, and fails for a route
missing here; then it tries each route as everyone who should get nothing.

The views enforce these rules (role guards and scoped querysets of this package, link checks of espace_jeune and
orientation); this table declares them so that a test can hold each view to its rule."""

from dataclasses import dataclass, field
from enum import Enum

from sas.organisations.models import Role


class Acces(Enum):
    PUBLIC = "anyone; the page shows nothing about a person"
    ROLE = "a signed-in member holding `role`, on objects of their own organisation or territory"
    LIEN_JEUNE = "the young person's personal link (token in the path)"
    LIEN_STRUCTURE = "a receiving structure's magic link (token in the path)"
    WEBHOOK = "the SMS provider, authenticated by the shared secret"
    API = "an organisation's API token, on that organisation's signalements"
    ADMIN = "staff of the operator, through Django's admin"


@dataclass(frozen=True)
class Regle:
    acces: Acces
    role: str = ""
    # What each URL parameter names: "parcours", "diagnostic", "orientation"… (the matrix fills them with another
    # organisation's objects), or a plain value (PARAMETRES: a file extension, a section code, an action).
    objets: dict = field(default_factory=dict)


# URL parameters that name no one's record.
PARAMETRES = {"tableau", "extension", "section", "action_structure", "uid", "jeton_reinitialisation"}

PUBLIC = Regle(Acces.PUBLIC)
WEBHOOK = Regle(Acces.WEBHOOK)
ADMIN = Regle(Acces.ADMIN)


def role(nom, **objets):
    return Regle(Acces.ROLE, nom, objets)


def jeune(**objets):
    return Regle(Acces.LIEN_JEUNE, objets={"token": "lien_jeune", **objets})


def structure(**objets):
    return Regle(Acces.LIEN_STRUCTURE, objets={"token": "lien_structure", **objets})


def api(**objets):
    return Regle(Acces.API, objets=objets)


def vues(espace, regle, noms):
    """The routes `espace:nom` of each of the space-separated `noms`, under one rule."""
    return {f"{espace}:{nom}": regle for nom in noms.split()}


P, A, S, PI = Role.PRESCRIPTEUR, Role.AIGUILLEUR, Role.STRUCTURE, Role.PILOTE

ROUTES = {
    "accueil:home": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "communes:search": PUBLIC,
    **vues("public", PUBLIC, "formulaire merci"),
    "espace_jeune:code": PUBLIC,
    # 404 unless SAS_DEMO=1.
    "demo_messages": PUBLIC,
    "admin": ADMIN,
    "admin_login": PUBLIC,
    # A signed-in professional's own account (second factor, password): nothing about anyone else.
    **vues("connexion", PUBLIC, "code activer mot_de_passe_oublie reinitialisation_envoyee reinitialisation_faite"),
    "connexion:reinitialiser": Regle(Acces.PUBLIC, objets={"uidb64": "uid", "token": "jeton_reinitialisation"}),
    # ProConnect's way in and out (404 unless it is configured), and the join request of the professional it
    # identified: their own identity, from their session, nothing about anyone else.
    **vues("connexion", PUBLIC, "proconnect proconnect_retour proconnect_deconnecte demande_acces demande_envoyee"),
    # The SAS team decides its territory's requests (an organisation's administrators, their organisation's).
    "connexion:demandes": role(A),
    "connexion:decider_demande": role(A, pk="demande_acces"),
    **vues("parcours", role(P), "mes_signalements mes_signalements_csv"),
    "parcours:file_active": role(A),
    "parcours:indicateurs": role(PI),
    # Aggregates of the pilot's own territories only; the filters are query parameters checked against them.
    **vues("pilotage", role(PI), "tableau_de_bord definitions open_data"),
    "pilotage:export": role(PI, slug="tableau"),
    **vues("parcours", role(A, uuid="parcours"), "detail change_status"),
    **vues("prescription", role(P), "signaler digest_preference statistiques import_upload"),
    "prescription:import_template": role(P, extension="extension"),
    **vues("prescription", role(P, pk="import"), "import_detail import_start import_sheet import_rejets"),
    **vues("prescription", role(P, uuid="parcours"), "rencontre_liste rencontre_proposer"),
    **vues("prescription", role(P, uuid="parcours", pk="rencontre"), "rencontre_issue rencontre_annuler"),
    "api:jetons": role(P),
    "api:revoquer": role(P, pk="jeton_api"),
    **vues("api:api-v1", PUBLIC, "openapi-json openapi-view api-root"),
    "api:introuvable": PUBLIC,
    **vues("api:api-v1", api(), "creer_signalement lister_signalements"),
    "api:api-v1:lire_signalement": api(id="parcours"),
    "aiguillage:taches": role(A),
    "aiguillage:tache_faite": role(A, pk="tache"),
    # The ticked journeys go in the POST body; one out of the territory refuses the whole batch (404).
    "aiguillage:assigner_lot": role(A),
    **vues(
        "aiguillage",
        role(A, uuid="parcours"),
        "assigner journaliser reporter statistiques repondre tache_creer verifier ecarter",
    ),
    **vues("aiguillage", role(A, pk="doublon"), "fusionner garder_separes"),
    "messagerie:envoyes": role(A),
    **vues("messagerie", role(A, pk="lettre"), "lettre lettre_postee"),
    "messagerie:corriger": role(A, pk="canal_invalide"),
    **vues("messagerie", WEBHOOK, "statut_sms entrant_sms"),
    **vues("rendezvous", role(A), "agenda publier"),
    "rendezvous:retirer": role(A, pk="creneau"),
    "rendezvous:reserver": role(A, uuid="parcours"),
    **vues("rendezvous", role(A, pk="rendez_vous"), "constater annuler"),
    **vues("diagnostic", role(A, uuid="parcours"), "parcours demarrer"),
    "diagnostic:sommaire": role(A, pk="diagnostic"),
    "diagnostic:section": role(A, pk="diagnostic", code="section"),
    **vues("diagnostic", role(A, pk="diagnostic"), "plan resume terminer envoyer"),
    **vues("diagnostic", jeune(), "jeune_preparer jeune_synthese"),
    **vues("orientation", role(A, uuid="parcours"), "parcours proposer retrait"),
    "orientation:choisir": role(A, uuid="parcours", pk="proposition"),
    **vues("orientation", role(A, pk="orientation"), "annuler renvoyer"),
    **vues("orientation", jeune(), "jeune jeune_rencontre jeune_retrait"),
    "orientation:jeune_choisir": jeune(pk="proposition"),
    "orientation:jeune_retrait_structure": jeune(pk="structure"),
    "orientation:lien": structure(),
    "orientation:lien_agir": structure(action="action_structure"),
    **vues("orientation", role(S), "recues recues_csv"),
    "orientation:recue": role(S, pk="orientation"),
    "orientation:recue_agir": role(S, pk="orientation", action="action_structure"),
    **vues("suivi", role(A, uuid="parcours"), "parcours sortie"),
    **vues("suivi", jeune(), "jeune jeune_repondre"),
    **vues("suivi", structure(), "structure structure_repondre"),
    "suivi:points_recus": role(S),
    "suivi:point_recu_repondre": role(S, pk="point_etape"),
    **vues(
        "espace_jeune",
        jeune(),
        "page verifier pourquoi droits accepter refuser appel preferences plus_tard rendez_vous annuler_rendez_vous "
        "stop ecrire",
    ),
    **vues(
        "rgpd",
        jeune(),
        "jeune jeune_export jeune_export_json jeune_coordonnees jeune_confirmer jeune_effacement jeune_reclamation",
    ),
    **vues("rgpd", role(A, uuid="parcours"), "conseiller conseiller_demande conseiller_effacer"),
    "rgpd:conseiller_export": role(A, uuid="parcours", extension="extension"),
    "rgpd:conseiller_repondre": role(A, pk="reclamation"),
}

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


P, A, S, PI = Role.PRESCRIPTEUR, Role.AIGUILLEUR, Role.STRUCTURE, Role.PILOTE

ROUTES = {
    "accueil:home": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "communes:search": PUBLIC,
    "public:formulaire": PUBLIC,
    "public:merci": PUBLIC,
    "espace_jeune:code": PUBLIC,
    # 404 unless SAS_DEMO=1.
    "demo_messages": PUBLIC,
    "admin": ADMIN,
    "admin_login": PUBLIC,
    # A signed-in professional's own account (second factor, password): nothing about anyone else.
    "connexion:code": PUBLIC,
    "connexion:activer": PUBLIC,
    "connexion:mot_de_passe_oublie": PUBLIC,
    "connexion:reinitialisation_envoyee": PUBLIC,
    "connexion:reinitialiser": Regle(Acces.PUBLIC, objets={"uidb64": "uid", "token": "jeton_reinitialisation"}),
    "connexion:reinitialisation_faite": PUBLIC,
    # ProConnect's way in and out (404 unless it is configured), and the join request of the professional it
    # identified: their own identity, from their session, nothing about anyone else.
    "connexion:proconnect": PUBLIC,
    "connexion:proconnect_retour": PUBLIC,
    "connexion:proconnect_deconnecte": PUBLIC,
    "connexion:demande_acces": PUBLIC,
    "connexion:demande_envoyee": PUBLIC,
    # The SAS team decides its territory's requests (an organisation's administrators, their organisation's).
    "connexion:demandes": role(A),
    "connexion:decider_demande": role(A, pk="demande_acces"),
    "parcours:mes_signalements": role(P),
    "parcours:mes_signalements_csv": role(P),
    "parcours:file_active": role(A),
    "parcours:indicateurs": role(PI),
    # Aggregates of the pilot's own territories only; the filters are query parameters checked against them.
    "pilotage:tableau_de_bord": role(PI),
    "pilotage:definitions": role(PI),
    "pilotage:open_data": role(PI),
    "pilotage:export": role(PI, slug="tableau"),
    "parcours:detail": role(A, uuid="parcours"),
    "parcours:change_status": role(A, uuid="parcours"),
    "prescription:signaler": role(P),
    "prescription:digest_preference": role(P),
    "prescription:statistiques": role(P),
    "prescription:import_upload": role(P),
    "prescription:import_template": role(P, extension="extension"),
    "prescription:import_detail": role(P, pk="import"),
    "prescription:import_start": role(P, pk="import"),
    "prescription:import_sheet": role(P, pk="import"),
    "prescription:import_rejets": role(P, pk="import"),
    "prescription:rencontre_liste": role(P, uuid="parcours"),
    "prescription:rencontre_proposer": role(P, uuid="parcours"),
    "prescription:rencontre_issue": role(P, uuid="parcours", pk="rencontre"),
    "prescription:rencontre_annuler": role(P, uuid="parcours", pk="rencontre"),
    "api:jetons": role(P),
    "api:revoquer": role(P, pk="jeton_api"),
    "api:api-v1:openapi-json": PUBLIC,
    "api:api-v1:openapi-view": PUBLIC,
    "api:api-v1:api-root": PUBLIC,
    "api:introuvable": PUBLIC,
    "api:api-v1:creer_signalement": api(),
    "api:api-v1:lister_signalements": api(),
    "api:api-v1:lire_signalement": api(id="parcours"),
    "aiguillage:taches": role(A),
    "aiguillage:tache_faite": role(A, pk="tache"),
    "aiguillage:assigner": role(A, uuid="parcours"),
    # The ticked journeys go in the POST body; one out of the territory refuses the whole batch (404).
    "aiguillage:assigner_lot": role(A),
    "aiguillage:journaliser": role(A, uuid="parcours"),
    "aiguillage:reporter": role(A, uuid="parcours"),
    "aiguillage:statistiques": role(A, uuid="parcours"),
    "aiguillage:repondre": role(A, uuid="parcours"),
    "aiguillage:tache_creer": role(A, uuid="parcours"),
    "aiguillage:verifier": role(A, uuid="parcours"),
    "aiguillage:ecarter": role(A, uuid="parcours"),
    "aiguillage:fusionner": role(A, pk="doublon"),
    "aiguillage:garder_separes": role(A, pk="doublon"),
    "messagerie:envoyes": role(A),
    "messagerie:lettre": role(A, pk="lettre"),
    "messagerie:lettre_postee": role(A, pk="lettre"),
    "messagerie:corriger": role(A, pk="canal_invalide"),
    "messagerie:statut_sms": WEBHOOK,
    "messagerie:entrant_sms": WEBHOOK,
    "rendezvous:agenda": role(A),
    "rendezvous:publier": role(A),
    "rendezvous:retirer": role(A, pk="creneau"),
    "rendezvous:reserver": role(A, uuid="parcours"),
    "rendezvous:constater": role(A, pk="rendez_vous"),
    "rendezvous:annuler": role(A, pk="rendez_vous"),
    "diagnostic:parcours": role(A, uuid="parcours"),
    "diagnostic:demarrer": role(A, uuid="parcours"),
    "diagnostic:sommaire": role(A, pk="diagnostic"),
    "diagnostic:section": role(A, pk="diagnostic", code="section"),
    "diagnostic:plan": role(A, pk="diagnostic"),
    "diagnostic:resume": role(A, pk="diagnostic"),
    "diagnostic:terminer": role(A, pk="diagnostic"),
    "diagnostic:envoyer": role(A, pk="diagnostic"),
    "diagnostic:jeune_preparer": jeune(),
    "diagnostic:jeune_synthese": jeune(),
    "orientation:parcours": role(A, uuid="parcours"),
    "orientation:proposer": role(A, uuid="parcours"),
    "orientation:choisir": role(A, uuid="parcours", pk="proposition"),
    "orientation:annuler": role(A, pk="orientation"),
    "orientation:renvoyer": role(A, pk="orientation"),
    "orientation:retrait": role(A, uuid="parcours"),
    "orientation:jeune": jeune(),
    "orientation:jeune_choisir": jeune(pk="proposition"),
    "orientation:jeune_rencontre": jeune(),
    "orientation:jeune_retrait": jeune(),
    "orientation:jeune_retrait_structure": jeune(pk="structure"),
    "orientation:lien": structure(),
    "orientation:lien_agir": structure(action="action_structure"),
    "orientation:recues": role(S),
    "orientation:recues_csv": role(S),
    "orientation:recue": role(S, pk="orientation"),
    "orientation:recue_agir": role(S, pk="orientation", action="action_structure"),
    "suivi:parcours": role(A, uuid="parcours"),
    "suivi:sortie": role(A, uuid="parcours"),
    "suivi:jeune": jeune(),
    "suivi:jeune_repondre": jeune(),
    "suivi:structure": structure(),
    "suivi:structure_repondre": structure(),
    "suivi:points_recus": role(S),
    "suivi:point_recu_repondre": role(S, pk="point_etape"),
    "espace_jeune:page": jeune(),
    "espace_jeune:verifier": jeune(),
    "espace_jeune:pourquoi": jeune(),
    "espace_jeune:droits": jeune(),
    "espace_jeune:accepter": jeune(),
    "espace_jeune:refuser": jeune(),
    "espace_jeune:appel": jeune(),
    "espace_jeune:preferences": jeune(),
    "espace_jeune:plus_tard": jeune(),
    "espace_jeune:rendez_vous": jeune(),
    "espace_jeune:annuler_rendez_vous": jeune(),
    "espace_jeune:stop": jeune(),
    "espace_jeune:ecrire": jeune(),
    "rgpd:jeune": jeune(),
    "rgpd:jeune_export": jeune(),
    "rgpd:jeune_export_json": jeune(),
    "rgpd:jeune_coordonnees": jeune(),
    "rgpd:jeune_confirmer": jeune(),
    "rgpd:jeune_effacement": jeune(),
    "rgpd:jeune_reclamation": jeune(),
    "rgpd:conseiller": role(A, uuid="parcours"),
    "rgpd:conseiller_export": role(A, uuid="parcours", extension="extension"),
    "rgpd:conseiller_demande": role(A, uuid="parcours"),
    "rgpd:conseiller_effacer": role(A, uuid="parcours"),
    "rgpd:conseiller_repondre": role(A, pk="reclamation"),
}

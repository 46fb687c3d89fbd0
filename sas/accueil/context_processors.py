from django.conf import settings
from django.urls import reverse

from sas.organisations.models import Role

SITE = {"site_title": "SAS", "site_tagline": "Sécuriser les transitions des jeunes de 15 à 29 ans"}

NAVIGATION = {
    Role.PRESCRIPTEUR: [
        ("prescription:signaler", "Signaler un jeune"),
        ("prescription:import_upload", "Signaler par fichier"),
        ("parcours:mes_signalements", "Mes signalements"),
        ("api:jetons", "Accès à l'API"),
    ],
    Role.AIGUILLEUR: [
        ("parcours:file_active", "File active du territoire"),
        ("aiguillage:taches", "Mes tâches"),
        ("rendezvous:agenda", "Mes rendez-vous"),
        ("messagerie:envoyes", "Messages envoyés"),
        ("connexion:demandes", "Demandes d'accès"),
    ],
    Role.STRUCTURE: [("orientation:recues", "Orientations reçues"), ("suivi:points_recus", "Points d'étape")],
    Role.PILOTE: [("pilotage:tableau_de_bord", "Tableau de bord"), ("parcours:indicateurs", "Indicateurs")],
    Role.ADMIN: [("admin:index", "Administration"), ("connexion:demandes", "Demandes d'accès")],
}


def site(request):
    user = request.user
    roles = user.roles if user.is_authenticated else set()
    # A page two roles share (the join requests) is listed once.
    entrees = dict.fromkeys(entry for role in Role.values if role in roles for entry in NAVIGATION[role])
    navigation = [{"url": reverse(name), "label": label} for name, label in entrees]
    return {
        "SITE_CONFIG": SITE,
        "SAS_DEMO": settings.SAS_DEMO,
        "navigation": navigation,
        "skiplinks": [{"link": "#content", "label": "Contenu"}, {"link": "#footer", "label": "Pied de page"}],
    }

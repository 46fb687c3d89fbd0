"""The authorization matrix, generated from the URL configuration and the API schema: every route is tried by
everyone who should get nothing — an anonymous visitor, each role of another organisation and territory, a
prescriber of another organisation of the same territory, the young person's expired or revoked link, another young
person's link, a structure's expired or revoked magic link, another organisation's API token — with GET and POST.
Each gets 403/404/405/410 (or the login page, or the API's 401), never sees the victim, and changes nothing.

Every route declares its rule in sas/permissions/routes.py: a route missing there fails
`test_every_route_declares_its_rule`."""

import datetime

import pytest
from django.apps import apps
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone

from sas.aiguillage.models import NatureTache, TacheContact
from sas.annuaire.factories import create_catalogue, service_row, structure_row
from sas.annuaire.models import Service
from sas.api.api import api as ninja_api
from sas.api.models import ApiToken
from sas.communes.factories import CommuneFactory
from sas.connexion.models import DemandeAcces
from sas.diagnostic import services as diagnostics
from sas.diagnostic.models import Questionnaire
from sas.espace_jeune.models import LienJeune
from sas.messagerie.envoi import envoyer as envoyer_message
from sas.messagerie.models import CanalInvalide
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.orientation import services as orientations
from sas.orientation.models import ActorKind, LienStructure
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory, parcours_signale
from sas.parcours.status import Status
from sas.permissions.routes import PARAMETRES, ROUTES, Acces
from sas.prescription.models import DoublonPossible, ImportBatch, RencontreMode, RencontreTripartite
from sas.rendezvous.models import Creneau, Modalite, PrisPar, RendezVous
from sas.rgpd.models import Reclamation
from sas.suivi import transitions as suivi_transitions
from sas.suivi.models import ActorKind as SuiviActorKind
from sas.suivi.models import PointEtapeStatus, Suivi

pytestmark = pytest.mark.django_db

PRENOM, NOM, TELEPHONE, EMAIL = "Zéphyrine", "Quintaval", "+33611223344", "zephyrine.quintaval@example.org"
TRACES = {"Zéphyrine", "Quintaval", "0611223344", "11 22 33 44", "zephyrine.quintaval"}
LOGEMENT = "logement-hebergement--se-maintenir-dans-le-logement"
VILLEURBANNE = {"latitude": 45.77188, "longitude": 4.88983}
LIEU = {"publics": ["jeunes"], "frais": "gratuit", "modes_accueil": ["en-presentiel"], "zone_eligibilite": ["69"]}
# A Tuesday morning: messages may leave.
MARDI = timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0))
# Written by every request (sessions, the audit of one's own pages, rate-limit counters, the sign-in log of
# django-axes): not "a change". A prescriber's own preferences are theirs to write.
HORS_COMPTE = {
    "sessions.session",
    "axes.accesslog",
    "otp_totp.totpdevice",
    "audit.auditentry",
    "django_tasks_db.dbtaskresult",
    "prescription.prescripteurpreferences",
}
# Fields a sign-in or an API call sets on the attacker's own rows.
VOLATILS = {"organisations.user": {"last_login"}, "api.apitoken": {"last_used_at"}}


def routes():
    """(name, pattern) of every route of the URL configuration, the admin as one."""
    trouvees = []

    def parcourir(resolver, prefixe, espace):
        for motif in resolver.url_patterns:
            if isinstance(motif, URLResolver):
                if motif.namespace == "admin":
                    trouvees.append(("admin", prefixe + str(motif.pattern)))
                    continue
                nom = ":".join(filter(None, [espace, motif.namespace]))
                parcourir(motif, prefixe + str(motif.pattern), nom)
            elif isinstance(motif, URLPattern):
                trouvees.append((":".join(filter(None, [espace, motif.name])), prefixe + str(motif.pattern)))

    parcourir(get_resolver(), "", "")
    return trouvees


def operations_api():
    """operationId of every operation of the API schema."""
    schema = ninja_api.get_openapi_schema()
    return {op["operationId"] for chemin in schema["paths"].values() for op in chemin.values()}


def sans_regle():
    return sorted({nom for nom, _ in routes()} - set(ROUTES))


def test_every_route_declares_its_rule():
    assert sans_regle() == [], f"routes without an access rule in sas/permissions/routes.py: {sans_regle()}"
    declarees_api = {nom.rsplit(":", 1)[1] for nom, regle in ROUTES.items() if regle.acces is Acces.API}
    assert operations_api() == declarees_api, "every API operation declares its rule, and only those"
    assert not set(ROUTES) - {nom for nom, _ in routes()}, "no rule for a route that no longer exists"


def _nouvelle_vue(request):
    return HttpResponse("nouvelle")


# This module doubles as a URL configuration: the project's routes and one more, declared nowhere.
urlpatterns = [path("", include("sas.urls")), path("nouvelle-page/<int:pk>/", _nouvelle_vue, name="nouvelle_page")]


@pytest.mark.urls(__name__)
def test_a_new_route_without_a_rule_is_named():
    assert sans_regle() == ["nouvelle_page"]


def test_every_api_operation_requires_a_token():
    schema = ninja_api.get_openapi_schema()
    for chemin in schema["paths"].values():
        for operation in chemin.values():
            assert operation.get("security"), operation["operationId"]


# The victim: one young person of territory A with one of everything a URL can name.


@pytest.fixture
def monde():
    lyon = TerritoryFactory(nom="Métropole de Lyon")
    equipe = OrganisationFactory(territory=lyon, kind=OrganisationKind.EQUIPE_SAS, nom="Équipe SAS Lyon")
    aiguilleur = member(Role.AIGUILLEUR, equipe)
    ase = OrganisationFactory(territory=lyon, kind=OrganisationKind.ASE, nom="ASE du Rhône")
    member(Role.PRESCRIPTEUR, ase)
    accueil = OrganisationFactory(territory=lyon, kind=OrganisationKind.STRUCTURE_ACCUEIL, nom="FJT")
    create_catalogue(
        [structure_row("fjt", nom="Foyer jeunes travailleurs", courriel="accueil@fjt.example.org")],
        [
            service_row(
                "logement",
                structure="fjt",
                nom="Logement",
                thematiques=[LOGEMENT],
                code_insee="69266",
                **LIEU,
                **VILLEURBANNE,
            )
        ],
    )
    service = Service.objects.select_related("structure").get()
    service.structure.organisation = accueil
    service.structure.save()

    at = timezone.now() - datetime.timedelta(days=30)
    Questionnaire.objects.update(published_at=at)
    parcours = parcours_signale(
        ase,
        at=at,
        jeune={
            "prenom": PRENOM,
            "nom": NOM,
            "telephone": TELEPHONE,
            "email": EMAIL,
            "adresse": "3 rue des Lilas\n69003 Lyon",
            "commune": CommuneFactory(code_insee="69266", nom="Villeurbanne", **VILLEURBANNE),
        },
    )
    for status in (Status.A_CONTACTER, Status.CONTACTE):
        transitions.transition(parcours, status, at=at)
    diagnostic = diagnostics.demarrer(parcours, conseiller=aiguilleur, at=at)
    diagnostics.enregistrer(diagnostic, {"logement": {"niveau": "bloquant", "avis_jeune": ""}}, actor=aiguilleur, at=at)
    diagnostics.enregistrer_plan(diagnostic, besoins_retenus=["logement"], actor=aiguilleur, objectifs="", at=at)
    diagnostics.terminer(diagnostic, actor=aiguilleur, at=at)
    parcours.refresh_from_db()
    [proposition] = orientations.proposer(parcours, orientations.classer(parcours), actor=aiguilleur)
    orientation = orientations.choisir(proposition, partager_diagnostic=False, actor_kind=ActorKind.JEUNE)

    # A check-in asked to the structure: its follow-up as if the take-up were confirmed.
    suivi = Suivi.objects.create(parcours=parcours, orientation=orientation, debut=at)
    point_etape = suivi_transitions.start(suivi, 1, at, at=at)
    suivi_transitions.transition(point_etape, PointEtapeStatus.ENVOYE, actor_kind=SuiviActorKind.SYSTEME, at=at)

    creneau = Creneau.objects.create(
        conseiller=aiguilleur,
        organisation=equipe,
        debut=timezone.now() + datetime.timedelta(days=3),
        fin=timezone.now() + datetime.timedelta(days=3, hours=1),
        modalite=Modalite.PRESENTIEL,
        lieu="12 rue de la République, Lyon",
    )
    doublon_parcours = ParcoursFactory(territory=lyon, jeune__prenom=PRENOM, jeune__telephone=TELEPHONE)
    maintenant = timezone.now()
    lien_expire = LienJeune.objects.create(parcours=parcours, created_at=at, expires_at=at + datetime.timedelta(days=1))
    lien_revoque = LienJeune.objects.create(
        parcours=parcours, created_at=at, expires_at=maintenant + datetime.timedelta(days=20), revoked_at=maintenant
    )
    structure_expire, jeton_expire = LienStructure.creer(orientation, at=at, duree=datetime.timedelta(days=1))
    structure_revoque, jeton_revoque = LienStructure.creer(orientation, duree=datetime.timedelta(days=20))
    LienStructure.objects.filter(pk=structure_revoque.pk).update(revoked_at=maintenant)
    objets = {
        "parcours": parcours.uuid,
        "diagnostic": diagnostic.pk,
        "section": "logement",
        "proposition": proposition.pk,
        "orientation": orientation.pk,
        "structure": service.structure.pk,
        "action_structure": "accepter",
        "extension": "csv",
        "tableau": "entonnoir",
        "uid": "MQ",
        "jeton_reinitialisation": "set-password",
        "lettre": envoyer_message(parcours, "premier_contact", canal="courrier", at=MARDI).pk,
        "canal_invalide": CanalInvalide.objects.create(
            jeune=parcours.jeune, canal="sms", valeur=TELEPHONE, raison="hardbounce", constate_le=maintenant
        ).pk,
        "tache": TacheContact.objects.create(
            parcours=parcours, nature=NatureTache.APPEL, motif="Appeler", echeance=maintenant
        ).pk,
        "doublon": DoublonPossible.objects.create(
            nouveau=doublon_parcours, existant=parcours, identifiants=["telephone"]
        ).pk,
        "creneau": creneau.pk,
        "point_etape": point_etape.pk,
        "rendez_vous": RendezVous.objects.create(creneau=creneau, parcours=parcours, pris_par=PrisPar.JEUNE).pk,
        "import": ImportBatch.objects.create(organisation=ase, filename="jeunes.csv", sha256="0" * 64).pk,
        "rencontre": RencontreTripartite.objects.create(
            parcours=parcours,
            organisation=ase,
            aiguilleur=aiguilleur,
            starts_at=maintenant,
            mode=RencontreMode.PRESENTIEL,
        ).pk,
        "jeton_api": ApiToken.issue(ase, "Logiciel de suivi")[0].pk,
        "reclamation": Reclamation.objects.create(parcours=parcours, texte="Réclamation").pk,
        "demande_acces": DemandeAcces.objects.create(
            email="nouveau@ase.example.org",
            prenom="Nouveau",
            nom="Venu",
            siret="11002001300097",
            sub="sub-nouveau",
            organisation=ase,
            territory=lyon,
            role=Role.PRESCRIPTEUR,
        ).pk,
    }
    # The attackers: another territory's people in every role, another organisation of the victim's territory.
    ailleurs = TerritoryFactory(nom="Gironde")
    autre_parcours = ParcoursFactory(territory=ailleurs, jeune__prenom="Basile")
    acteurs = {
        "anonyme": None,
        **{
            f"{r} d'ailleurs": member(r, territory=ailleurs)
            for r in (Role.PRESCRIPTEUR, Role.AIGUILLEUR, Role.STRUCTURE, Role.PILOTE)
        },
        "prescripteur voisin": member(Role.PRESCRIPTEUR, territory=lyon),
        "structure voisine": member(Role.STRUCTURE, territory=lyon),
    }
    liens_jeune = {
        "lien expiré": lien_expire.token,
        "lien révoqué": lien_revoque.token,
        "lien d'un autre jeune": LienJeune.creer(autre_parcours).token,
        "lien inventé": "zz-0000",
    }
    liens_structure = {"lien expiré": jeton_expire, "lien révoqué": jeton_revoque, "lien inventé": "x" * 43}
    autre_org = OrganisationFactory(territory=ailleurs, kind=OrganisationKind.ASE)
    jetons_api = {"sans jeton": None, "jeton d'une autre organisation": ApiToken.issue(autre_org, "Autre")[1]}
    return objets, acteurs, liens_jeune, liens_structure, jetons_api


def photo():
    """Every row of every table the requests could change."""
    lignes = {}
    for modele in apps.get_models():
        nom = modele._meta.label_lower
        if nom in HORS_COMPTE or modele._meta.proxy:
            continue
        champs = [f.attname for f in modele._meta.concrete_fields if f.attname not in VOLATILS.get(nom, set())]
        lignes[nom] = list(modele.objects.order_by("pk").values_list(*champs))
    return lignes


def refus(reponse, *, anonyme):
    if reponse.status_code in {403, 404, 405, 410, 429}:
        return True
    if anonyme and reponse.status_code == 302:
        return reponse["Location"].startswith((reverse("login"), "/admin/login/"))
    return False


def visible(reponse):
    texte = reponse.content.decode(errors="replace")
    return sorted(trace for trace in TRACES if trace in texte)


def essayer(client, url, **entetes):
    return [client.get(url, **entetes), client.post(url, {}, **entetes)]


@pytest.mark.parametrize("nom", sorted(ROUTES))
def test_nobody_else_reads_or_changes_anything(client, monde, nom):
    objets, acteurs, liens_jeune, liens_structure, jetons_api = monde
    regle = ROUTES[nom]
    avant = photo()
    if regle.acces in (Acces.ROLE, Acces.PUBLIC, Acces.ADMIN, Acces.WEBHOOK):
        url = "/admin/" if nom == "admin" else reverse(nom, kwargs={p: objets[o] for p, o in regle.objets.items()})
        for acteur, user in acteurs.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            for reponse in essayer(client, url):
                assert visible(reponse) == [], (acteur, reponse.request["REQUEST_METHOD"])
                tient_le_role = (
                    user is not None and regle.acces is Acces.ROLE and user.active_memberships[0].role == regle.role
                )
                # Public pages, and a role's own lists (no object in the URL), open: they show nothing of the victim.
                if regle.acces is Acces.PUBLIC or (tient_le_role and set(regle.objets.values()) <= PARAMETRES):
                    continue
                assert refus(reponse, anonyme=user is None or nom == "admin"), (
                    acteur,
                    reponse.request["REQUEST_METHOD"],
                    reponse.status_code,
                )
    elif regle.acces in (Acces.LIEN_JEUNE, Acces.LIEN_STRUCTURE):
        liens = liens_jeune if regle.acces is Acces.LIEN_JEUNE else liens_structure
        for quel, token in liens.items():
            kwargs = {p: objets[o] for p, o in regle.objets.items() if p != "token"}
            url = reverse(nom, kwargs={"token": token, **kwargs})
            # Another young person's valid link opens their own page and acts on their own journey: it must show
            # nothing of the victim; only the victim's objects are refused.
            if quel == "lien d'un autre jeune" and len(regle.objets) == 1:
                assert visible(client.get(url)) == [], quel
                continue
            for reponse in essayer(client, url):
                assert visible(reponse) == [], (quel, reponse.request["REQUEST_METHOD"])
                assert refus(reponse, anonyme=True), (quel, reponse.request["REQUEST_METHOD"], reponse.status_code)
    else:
        url = reverse(nom, kwargs={p: objets[o] for p, o in regle.objets.items()})
        for quel, jeton in jetons_api.items():
            entetes = {"HTTP_AUTHORIZATION": f"Bearer {jeton}"} if jeton else {}
            reponses = [
                client.get(url, **entetes),
                client.post(url, "{}", content_type="application/json", **entetes),
            ]
            for reponse in reponses:
                assert visible(reponse) == [], (quel, reponse.request["REQUEST_METHOD"])
                if jeton is None:
                    assert reponse.status_code in {401, 405}, (quel, reponse.status_code)
                elif regle.objets:
                    assert reponse.status_code in {404, 405}, (quel, reponse.status_code)
                else:
                    assert reponse.status_code in {200, 405, 422}, (quel, reponse.status_code)
    apres = photo()
    changees = [table for table in avant if avant[table] != apres[table]]
    assert changees == [], f"{nom} changed {changees}"

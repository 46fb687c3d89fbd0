import datetime
import re

import pytest
from django.utils import timezone

from sas.annuaire.factories import create_catalogue, service_row, structure_row
from sas.annuaire.models import Service
from sas.communes.factories import CommuneFactory
from sas.diagnostic import services as diagnostics
from sas.diagnostic.models import Questionnaire
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.orientation import services
from sas.orientation.models import ActorKind
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory
from sas.parcours.status import Status

LOGEMENT = "logement-hebergement--se-maintenir-dans-le-logement"
MOBILITE = "mobilite--etre-accompagne-dans-son-parcours-mobilite"
VILLEURBANNE = {"latitude": 45.77188, "longitude": 4.88983}
IN_PERSON = {
    "publics": ["jeunes"],
    "frais": "gratuit",
    "modes_accueil": ["en-presentiel"],
    "zone_eligibilite": ["69"],
    "code_insee": "69266",
    **VILLEURBANNE,
}


def envoyer(parcours, aiguilleur, cle="logement", partager_diagnostic=False):
    """Propose the ranking, and the young person chooses the service `cle`: the referral is sent."""
    parcours.refresh_from_db()
    ranking = [p for p in services.classer(parcours) if not p.deja_propose]
    propositions = services.proposer(parcours, ranking, actor=aiguilleur)
    chosen = next(p for p in propositions if p.service.identifiant == f"test--{cle}")
    return services.choisir(chosen, partager_diagnostic=partager_diagnostic, actor_kind=ActorKind.JEUNE)


def token_from(mail):
    """The structure's link token in the referral e-mail."""
    return re.search(r"/orientation/s/([\w-]+)/", mail.get_content()).group(1)


@pytest.fixture
def prescripteur(territory):
    return member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory, kind=OrganisationKind.ASE, nom="ASE"))


@pytest.fixture
def accueil(territory):
    """The receiving organisation with accounts, behind the first structure of the catalogue."""
    return OrganisationFactory(territory=territory, kind=OrganisationKind.STRUCTURE_ACCUEIL, nom="FJT Villeurbanne")


@pytest.fixture
def catalogue(accueil):
    """Two structures of the directory near Villeurbanne: housing (with accounts) and mobility (link only)."""
    create_catalogue(
        [
            structure_row("fjt", nom="Foyer jeunes travailleurs", courriel="accueil@fjt.example.org"),
            structure_row("mob", nom="Plateforme mobilité", courriel="contact@mobilite.example.org"),
        ],
        [
            service_row("logement", structure="fjt", nom="Logement temporaire", thematiques=[LOGEMENT], **IN_PERSON),
            service_row("mobilite", structure="mob", nom="Conseil mobilité", thematiques=[MOBILITE], **IN_PERSON),
        ],
    )
    found = {s.identifiant.removeprefix("test--"): s for s in Service.objects.select_related("structure")}
    found["logement"].structure.organisation = accueil
    found["logement"].structure.save()
    return found


@pytest.fixture
def parcours(territory, prescripteur, aiguilleur, catalogue):
    """A young person of Villeurbanne whose diagnostic was done a month ago: housing and mobility needs."""
    return diagnostique(territory, prescripteur, aiguilleur, timezone.now() - datetime.timedelta(days=30))


def diagnostique(territory, prescripteur, aiguilleur, at):
    """A young person of Villeurbanne signalled, contacted and diagnosed at `at`: housing and mobility needs."""
    # The data migration published the questionnaire today; this diagnostic dates from before.
    Questionnaire.objects.update(published_at=at)
    commune = CommuneFactory(code_insee="69266", nom="Villeurbanne", **VILLEURBANNE)
    signalement = SignalementFactory(
        organisation=prescripteur.memberships.get().organisation,
        parcours__territory=territory,
        parcours__at=at,
        parcours__jeune__prenom="Inès",
        parcours__jeune__nom="Perrin",
        parcours__jeune__telephone="+33612345678",
        parcours__jeune__email="ines@example.org",
        parcours__jeune__commune=commune,
    )
    parcours = signalement.parcours
    for status in (Status.A_CONTACTER, Status.CONTACTE):
        transitions.transition(parcours, status, at=at)
    diagnostic = diagnostics.demarrer(parcours, conseiller=aiguilleur, at=at)
    diagnostics.enregistrer(
        diagnostic,
        {
            "logement": {"niveau": "bloquant", "avis_jeune": "Je dors chez une amie"},
            "mobilite": {"niveau": "a_surveiller", "avis_jeune": ""},
        },
        actor=aiguilleur,
        at=at,
    )
    diagnostics.enregistrer_plan(
        diagnostic, besoins_retenus=["logement", "mobilite"], actor=aiguilleur, objectifs="Un logement stable", at=at
    )
    diagnostics.terminer(diagnostic, actor=aiguilleur, at=at)
    parcours.refresh_from_db()
    return parcours

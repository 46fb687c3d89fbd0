import datetime
import re

import pytest
from django.utils import timezone

from sas.messagerie.envoi import expedier
from sas.messagerie.models import Message
from sas.orientation import services as orientations
from sas.orientation.models import ActorKind
from sas.orientation.tests.conftest import (  # noqa: F401 (fixtures)
    accueil,
    catalogue,
    diagnostique,
    envoyer,
    parcours,
    prescripteur,
)

# The structure confirms the take-up on a Tuesday morning a week or two from now (the referral is sent today): every
# step after that runs on the controlled clock the tests pass.
_AUJOURDHUI = timezone.localdate()
_MARDI = _AUJOURDHUI + datetime.timedelta(days=7 + (1 - _AUJOURDHUI.weekday()) % 7)
PRISE_EN_CHARGE = timezone.make_aware(datetime.datetime.combine(_MARDI, datetime.time(10, 0)))


def prendre_en_charge(dossier, aiguilleur, at, *, envoyee_le=None):
    """Inès is sent to the housing service (at `envoyee_le`, default now), meets it, and the structure confirms the
    take-up at `at`."""
    if envoyee_le is None:
        orientation = envoyer(dossier, aiguilleur)
    else:
        ranking = [p for p in orientations.classer(dossier) if not p.deja_propose]
        propositions = orientations.proposer(dossier, ranking, actor=aiguilleur, at=envoyee_le)
        chosen = next(p for p in propositions if p.service.identifiant == "test--logement")
        orientation = orientations.choisir(chosen, partager_diagnostic=False, actor_kind=ActorKind.JEUNE, at=envoyee_le)
    rdv = at - datetime.timedelta(days=2)
    orientations.accepter(orientation, at=rdv - datetime.timedelta(days=3))
    orientations.fixer_rdv(orientation, rdv, at=rdv - datetime.timedelta(days=2))
    orientations.confirmer_prise_en_charge(orientation, at=at)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def pris_en_charge(parcours, aiguilleur):  # noqa: F811 (the imported fixture)
    """Take-up at PRISE_EN_CHARGE, in the future: the tests pass the clock."""
    return prendre_en_charge(parcours, aiguilleur, PRISE_EN_CHARGE)


@pytest.fixture
def pris_en_charge_il_y_a_un_mois(territory, prescripteur, aiguilleur, catalogue):  # noqa: F811 (imported fixtures)
    """Take-up 35 days ago, for the pages, which run on the real clock: its first check-in is due now."""
    jours = lambda n: timezone.now() - datetime.timedelta(days=n)  # noqa: E731
    dossier = diagnostique(territory, prescripteur, aiguilleur, jours(60))
    return prendre_en_charge(dossier, aiguilleur, jours(35), envoyee_le=jours(45))


def envoyer_courriels_structure(at, outbox):
    """Send the structures' e-mails the worker would send, at `at`; return their links' tokens, in order."""
    for message in Message.objects.filter(gabarit__startswith="structure_point_etape").order_by("pk"):
        if message.envoye_le is None:
            expedier(message.pk, at=at)
    return [re.search(r"/suivi/s/([\w-]+)/", mail.get_content()).group(1) for mail in outbox]

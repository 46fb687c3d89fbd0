import datetime
import re

import pytest
from django.utils import timezone

from sas.messagerie.envoi import expedier
from sas.messagerie.models import Message
from sas.orientation import services as orientations
from sas.orientation.tests.conftest import (  # noqa: F401 (fixtures)
    accueil,
    catalogue,
    envoyer,
    parcours,
    prescripteur,
)

# The structure confirms the take-up on a Tuesday morning a week or two from now (the referral is sent today): every
# step after that runs on the controlled clock the tests pass.
_AUJOURDHUI = timezone.localdate()
_MARDI = _AUJOURDHUI + datetime.timedelta(days=7 + (1 - _AUJOURDHUI.weekday()) % 7)
PRISE_EN_CHARGE = timezone.make_aware(datetime.datetime.combine(_MARDI, datetime.time(10, 0)))


@pytest.fixture
def pris_en_charge(parcours, aiguilleur):  # noqa: F811 (the imported fixture)
    """Inès, sent to the housing service, met it, and the structure confirmed the take-up at PRISE_EN_CHARGE."""
    orientation = envoyer(parcours, aiguilleur)
    rdv = PRISE_EN_CHARGE - datetime.timedelta(days=2)
    orientations.accepter(orientation, at=rdv - datetime.timedelta(days=3))
    orientations.fixer_rdv(orientation, rdv, at=rdv - datetime.timedelta(days=2))
    orientations.confirmer_prise_en_charge(orientation, at=PRISE_EN_CHARGE)
    parcours.refresh_from_db()
    return parcours


def envoyer_courriels_structure(at, outbox):
    """Send the structures' e-mails the worker would send, at `at`; return their links' tokens, in order."""
    for message in Message.objects.filter(gabarit__startswith="structure_point_etape").order_by("pk"):
        if message.envoye_le is None:
            expedier(message.pk, at=at)
    return [re.search(r"/suivi/s/([\w-]+)/", mail.get_content()).group(1) for mail in outbox]

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from sas.messagerie.envoi import envoyer
from sas.messagerie.models import Message, MessageStatus
from sas.parcours.models import EventKind, ParcoursEvent

from .conftest import MARDI


def travailler():
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)


# The worker closes database connections between tasks, as in production: no test transaction around it.
@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_each_message_at_its_time(parcours, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MARDI)
    maintenant = envoyer(parcours, "premier_contact")
    demain = envoyer(parcours, "relance", at=MARDI + datetime.timedelta(days=1))
    travailler()
    assert Message.objects.get(pk=maintenant.pk).status == MessageStatus.ENVOYE
    assert Message.objects.get(pk=demain.pk).status == MessageStatus.PROGRAMME
    monkeypatch.setattr(timezone, "now", lambda: MARDI + datetime.timedelta(days=1, minutes=1))
    travailler()
    assert Message.objects.get(pk=demain.pk).status == MessageStatus.ENVOYE
    travailler()
    assert ParcoursEvent.objects.filter(kind=EventKind.MESSAGE).count() == 2

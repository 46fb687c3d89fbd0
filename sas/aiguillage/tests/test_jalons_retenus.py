"""The milestones kept on the journey by the transition function are those its events give."""

import datetime

import pytest
from django.utils import timezone

from sas.aiguillage.indicators import jalons, jalons_retenus
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import EventKind, Parcours
from sas.parcours.status import Status

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _kept_and_read(parcours):
    stored = Parcours.objects.get(pk=parcours.pk)
    return jalons_retenus(stored), jalons(stored.events.order_by("occurred_at", "pk"))


def test_a_journey_keeps_the_first_date_of_each_milestone():
    start = timezone.now() - 40 * DAY
    parcours = ParcoursFactory(status=Status.SIGNALE, at=start)
    transitions.transition(parcours, Status.A_CONTACTER, at=start + DAY)
    transitions.transition(parcours, Status.CONTACT_EN_COURS, at=start + 2 * DAY)
    transitions.record_fact(parcours, EventKind.CONTACT, at=start + 3 * DAY)
    # A call logged afterwards but made earlier is the first attempt.
    transitions.record_fact(parcours, EventKind.CONTACT, at=start + 2 * DAY + datetime.timedelta(hours=5))
    transitions.record_fact(parcours, EventKind.MESSAGE, at=start + 5 * DAY)
    transitions.transition(parcours, Status.CONTACTE, at=start + 6 * DAY)
    transitions.transition(parcours, Status.DIAGNOSTIC_FAIT, at=start + 9 * DAY)
    kept, read = _kept_and_read(parcours)
    assert kept == read
    assert kept.premier_essai == start + 2 * DAY + datetime.timedelta(hours=5)
    assert kept.contacte == start + 6 * DAY
    assert kept.diagnostic == start + 9 * DAY
    assert kept.injoignable is None
    assert parcours.premier_essai_le == kept.premier_essai


def test_a_journey_declared_unreachable_keeps_that_date_and_had_no_attempt():
    start = timezone.now() - 10 * DAY
    parcours = ParcoursFactory(status=Status.SIGNALE, at=start)
    transitions.transition(parcours, Status.A_CONTACTER, at=start)
    transitions.transition(parcours, Status.CONTACT_EN_COURS, at=start + DAY)
    transitions.transition(parcours, Status.INJOIGNABLE, reason="Trois appels sans réponse", at=start + 2 * DAY)
    kept, read = _kept_and_read(parcours)
    assert kept == read
    assert kept.premier_essai is None
    assert kept.injoignable == start + 2 * DAY


def test_the_clock_of_a_journey_signalled_before_the_end_of_a_support_starts_when_it_leaves_that_status():
    start = timezone.now() - 60 * DAY
    parcours = ParcoursFactory(status=Status.SORTIE_A_VENIR, at=start)
    assert _kept_and_read(parcours) == (None, None)
    transitions.transition(parcours, Status.A_CONTACTER, at=start + 20 * DAY)
    transitions.transition(parcours, Status.CONTACT_EN_COURS, at=start + 21 * DAY)
    transitions.transition(parcours, Status.CONTACTE, at=start + 22 * DAY)
    kept, read = _kept_and_read(parcours)
    assert kept == read
    assert kept.debut == start + 20 * DAY
    assert kept.premier_essai == start + 22 * DAY

import datetime

import pytest
from django.utils import timezone

from sas.jeunes.factories import ConsentFactory, JeuneFactory
from sas.jeunes.models import DataCategory, may_receive
from sas.organisations.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_may_receive_only_what_an_active_consent_covers_for_that_organisation():
    structure, other = OrganisationFactory(), OrganisationFactory()
    consent = ConsentFactory(categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES], organisations=[structure])
    jeune = consent.jeune

    assert may_receive(jeune, structure, DataCategory.COORDONNEES)
    assert not may_receive(jeune, structure, DataCategory.DIAGNOSTIC)
    assert not may_receive(jeune, other, DataCategory.IDENTITE)
    assert not may_receive(JeuneFactory(), structure, DataCategory.IDENTITE)


def test_withdrawal_stops_transmission_from_that_moment():
    structure = OrganisationFactory()
    collected = timezone.now() - datetime.timedelta(days=10)
    consent = ConsentFactory(organisations=[structure], collected_at=collected)
    withdrawn = timezone.now() - datetime.timedelta(days=2)
    consent.withdraw(at=withdrawn)

    assert not may_receive(consent.jeune, structure, DataCategory.IDENTITE)
    assert may_receive(consent.jeune, structure, DataCategory.IDENTITE, at=withdrawn - datetime.timedelta(days=1))
    assert not may_receive(consent.jeune, structure, DataCategory.IDENTITE, at=collected - datetime.timedelta(days=1))
    consent.withdraw()
    consent.refresh_from_db()
    assert consent.withdrawn_at == withdrawn


def test_age_is_computed_on_a_given_day():
    jeune = JeuneFactory(date_naissance=datetime.date(2008, 3, 15))
    assert jeune.age(on=datetime.date(2026, 3, 14)) == 17
    assert jeune.age(on=datetime.date(2026, 3, 15)) == 18
    assert JeuneFactory(date_naissance=None).age() is None

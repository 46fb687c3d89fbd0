"""A receiving structure sees its own responsiveness on its referrals page, as the matching and the pilots do."""

import pytest
from django.urls import reverse

from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.orientation.models import ActorKind, OrientationStatus, Reason

from .test_indicators import referral

pytestmark = pytest.mark.django_db


def test_the_structure_sees_its_acceptance_delay_and_silences(client, parcours, catalogue, accueil):
    logement = catalogue["logement"]
    referral(parcours, logement, [(OrientationStatus.ACCEPTEE, 2, ActorKind.STRUCTURE, "")])
    referral(parcours, logement, [(OrientationStatus.ACCEPTEE, 4, ActorKind.STRUCTURE, "")])
    referral(parcours, logement, [(OrientationStatus.EXPIREE, 15, ActorKind.SYSTEME, Reason.SANS_REPONSE)])
    # Another structure's referrals are not the structure's figures.
    referral(parcours, catalogue["mobilite"], [(OrientationStatus.EXPIREE, 15, ActorKind.SYSTEME, Reason.SANS_REPONSE)])
    client.force_login(member(Role.STRUCTURE, accueil))
    response = client.get(reverse("orientation:recues"))
    [mine] = response.context["reactivites"]
    # Three answers, the silence included: 2 accepted, after (2 + 4 + 15) / 3 = 7 days; one expired.
    assert mine.nom == logement.structure.nom
    assert mine.mesure.taux_acceptation == pytest.approx(2 / 3)
    assert mine.mesure.delai_jours == pytest.approx(7.0)
    assert mine.expirees == 1
    html = response.content.decode()
    assert "67 % des orientations acceptées" in html and "1 orientation restée sans réponse 15 jours" in html

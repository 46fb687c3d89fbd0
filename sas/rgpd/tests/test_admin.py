import pytest
from django.urls import reverse

from sas.jeunes.models import Jeune
from sas.organisations.factories import UserFactory
from sas.rgpd import services

pytestmark = pytest.mark.django_db


def test_an_admin_completes_an_erasure_request(client, parcours):
    demande = services.demander_effacement(parcours)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:rgpd_demandeeffacement_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "effacer", "_selected_action": [demande.pk]})
    demande.refresh_from_db()
    assert demande.traitee_par == admin
    assert Jeune.objects.get(pk=parcours.jeune_id).anonymised_at is not None

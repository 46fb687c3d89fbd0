import datetime

import pytest

from sas.organisations.models import Organisation, OrganisationKind
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import Parcours

PARIS = datetime.timezone(datetime.timedelta(hours=1))  # March: Paris is UTC+1
# A Tuesday morning, inside the hours messages may go out.
MARDI = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SAS_SITE_URL = "https://sas.beta.gouv.fr"
    settings.SAS_SMS_PROVIDER = "outbox"
    settings.SAS_SMS_WEBHOOK_SECRET = "secret-des-rappels"


@pytest.fixture
def parcours(territory, aiguilleur):
    return nouveau_parcours(territory, aiguilleur)


def nouveau_parcours(territoire, conseiller=None, prescripteur="Mission locale de Lyon", **jeune):
    jeune = {"prenom": "Inès", "telephone": "+33612345678", "email": "ines@example.org", **jeune}
    parcours = ParcoursFactory(
        territory=territoire,
        at=MARDI - datetime.timedelta(days=1),
        **{f"jeune__{cle}": valeur for cle, valeur in jeune.items()},
    )
    organisation, _ = Organisation.objects.get_or_create(
        nom=prescripteur, territory=territoire, defaults={"kind": OrganisationKind.MISSION_LOCALE}
    )
    SignalementFactory(parcours=parcours, organisation=organisation)
    if conseiller:
        from sas.aiguillage.services import assigner

        assigner(parcours, conseiller, actor=None, at=MARDI - datetime.timedelta(hours=20))
    return Parcours.objects.select_related("jeune", "conseiller").get(pk=parcours.pk)

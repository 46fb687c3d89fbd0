"""The first message leaves as soon as a signalement is ready for contact, not at the next scheduler run."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from sas.communes.factories import CommuneFactory
from sas.messagerie.models import Message
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.models import Parcours, SignalementSource
from sas.parcours.status import Status
from sas.prescription.imports import COLUMNS, create_batch, run_import
from sas.prescription.services import SignalementData, signaler
from sas.prescription.tests.test_public import proche

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def worker_at_once(settings):
    """The task worker, run in the test's process: what it is given runs at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def commune():
    commune = CommuneFactory(
        code_insee="69266", nom="Villeurbanne", nom_normalise="villeurbanne", codes_postaux="69100"
    )
    TerritoryFactory(communes=[commune])
    return commune


@pytest.fixture
def prescriber(commune):
    territory = commune.territories.get()
    return member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory, kind=OrganisationKind.ASE))


def birth(years=19):
    return timezone.localdate() - datetime.timedelta(days=years * 365 + 30)


def test_a_prescribers_signalement_queues_the_first_message_at_once(
    client, prescriber, django_capture_on_commit_callbacks
):
    client.force_login(prescriber)
    data = {"prenom": "Yanis", "telephone": "06 12 34 56 78", "commune": "69100", "date_naissance": birth()}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("prescription:signaler"), data)
    message = Message.objects.get()  # no avancer_cadence run
    assert (message.gabarit, message.destinataire) == ("premier_contact", "+33612345678")
    assert Parcours.objects.get().status == Status.CONTACT_EN_COURS


def test_a_public_form_signalement_waits_for_a_counsellor(client, commune, django_capture_on_commit_callbacks):
    cache.clear()
    data = proche(motif="Elle a quitté le foyer à 18 ans.")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('public:formulaire')}?qui=proche", data, REMOTE_ADDR="203.0.113.7")
    cache.clear()
    assert response.status_code == 302
    assert Parcours.objects.get().status == Status.SIGNALE
    assert not Message.objects.exists()


def test_an_upcoming_exit_and_a_possible_duplicate_wait(commune, prescriber, django_capture_on_commit_callbacks):
    organisation = prescriber.memberships.get().organisation
    later = timezone.localdate() + datetime.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        signaler(
            SignalementData(
                prenom="Inès", commune=commune, telephone="+33612345678", date_naissance=birth(),
                fin_accompagnement_le=later,
            ),
            source=SignalementSource.PRESCRIPTEUR, organisation=organisation,
        )  # fmt: skip
    assert not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        result = signaler(
            SignalementData(prenom="Zoé", commune=commune, telephone="+33612345678", date_naissance=birth(25)),
            source=SignalementSource.PRESCRIPTEUR,
            organisation=organisation,
        )
    assert result.doublon is not None  # same phone only: a counsellor decides first
    assert not Message.objects.exists()


def test_a_file_import_queues_one_first_message_per_row(prescriber, django_capture_on_commit_callbacks):
    organisation = prescriber.memberships.get().organisation
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([column.label for column in COLUMNS])
    for number in range(5):
        values = {
            "prenom": f"Jeune{number}",
            "date_naissance": birth().strftime("%d/%m/%Y"),
            "telephone": f"06 12 34 56 7{number}",
            "code_postal": "69100",
            "commune": "Villeurbanne",
            "jeune_accord": "oui",
        }
        writer.writerow([values.get(column.key, "") for column in COLUMNS])
    batch = create_batch(organisation=organisation, user=prescriber, filename="s.csv", content=out.getvalue().encode())
    with django_capture_on_commit_callbacks(execute=True):
        assert run_import(batch).created_count == 5
    assert sorted(Message.objects.values_list("destinataire", flat=True)) == [f"+3361234567{n}" for n in range(5)]
    assert set(Message.objects.values_list("gabarit", flat=True)) == {"premier_contact"}


def test_a_failing_first_contact_loses_no_signalement(
    client, prescriber, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("messagerie indisponible")

    monkeypatch.setattr("sas.aiguillage.cadence._avancer_un", broken)
    client.force_login(prescriber)
    data = {"prenom": "Yanis", "telephone": "06 12 34 56 78", "commune": "69100", "date_naissance": birth()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("prescription:signaler"), data)
    assert response.status_code == 302
    assert Parcours.objects.get().status == Status.SIGNALE  # the scheduler will run its first step
    assert not Message.objects.exists()

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from sas.messagerie.envoi import expedier
from sas.messagerie.models import Destinataire, Message, MessageStatus
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import Role
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory
from sas.parcours.status import Status
from sas.prescription.digest import send_digests
from sas.prescription.models import PrescripteurPreferences
from sas.prescription.stats import stages_reached

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganisationFactory(territory=TerritoryFactory())


def walk(parcours, *statuses, reason="Motif"):
    for status in statuses:
        transitions.transition(parcours, status, reason=reason)


def test_stages_reached_counts_every_journey_that_ever_reached_a_stage(org):
    a, b, c = (SignalementFactory(organisation=org, parcours__territory=org.territory).parcours for _ in range(3))
    walk(a, Status.A_CONTACTER, Status.CONTACTE, Status.DIAGNOSTIC_FAIT)
    walk(b, Status.A_CONTACTER, Status.CONTACTE, Status.ABANDON)  # left later: still reached "contacté"
    SignalementFactory(parcours=c, organisation=OrganisationFactory(territory=org.territory))  # counted once
    SignalementFactory()  # another organisation's
    total, rows = stages_reached(org)
    assert total == 3
    assert dict(rows)["Contacté"] == 2 and dict(rows)["Diagnostic fait"] == 1 and dict(rows)["Pris en charge"] == 0


def test_statistics_page_is_for_the_prescriber_organisation_only(client, org):
    SignalementFactory(organisation=org, parcours__territory=org.territory)
    client.force_login(member(Role.PRESCRIPTEUR, org))
    response = client.get(reverse("prescription:statistiques"))
    assert response.context["rows"][0][1][0] == 1
    client.force_login(member(Role.AIGUILLEUR, territory=org.territory))
    assert client.get(reverse("prescription:statistiques")).status_code == 403


def test_digest_preference_is_opt_in_and_can_be_turned_off(client, org):
    user = member(Role.PRESCRIPTEUR, org)
    client.force_login(user)
    assert (
        "checked" not in client.get(reverse("parcours:mes_signalements")).content.decode().split("digest_hebdo")[1][:80]
    )
    client.post(reverse("prescription:digest_preference"), {"digest_hebdo": "on"})
    assert PrescripteurPreferences.objects.get(user=user).digest_hebdo
    client.post(reverse("prescription:digest_preference"), {})
    assert not PrescripteurPreferences.objects.get(user=user).digest_hebdo


def test_weekly_digest_goes_through_smtp_once_a_week_with_first_names_only(org, smtp_server):
    user = member(Role.PRESCRIPTEUR, org)
    PrescripteurPreferences.objects.create(user=user, digest_hebdo=True)
    quiet_user = member(Role.PRESCRIPTEUR, OrganisationFactory(territory=org.territory))
    PrescripteurPreferences.objects.create(user=quiet_user, digest_hebdo=True)
    parcours = SignalementFactory(
        organisation=org,
        parcours__territory=org.territory,
        parcours__jeune__prenom="Nour",
        parcours__jeune__nom="Haddad",
    ).parcours
    walk(parcours, Status.A_CONTACTER, Status.CONTACTE)
    other = SignalementFactory(parcours__jeune__prenom="Autre").parcours
    walk(other, Status.A_CONTACTER)

    assert send_digests(wet_run=False) == (1, 1) and smtp_server == []
    call_command("envoyer_resumes_prescripteurs", "--wet-run")
    [message] = smtp_server
    body = message.get_content()
    assert message["To"] == user.email and "2 nouvelles étapes" in message["Subject"]
    assert "Nour H. : Contacté le" in body and "Haddad" not in body and "Autre" not in body

    walk(parcours, Status.DIAGNOSTIC_FAIT)
    assert send_digests(wet_run=True) == (0, 1)  # already sent this week
    later = timezone.now() + datetime.timedelta(days=7)
    assert send_digests(wet_run=True, now=later) == (1, 1)
    assert "Diagnostic fait" in smtp_server[1].get_content() and "Contacté" not in smtp_server[1].get_content()


def test_queue_sorts_upcoming_exits_by_their_end_of_support_among_the_deadlines(client, org):
    later, soon = (
        SignalementFactory(
            organisation=org,
            parcours__territory=org.territory,
            parcours__status=Status.SORTIE_A_VENIR,
            parcours__jeune__prenom=name,
            fin_accompagnement_le=timezone.localdate() + datetime.timedelta(days=days),
        )
        for name, days in [("Tard", 80), ("Bientot", 10)]
    )
    SignalementFactory(organisation=org, parcours__territory=org.territory, parcours__jeune__prenom="Courant")
    client.force_login(member(Role.AIGUILLEUR, territory=org.territory))
    response = client.get(reverse("parcours:file_active"))
    # Just signalled: its first attempt is due within 72 hours, before the nearest end of support.
    assert [p.jeune.prenom for p in response.context["parcours"]] == ["Courant", "Bientot", "Tard"]
    assert f"Fin d'accompagnement le {soon.fin_accompagnement_le:%d/%m/%Y}" in response.content.decode()


def test_the_digest_goes_through_messagerie_and_is_retried_when_the_server_is_down(org, smtp_server, settings):
    user = member(Role.PRESCRIPTEUR, org)
    PrescripteurPreferences.objects.create(user=user, digest_hebdo=True)
    parcours = SignalementFactory(organisation=org, parcours__territory=org.territory).parcours
    walk(parcours, Status.A_CONTACTER)
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 9  # nothing listens there

    assert send_digests(wet_run=True) == (1, 0)
    message = Message.objects.get(nature=Destinataire.PRESCRIPTEUR)
    assert (message.destinataire, message.gabarit, message.jeune_id) == (user.email, "digest_prescripteur", None)
    assert (message.status, message.tentatives) == (MessageStatus.PROGRAMME, 1)
    assert smtp_server == []
    # Retried by messagerie, not sent again by the next weekly run.
    assert send_digests(wet_run=True) == (0, 0)

    settings.EMAIL_PORT = port
    assert expedier(message.pk, at=message.prevu_le) == MessageStatus.ENVOYE
    [mail] = smtp_server
    assert mail["To"] == user.email and "1 nouvelle étape pour vos signalements" in mail["Subject"]
    assert mail["Message-ID"] == f"<{message.uuid}@sas>"
    assert "À contacter" in mail.get_content()

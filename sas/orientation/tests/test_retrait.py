"""Withdrawing consent (issue #10, finding 4) and magic links (finding 7), through the real entry points."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.audit.models import AuditEntry
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.testing import verifier
from sas.jeunes.factories import ConsentFactory
from sas.jeunes.models import CollectionMethod, Consent, DataCategory, Purpose, may_receive
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Message, MessageStatus
from sas.organisations.factories import TerritoryFactory, member
from sas.organisations.models import Role
from sas.orientation import indicators, retrait, services
from sas.orientation.models import ActorKind, EventKind, LienStructure, OrientationStatus, Reason
from sas.parcours.models import EventKind as ParcoursEventKind
from sas.parcours.status import Status

from .conftest import envoyer, token_from

# These tests open many dead links on purpose: the rate limit on wrong links starts empty.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

PHONE, EMAIL = "+33612345678", "ines@example.org"


def accompagnement(parcours, aiguilleur):
    """The agreement to be accompanied that the young person gave `aiguilleur` orally, for their team."""
    return ConsentFactory(
        jeune=parcours.jeune,
        purpose=Purpose.ACCOMPAGNEMENT,
        categories=[c.value for c in DataCategory],
        collected_by=aiguilleur,
        organisations=[aiguilleur.memberships.get().organisation],
    )


@pytest.fixture
def envoyee(parcours, aiguilleur, accueil, smtp_server):
    """Inès agreed to be accompanied, chose the housing service (diagnostic shared): the referral is sent, the
    structure has its magic link and an account, the young person their link; a message to her is pending."""
    accompagnement(parcours, aiguilleur)
    orientation = envoyer(parcours, aiguilleur, partager_diagnostic=True)
    return {
        "orientation": orientation,
        "magic": reverse("orientation:lien", args=[token_from(smtp_server[0])]),
        "lien": LienJeune.creer(parcours),
        "structure_user": member(Role.STRUCTURE, accueil),
    }


def assert_nothing_left_for_the_structure(parcours, envoyee, smtp_server):
    orientation = envoyee["orientation"]
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.ANNULEE
    assert (
        orientation.events.get(kind=EventKind.TRANSITION, to_status=OrientationStatus.ANNULEE).reason
        == Reason.CONSENTEMENT_RETIRE
    )

    # The magic link says "annulée", and nothing else.
    response = Client().get(envoyee["magic"])
    assert response.status_code == 410
    assert "a été annulée" in response.text
    assert PHONE not in response.text and "Inès" not in response.text
    # With an account: the referral is listed as cancelled, with neither name, phone nor diagnostic.
    structure = Client()
    structure.force_login(envoyee["structure_user"])
    listing = structure.get(reverse("orientation:recues")).text
    assert "Annulée" in listing and "Inès" not in listing
    page = structure.get(reverse("orientation:recue", args=[orientation.pk])).text
    for secret in (PHONE, EMAIL, "Inès", "Perrin", "Un logement stable"):
        assert secret not in page
    assert "Annulée" in page and "retiré son accord" in page

    # The structure was told, without anything that says who.
    notice = smtp_server[-1]
    assert notice["Subject"] == "Orientation SAS annulée" and notice["To"] == "accueil@fjt.example.org"
    body = notice.get_content()
    assert "annulée à la demande de la personne" in body
    for secret in (PHONE, EMAIL, "Inès", "Perrin", "/orientation/s/"):
        assert secret not in body
    assert orientation.events.filter(kind=EventKind.AVIS_ANNULATION).count() == 1


def assert_nothing_reaches_the_young_person(parcours, envoyee, smtp_server):
    lien = envoyee["lien"]
    assert Client().get(reverse("espace_jeune:page", args=[lien.token])).status_code == 410
    assert Client().get(reverse("orientation:jeune", args=[lien.token])).status_code == 410
    synthese = Client().get(reverse("diagnostic:jeune_synthese", args=[lien.token]))
    assert synthese.status_code == 404 and "Un logement stable" not in synthese.text
    assert not LienJeune.objects.valides().filter(parcours=parcours).exists()

    # Nothing pending is sent, nothing new is scheduled, the reminders stay silent.
    assert Message.objects.filter(parcours=parcours).exists()
    assert not Message.objects.filter(parcours=parcours, status=MessageStatus.PROGRAMME).exists()
    assert messagerie.envoyer(parcours, "relance") is None
    later = timezone.now() + datetime.timedelta(days=4)
    messagerie.envoyer_dus(wet_run=True, at=later)
    assert not Message.objects.filter(parcours=parcours, status=MessageStatus.ENVOYE).exists()
    mails = len(smtp_server)
    assert services.relancer(wet_run=True, at=later) == []
    assert len(smtp_server) == mails


def test_the_young_person_withdraws_everything_from_their_page(client, parcours, envoyee, smtp_server):
    lien = envoyee["lien"]
    assert PHONE in client.get(envoyee["magic"]).text
    assert "Retirer mon accord" in client.get(reverse("espace_jeune:page", args=[lien.token])).text
    url = reverse("orientation:jeune_retrait", args=[lien.token])
    page = client.get(url)
    assert page.status_code == 200 and "La structure est prévenue" in page.text

    # Not without the confirmation.
    assert client.post(url, {}).status_code == 400
    assert parcours.jeune.consents.active().count() == 2

    response = client.post(url, {"confirmation": "on"})
    assert response.status_code == 200 and "Votre accord est retiré" in response.text

    consents = parcours.jeune.consents.all()
    assert len(consents) == 2 and not parcours.jeune.consents.active().exists()
    assert {(c.withdrawn_by, c.withdrawn_via) for c in consents} == {(None, CollectionMethod.LIEN_SIGNE)}
    parcours.refresh_from_db()
    assert parcours.status == Status.CONSENTEMENT_RETIRE
    transitions = parcours.events.filter(kind=ParcoursEventKind.TRANSITION).order_by("occurred_at", "pk")
    assert transitions.last().to_status == Status.CONSENTEMENT_RETIRE
    assert transitions.last().reason == "Le jeune a retiré son accord sur sa page"
    assert not transitions.filter(to_status=Status.ORIENTATION_REFUSEE).exists(), "the journey closes, full stop"
    assert (
        envoyee["orientation"].events.get(kind=EventKind.TRANSITION, to_status=OrientationStatus.ANNULEE).actor_kind
        == ActorKind.JEUNE
    )
    assert_nothing_left_for_the_structure(parcours, envoyee, smtp_server)
    assert_nothing_reaches_the_young_person(parcours, envoyee, smtp_server)
    entry = AuditEntry.objects.get(detail__retrait_consentement="tout")
    assert entry.actor is None and entry.jeune_ids == [parcours.jeune_id]

    # A second click: the link no longer opens anything.
    assert client.post(url, {"confirmation": "on"}).status_code == 410


def test_the_counsellor_withdraws_everything_with_the_young_person(client, parcours, aiguilleur, envoyee, smtp_server):
    client.force_login(aiguilleur)
    detail = client.get(reverse("parcours:detail", args=[parcours.uuid])).text
    url = reverse("orientation:retrait", args=[parcours.uuid])
    assert url in detail

    assert client.post(url, {"portee": "tout"}).status_code == 400, "the young person's request is confirmed"
    assert parcours.jeune.consents.active().count() == 2
    response = client.post(url, {"portee": "tout", "accord": "on"})
    assert response.status_code == 302

    consents = parcours.jeune.consents.all()
    assert {(c.withdrawn_by, c.withdrawn_via) for c in consents} == {(aiguilleur, CollectionMethod.ORAL)}
    parcours.refresh_from_db()
    assert parcours.status == Status.CONSENTEMENT_RETIRE
    assert parcours.events.get(to_status=Status.CONSENTEMENT_RETIRE).actor == aiguilleur
    event = envoyee["orientation"].events.get(kind=EventKind.TRANSITION, to_status=OrientationStatus.ANNULEE)
    assert (event.actor_kind, event.actor) == (ActorKind.CONSEILLER, aiguilleur)
    assert AuditEntry.objects.get(detail__retrait_consentement="tout").actor == aiguilleur
    assert_nothing_left_for_the_structure(parcours, envoyee, smtp_server)
    assert_nothing_reaches_the_young_person(parcours, envoyee, smtp_server)


def test_the_generic_status_change_no_longer_withdraws_by_halves(client, parcours, aiguilleur, envoyee):
    client.force_login(aiguilleur)
    detail = client.get(reverse("parcours:detail", args=[parcours.uuid])).text
    assert 'value="consentement_retire"' not in detail
    client.post(reverse("parcours:change_status", args=[parcours.uuid]), {"to_status": "consentement_retire"})
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_ENVOYEE
    assert parcours.jeune.consents.active().count() == 2


def test_the_young_person_withdraws_for_one_structure(client, parcours, envoyee, smtp_server):
    lien, orientation = envoyee["lien"], envoyee["orientation"]
    page = verifier(client, lien).get(reverse("orientation:jeune", args=[lien.token])).text
    url = reverse("orientation:jeune_retrait_structure", args=[lien.token, orientation.structure_id])
    assert url in page

    client.post(url, {})
    assert parcours.jeune.consents.active().count() == 2, "not without the confirmation"
    response = client.post(url, {"confirmation": "on"}, follow=True)
    assert "ne reçoit plus vos informations" in response.text

    assert not may_receive(parcours.jeune, orientation.structure, DataCategory.COORDONNEES)
    accompagnement = parcours.jeune.consents.active().get()
    assert accompagnement.purpose == Purpose.ACCOMPAGNEMENT, "the SAS team still accompanies her"
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_REFUSEE, "back to aiguillage"
    assert parcours.status in services.PEUT_PROPOSER
    assert_nothing_left_for_the_structure(parcours, envoyee, smtp_server)
    # Her own link still works.
    assert client.get(reverse("espace_jeune:page", args=[lien.token])).status_code == 200
    entry = AuditEntry.objects.get(detail__retrait_consentement="structure")
    assert entry.detail["structure"] == orientation.structure_id


def test_the_counsellor_withdraws_for_one_structure(client, parcours, aiguilleur, envoyee, smtp_server):
    client.force_login(aiguilleur)
    orientation = envoyee["orientation"]
    url = reverse("orientation:retrait", args=[parcours.uuid])
    assert "Foyer jeunes travailleurs" in client.get(url).text
    client.post(url, {"portee": str(orientation.structure_id), "accord": "on"})
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_REFUSEE
    withdrawn = parcours.jeune.consents.get(withdrawn_at__isnull=False)
    assert (withdrawn.purpose, withdrawn.withdrawn_by) == (Purpose.TRANSMISSION, aiguilleur)
    assert_nothing_left_for_the_structure(parcours, envoyee, smtp_server)
    assert LienJeune.objects.valides().filter(parcours=parcours).exists()


def test_a_consent_naming_several_structures_is_withdrawn_for_one_only(parcours, aiguilleur, catalogue):
    fjt, mob = catalogue["logement"].structure, catalogue["mobilite"].structure
    before = timezone.now() - datetime.timedelta(days=1)
    consent = Consent.objects.create(
        jeune=parcours.jeune,
        purpose=Purpose.TRANSMISSION,
        categories=[DataCategory.IDENTITE, DataCategory.COORDONNEES],
        collected_via=CollectionMethod.ORAL,
        collected_by=aiguilleur,
        collected_at=before,
    )
    consent.structures.set([fjt, mob])

    retrait.retirer_consentement(parcours, structure=fjt, actor_kind=ActorKind.CONSEILLER, actor=aiguilleur)

    jeune = parcours.jeune
    assert not may_receive(jeune, fjt, DataCategory.IDENTITE)
    assert may_receive(jeune, mob, DataCategory.IDENTITE) and may_receive(jeune, mob, DataCategory.COORDONNEES)
    # The history stays exact: yesterday, both structures could receive it.
    assert may_receive(jeune, fjt, DataCategory.IDENTITE, at=before + datetime.timedelta(hours=1))
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    copy = jeune.consents.active().get()
    assert list(copy.structures.all()) == [mob] and copy.collected_at == before
    parcours.refresh_from_db()
    assert parcours.status == Status.DIAGNOSTIC_FAIT, "no referral was open: the journey does not move"


def test_withdrawing_for_a_structure_nothing_names_is_refused(parcours, catalogue):
    with pytest.raises(Exception, match="Aucun accord en cours"):
        retrait.retirer_consentement(parcours, structure=catalogue["mobilite"].structure, actor_kind=ActorKind.JEUNE)


def test_withdrawing_everything_twice_writes_one_transition(parcours, envoyee):
    retrait.retirer_consentement(parcours, actor_kind=ActorKind.JEUNE)
    retrait.retirer_consentement(parcours, actor_kind=ActorKind.JEUNE)
    assert parcours.events.filter(to_status=Status.CONSENTEMENT_RETIRE, kind=ParcoursEventKind.TRANSITION).count() == 1
    assert (
        envoyee["orientation"].events.filter(kind=EventKind.TRANSITION, to_status=OrientationStatus.ANNULEE).count()
        == 1
    )


@pytest.mark.parametrize(
    "who",
    [
        lambda t, accueil: member(Role.AIGUILLEUR, territory=TerritoryFactory()),
        lambda t, accueil: member(Role.PRESCRIPTEUR, territory=t),
        lambda t, accueil: member(Role.STRUCTURE, accueil),
        lambda t, accueil: member(Role.PILOTE, territory=t),
        lambda t, accueil: None,
    ],
    ids=["other-territory-aiguilleur", "prescriber", "structure", "pilot", "anonymous"],
)
def test_only_the_counsellor_of_the_territory_withdraws(client, parcours, territory, accueil, envoyee, who):
    user = who(territory, accueil)
    if user:
        client.force_login(user)
    url = reverse("orientation:retrait", args=[parcours.uuid])
    assert client.get(url).status_code in (302, 403, 404)
    assert client.post(url, {"portee": "tout", "accord": "on"}).status_code in (302, 403, 404)
    parcours.refresh_from_db()
    assert parcours.status == Status.ORIENTATION_ENVOYEE
    assert parcours.jeune.consents.active().count() == 2
    assert not AuditEntry.objects.filter(detail__page="retrait").exists()


def test_an_expired_revoked_or_foreign_link_cannot_withdraw(client, parcours, territory, envoyee):
    from sas.parcours.factories import ParcoursFactory

    lien, structure_id = envoyee["lien"], envoyee["orientation"].structure_id
    expired = LienJeune.objects.create(parcours=parcours, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    revoked = LienJeune.objects.create(parcours=parcours, expires_at=timezone.now() + datetime.timedelta(days=9))
    revoked.revoquer()
    for token in (expired.token, revoked.token, lien.token[:-1] + ("a" if lien.token[-1] != "a" else "b")):
        assert (
            client.post(reverse("orientation:jeune_retrait", args=[token]), {"confirmation": "on"}).status_code == 410
        )
        url = reverse("orientation:jeune_retrait_structure", args=[token, structure_id])
        assert client.post(url, {"confirmation": "on"}).status_code == 410
    other = LienJeune.creer(ParcoursFactory(territory=territory))
    url = reverse("orientation:jeune_retrait_structure", args=[other.token, structure_id])
    assert client.post(url, {"confirmation": "on"}).status_code == 403, "not before the young person's check"
    assert verifier(client, other).post(url, {"confirmation": "on"}).status_code == 404
    assert parcours.jeune.consents.active().count() == 2
    envoyee["orientation"].refresh_from_db()
    assert envoyee["orientation"].status == OrientationStatus.ENVOYEE


# Magic links (finding 7).


def test_opening_the_magic_link_is_not_reading_it(client, parcours, aiguilleur, smtp_server):
    orientation = envoyer(parcours, aiguilleur, partager_diagnostic=True)
    url = reverse("orientation:lien", args=[token_from(smtp_server[0])])
    for _ in range(2):  # a scanner, then the person
        assert client.get(url).status_code == 200
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.ENVOYEE
    assert not orientation.events.filter(to_status=OrientationStatus.VUE).exists()
    assert indicators.reactivite([orientation.structure_id]) == {}
    assert indicators.boucle(orientation=orientation).bouclees.atteints == 0

    seen = reverse("orientation:lien_agir", args=[token_from(smtp_server[0]), "vue"])
    client.post(seen)
    client.post(seen)
    assert orientation.events.filter(to_status=OrientationStatus.VUE).count() == 1
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.VUE


def test_opening_a_received_referral_with_an_account_is_not_reading_it(client, parcours, aiguilleur, accueil):
    orientation = envoyer(parcours, aiguilleur, partager_diagnostic=True)
    client.force_login(member(Role.STRUCTURE, accueil))
    assert "J'ai pris connaissance" in client.get(reverse("orientation:recue", args=[orientation.pk])).text
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.ENVOYEE
    client.post(reverse("orientation:recue_agir", args=[orientation.pk, "vue"]))
    orientation.refresh_from_db()
    assert orientation.status == OrientationStatus.VUE


def test_a_reminder_leaves_one_valid_link(client, parcours, aiguilleur, smtp_server):
    orientation = envoyer(parcours, aiguilleur, partager_diagnostic=True)
    old = reverse("orientation:lien", args=[token_from(smtp_server[0])])
    at = timezone.now() + datetime.timedelta(days=3, minutes=1)
    assert len(services.relancer(wet_run=True, at=at)) == 1
    new = reverse("orientation:lien", args=[token_from(smtp_server[-1])])
    assert new != old
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    assert LienStructure.objects.filter(orientation=orientation, revoked_at__isnull=True).count() == 1


def test_a_failed_reminder_keeps_the_earlier_link(client, parcours, aiguilleur, smtp_server, settings):
    orientation = envoyer(parcours, aiguilleur, partager_diagnostic=True)
    old = reverse("orientation:lien", args=[token_from(smtp_server[0])])
    settings.EMAIL_PORT = 9  # discard: nothing listens
    event = services.notifier_structure(orientation, raison="relance")
    assert event.kind == EventKind.ECHEC_COURRIEL
    assert client.get(old).status_code == 200
    assert LienStructure.objects.filter(orientation=orientation, revoked_at__isnull=True).count() == 1

"""The young person writes to their counsellor from their page; their SMS answers join the same conversation."""

import html as htmllib
import json

import pytest
from django.test import Client
from django.urls import reverse

from sas.aiguillage.models import MessageJeune, ViaMessage
from sas.aiguillage.services import assigner
from sas.audit.models import Action, AuditEntry
from sas.espace_jeune import services
from sas.espace_jeune.forms import MESSAGE_MAX
from sas.espace_jeune.models import LienJeune
from sas.espace_jeune.tests.liens import inutilisable
from sas.messagerie.models import Destinataire, Message
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import EventKind
from sas.parcours.status import Status

pytestmark = pytest.mark.django_db

SECRET = "secret-des-sms"
NOUVEAU = 'fr-badge--info">Nouveau</span>'


def text(response):
    return htmllib.unescape(response.content.decode())


def ecrire(client, lien_or_token, texte):
    token = getattr(lien_or_token, "token", lien_or_token)
    return client.post(reverse("espace_jeune:ecrire", args=[token]), {"texte": texte})


def page_du_parcours(client, user, parcours):
    client.force_login(user)
    return client.get(reverse("parcours:detail", args=[parcours.uuid]))


def file_active(client, user):
    client.force_login(user)
    return text(client.get(reverse("parcours:file_active")))


@pytest.fixture
def conseiller(parcours, aiguilleur):
    assigner(parcours, aiguilleur, actor=aiguilleur)
    return aiguilleur


def test_a_message_from_the_page_is_in_the_timeline_and_the_queue_until_read(client, lien, parcours, conseiller):
    response = ecrire(client, lien, "  Je ne peux pas venir mardi, je travaille.  ")
    assert response.status_code == 302 and response["Location"] == reverse("espace_jeune:page", args=[lien.token])
    message = MessageJeune.objects.get()
    assert (message.parcours, message.texte, message.via, message.lu_le) == (
        parcours,
        "Je ne peux pas venir mardi, je travaille.",
        ViaMessage.PAGE,
        None,
    )
    [event] = parcours.events.filter(kind=EventKind.MESSAGE_JEUNE)
    assert event.detail == {"message_jeune": message.pk, "via": "page"} and event.actor is None
    # Writing is answering: the cadence stops and the journey is "contacté".
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE
    [entry] = AuditEntry.objects.filter(action=Action.CREATION, detail__action_jeune="message")
    assert entry.object_id == str(message.pk) and entry.jeune_ids == [parcours.jeune_id]

    desk = Client()
    assert "Message non lu" in file_active(desk, conseiller)
    html = text(page_du_parcours(desk, conseiller, parcours))
    assert "Conversation avec le jeune" in html and "Je ne peux pas venir mardi, je travaille." in html
    assert NOUVEAU in html
    message.refresh_from_db()
    assert message.lu_le is not None and message.lu_par == conseiller
    assert "Message non lu" not in file_active(desk, conseiller)
    assert NOUVEAU not in text(page_du_parcours(desk, conseiller, parcours))


def test_the_counsellor_is_e_mailed_once_per_unread_burst_without_the_text(
    client, lien, parcours, conseiller, smtp_server
):
    ecrire(client, lien, "Bonjour, c'est urgent pour mon logement")
    ecrire(client, lien, "Vous pouvez m'appeler ?")
    [mail] = smtp_server
    assert mail["To"] == conseiller.email
    assert mail["Subject"] == f"SAS : {parcours.jeune.prenom} vous a écrit"
    body = mail.get_content()
    assert reverse("parcours:detail", args=[parcours.uuid]) in body
    assert "logement" not in body and "appeler" not in body
    sent = Message.objects.get(nature=Destinataire.CONSEILLER)
    assert sent.destinataire == conseiller.email and sent.parcours is None
    # Once read, a new message makes a new e-mail.
    page_du_parcours(Client(), conseiller, parcours)
    ecrire(client, lien, "Merci !")
    assert len(smtp_server) == 2


def test_without_a_counsellor_nobody_is_e_mailed_and_the_team_sees_it_in_the_queue(
    client, lien, parcours, aiguilleur, smtp_server
):
    ecrire(client, lien, "Bonjour")
    assert smtp_server == [] and not Message.objects.filter(nature=Destinataire.CONSEILLER).exists()
    assert "Message non lu" in file_active(Client(), aiguilleur)


@pytest.mark.parametrize("case", ["expired", "revoked", "forged", "withdrawn"])
def test_an_unusable_link_cannot_write(client, lien, parcours, case):
    token = inutilisable(lien, parcours, case)
    assert ecrire(client, token, "Bonjour").status_code == 410
    assert not MessageJeune.objects.exists()
    assert not parcours.events.filter(kind=EventKind.MESSAGE_JEUNE).exists()


def test_csrf_stays_on_and_get_is_refused(lien, parcours):
    assert ecrire(Client(enforce_csrf_checks=True), lien, "Bonjour").status_code == 403
    assert Client().get(reverse("espace_jeune:ecrire", args=[lien.token])).status_code == 405
    assert not MessageJeune.objects.exists()


@pytest.mark.parametrize(("texte", "erreur"), [("   ", "Écrivez votre message"), ("a" * 501, "trop long")])
def test_an_empty_or_too_long_message_comes_back_with_the_text_and_stores_nothing(client, lien, texte, erreur):
    response = ecrire(client, lien, texte)
    assert response.status_code == 400
    html = text(response)
    assert erreur in html and texte.strip() in html
    assert f"{MESSAGE_MAX} caractères au plus" in html
    assert not MessageJeune.objects.exists()


def test_messages_are_limited_per_link(client, lien, parcours, territory):
    limit = services.messages_ecrits.limit
    for n in range(limit):
        assert ecrire(client, lien, f"Message {n}").status_code == 302
    refused = ecrire(client, lien, "Encore un")
    assert refused.status_code == 429 and "attendez sa réponse" in text(refused)
    assert MessageJeune.objects.count() == limit
    # Another young person's link is not affected.
    other = LienJeune.creer(ParcoursFactory(territory=territory))
    assert ecrire(Client(), other, "Bonjour").status_code == 302


def test_only_the_territorys_counsellors_read_the_conversation(client, lien, parcours, ase, territory):
    ecrire(client, lien, "Mon secret de message")
    elsewhere = member(
        Role.AIGUILLEUR, OrganisationFactory(kind=OrganisationKind.EQUIPE_SAS, territory=TerritoryFactory())
    )
    assert page_du_parcours(Client(), elsewhere, parcours).status_code == 404
    assert "Message non lu" not in file_active(Client(), elsewhere)
    prescripteur = member(Role.PRESCRIPTEUR, ase)
    response = page_du_parcours(Client(), prescripteur, parcours)
    assert response.status_code == 200 and "Mon secret de message" not in text(response)
    anonymous = Client().get(reverse("parcours:detail", args=[parcours.uuid]))
    assert anonymous.status_code == 302 and "Mon secret de message" not in text(anonymous)
    # None of them marked it read.
    assert MessageJeune.objects.get().lu_le is None


def test_an_sms_answer_joins_the_same_conversation(client, lien, parcours, conseiller, settings):
    settings.SAS_SMS_WEBHOOK_SECRET = SECRET
    ecrire(client, lien, "Je vous écris depuis ma page")
    webhook = reverse("messagerie:entrant_sms")
    for texte in ("Et voici ma réponse par SMS", "STOP"):
        body = json.dumps({"from": parcours.jeune.telephone, "text": texte})
        response = client.post(webhook, body, content_type="application/json", HTTP_X_WEBHOOK_SECRET=SECRET)
        assert response.status_code == 200
    # STOP stops messages; it is not a message to the counsellor.
    assert list(MessageJeune.objects.values_list("via", "texte")) == [
        (ViaMessage.PAGE, "Je vous écris depuis ma page"),
        (ViaMessage.SMS, "Et voici ma réponse par SMS"),
    ]
    kinds = [e.detail["via"] for e in parcours.events.filter(kind=EventKind.MESSAGE_JEUNE)]
    assert kinds == ["page", "sms"]
    html = text(page_du_parcours(Client(), conseiller, parcours))
    conversation = html[html.index('id="conversation"') : html.index('id="contact"')]
    assert conversation.index("depuis ma page") < conversation.index("par SMS")


def test_an_sms_answer_reaches_no_closed_journey(client, parcours, settings):
    settings.SAS_SMS_WEBHOOK_SECRET = SECRET
    type(parcours).objects.filter(pk=parcours.pk).update(status=Status.SORTI_POSITIF)
    body = json.dumps({"from": parcours.jeune.telephone, "text": "Merci pour tout"})
    response = client.post(
        reverse("messagerie:entrant_sms"), body, content_type="application/json", HTTP_X_WEBHOOK_SECRET=SECRET
    )
    assert response.status_code == 200 and not MessageJeune.objects.exists()


def test_the_journey_page_makes_a_fixed_number_of_queries_whatever_the_conversation(
    client, lien, parcours, conseiller, count_queries
):
    client.force_login(conseiller)
    url = reverse("parcours:detail", args=[parcours.uuid])
    services.ecrire(parcours, "Premier")
    count_queries(url)  # reads it: the next openings have nothing to mark
    baseline = count_queries(url)
    for n in range(4):
        services.ecrire(parcours, f"Message {n}")
    count_queries(url)
    assert count_queries(url) == baseline

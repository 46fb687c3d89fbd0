"""The counsellor answers in the young person's conversation: the answer leaves through messagerie on the channel
the young person prefers, signed with the counsellor's first name, and joins the journey's timeline."""

import datetime
import html as htmllib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sas.aiguillage import conversation
from sas.aiguillage.conversation import LONGUEUR_MAX_REPONSE, REPONSE
from sas.aiguillage.services import assigner
from sas.jeunes.models import Jeune
from sas.messagerie import envoi
from sas.messagerie.models import CanalMessage, Message, MessageStatus
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory
from sas.parcours.models import Canal, EventKind

pytestmark = pytest.mark.django_db

TEXTE = "Bonjour Inès, je vous appelle demain à 10 h pour préparer le rendez-vous."


@pytest.fixture
def parcours(territory, ase, aiguilleur):
    parcours = ParcoursFactory(
        territory=territory, jeune__prenom="Inès", jeune__telephone="+33612345678", jeune__email="ines@example.org"
    )
    SignalementFactory(parcours=parcours, organisation=ase)
    assigner(parcours, aiguilleur, actor=aiguilleur)
    return parcours


def repondre(client, user, parcours, texte):
    client.force_login(user)
    url = reverse("aiguillage:repondre", args=[parcours.uuid])
    return client.post(url, {"reponse-texte": texte}, follow=True)


def page(client, parcours):
    response = client.get(reverse("parcours:detail", args=[parcours.uuid]))
    html = htmllib.unescape(response.content.decode())
    return html[html.index('id="conversation"') : html.index('id="contact"')]


def test_the_answer_leaves_by_sms_signed_and_joins_the_conversation_and_the_timeline(
    client, parcours, aiguilleur, fournisseur_sms
):
    response = repondre(client, aiguilleur, parcours, f"  {TEXTE}  ")
    assert "Réponse envoyée à Inès par SMS." in htmllib.unescape(response.content.decode())
    message = Message.objects.get(gabarit=REPONSE)
    assert (message.canal, message.destinataire, message.actor) == (CanalMessage.SMS, "+33612345678", aiguilleur)
    # Before it leaves (at once, or after quiet hours), the counsellor sees it waiting in the conversation.
    assert "à envoyer par SMS" in page(client, parcours)

    assert envoi.expedier(message.pk, at=message.prevu_le) == MessageStatus.ENVOYE
    [sent] = [r["json"]["content"] for r in fournisseur_sms.requetes]
    assert TEXTE.replace("à", "a") in sent.replace("à", "a")
    assert f"{aiguilleur.first_name} de l'équipe SAS" in sent
    assert parcours.events.filter(kind=EventKind.MESSAGE, detail__message=message.pk).exists()
    conversation_html = page(client, parcours)
    assert f"Réponse de {aiguilleur.first_name}" in conversation_html
    assert "envoyée par SMS" in conversation_html and TEXTE in conversation_html


def test_the_answer_takes_the_young_person_s_preferred_channel(client, parcours, aiguilleur, smtp_server):
    Jeune.objects.filter(pk=parcours.jeune_id).update(canal_prefere=Canal.EMAIL)
    repondre(client, aiguilleur, parcours, TEXTE)
    message = Message.objects.get(gabarit=REPONSE)
    assert (message.canal, message.destinataire) == (CanalMessage.EMAIL, "ines@example.org")
    assert envoi.expedier(message.pk, at=message.prevu_le) == MessageStatus.ENVOYE
    [mail] = smtp_server
    assert mail["To"] == "ines@example.org" and TEXTE in mail.get_content()


@pytest.mark.parametrize(
    ("texte", "erreur"),
    [("   ", "Écrivez votre réponse"), ("a" * (LONGUEUR_MAX_REPONSE + 1), f"{LONGUEUR_MAX_REPONSE} caractères")],
)
def test_an_empty_or_too_long_answer_sends_nothing(client, parcours, aiguilleur, texte, erreur):
    response = repondre(client, aiguilleur, parcours, texte)
    assert erreur in htmllib.unescape(response.content.decode())
    assert not Message.objects.filter(gabarit=REPONSE).exists()
    with pytest.raises(conversation.ValidationError, match=erreur):
        conversation.repondre(parcours, texte, actor=aiguilleur)


def test_no_answer_leaves_after_stop_and_the_counsellor_is_told(client, parcours, aiguilleur):
    envoi.arreter(parcours.jeune, via="sms", at=timezone.now() - datetime.timedelta(minutes=1))
    response = repondre(client, aiguilleur, parcours, TEXTE)
    assert "Votre réponse ne peut pas partir" in htmllib.unescape(response.content.decode())
    assert not Message.objects.filter(gabarit=REPONSE).exists()


def test_only_a_counsellor_of_the_territory_answers(client, parcours, ase):
    elsewhere = member(
        Role.AIGUILLEUR, OrganisationFactory(kind=OrganisationKind.EQUIPE_SAS, territory=TerritoryFactory())
    )
    prescriber = member(Role.PRESCRIPTEUR, ase)
    url = reverse("aiguillage:repondre", args=[parcours.uuid])
    for user in (elsewhere, prescriber):
        client.force_login(user)
        assert client.post(url, {"reponse-texte": TEXTE}).status_code in (403, 404)
    assert Client().post(url, {"reponse-texte": TEXTE}).status_code == 302
    assert Client().get(url).status_code in (302, 405)
    assert not Message.objects.filter(gabarit=REPONSE).exists()

"""The demo's inbox (/demo/messages/): what the demo sends, as its recipient receives it. Only with SAS_DEMO."""

from django.urls import reverse

from sas.espace_jeune.models import LienJeune
from sas.messagerie.envoi import envoyer, expedier
from sas.messagerie.models import MessageStatus, RecuDemo

from .conftest import MARDI


def test_without_demo_nothing_is_kept_and_the_page_does_not_exist(client, settings, parcours):
    settings.SAS_DEMO = False
    message = envoyer(parcours, "premier_contact", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    assert not RecuDemo.objects.exists()
    assert client.get(reverse("demo_messages")).status_code == 404


def test_in_the_demo_the_inbox_shows_the_sms_with_its_working_link(client, settings, parcours):
    settings.SAS_DEMO = True
    message = envoyer(parcours, "premier_contact", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    lien = LienJeune.objects.get(parcours=parcours)

    html = client.get(reverse("demo_messages")).content.decode()
    assert lien.url in html
    assert parcours.jeune.telephone in html and str(parcours.jeune) in html
    # The stored message itself stays masked.
    message.refresh_from_db()
    assert lien.token not in message.corps


def test_the_inbox_shows_the_newest_first(client, settings, parcours):
    settings.SAS_DEMO = True
    premier = envoyer(parcours, "premier_contact", at=MARDI)
    expedier(premier.pk, at=MARDI)
    second = envoyer(parcours, "rdv_confirme", canal="email", at=MARDI, contexte={"rdv": MARDI})
    expedier(second.pk, at=MARDI.replace(hour=MARDI.hour + 1))
    html = client.get(reverse("demo_messages")).content.decode()
    assert html.index("Courriel à") < html.index("SMS à")

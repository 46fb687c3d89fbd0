"""Finding 5 of issue #10: staff held the young people's keys. A message leaves with the young person's working link,
but the row, the admin and every staff page show it masked."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from sas.espace_jeune.models import LienJeune
from sas.jeunes.models import Consent
from sas.messagerie.envoi import envoyer, expedier
from sas.messagerie.models import Message, MessageStatus

from .conftest import MARDI, nouveau_parcours


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser(email="admin@example.org", password="motdepasse-de-test")


def rows_text():
    return " ".join(f"{m.sujet} {m.corps}" for m in Message.objects.all())


def staff_pages(client, conseiller, admin, message):
    client.force_login(conseiller)
    pages = [
        client.get(reverse("messagerie:envoyes")).content.decode(),
        client.get(reverse("parcours:detail", args=[message.parcours.uuid])).content.decode(),
    ]
    client.force_login(admin)
    pages.append(client.get(reverse("admin:messagerie_message_change", args=[message.pk])).content.decode())
    pages.append(client.get(reverse("admin:messagerie_message_changelist")).content.decode())
    return pages


def test_the_sms_works_but_staff_never_see_the_token(client, parcours, aiguilleur, admin, fournisseur_sms):
    message = envoyer(parcours, "premier_contact", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    lien = LienJeune.objects.get(parcours=parcours)
    [requete] = fournisseur_sms.requetes
    assert lien.url in requete["json"]["content"]

    assert lien.token not in rows_text()
    for html in staff_pages(client, aiguilleur, admin, message):
        assert lien.token not in html
    html = staff_pages(client, aiguilleur, admin, message)[0]
    assert "nous a parlé de vous" in html and "/j/•••••/" in html

    # The link that left is the young person's working link.
    token = requete["json"]["content"].split("/j/")[1].strip("/")
    assert LienJeune.trouver(token, at=MARDI) == lien


def test_the_email_through_smtp_works_but_the_row_is_masked(client, parcours, aiguilleur, admin, smtp_server):
    message = envoyer(parcours, "rdv_confirme", canal="email", at=MARDI, contexte={"rdv": MARDI})
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    lien = LienJeune.objects.get(parcours=parcours)
    [recu] = smtp_server
    assert lien.url in recu.get_content()
    assert f"{lien.url}stop/" in recu.get_content()
    assert lien.token not in rows_text()
    for html in staff_pages(client, aiguilleur, admin, message):
        assert lien.token not in html


def test_the_outbox_keeps_no_token_either(parcours):
    message = envoyer(parcours, "relance", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    message.refresh_from_db()
    assert message.reference.startswith("outbox-")
    assert message.lien.token not in message.corps and message.lien.token in message.texte_envoye()


def test_the_message_admin_is_read_only(client, parcours, admin):
    message = envoyer(parcours, "premier_contact", at=MARDI)
    client.force_login(admin)
    change = reverse("admin:messagerie_message_change", args=[message.pk])
    corps = message.corps
    response = client.post(change, {"corps": "https://pirate.example/", "destinataire": "+33600000000"})
    assert response.status_code == 403
    assert client.get(reverse("admin:messagerie_message_add")).status_code == 403
    assert (
        client.post(reverse("admin:messagerie_message_delete", args=[message.pk]), {"post": "yes"}).status_code == 403
    )
    message.refresh_from_db()
    assert (message.corps, message.destinataire) == (corps, "+33612345678")


def test_a_message_whose_link_was_revoked_does_not_leave(parcours, fournisseur_sms):
    message = envoyer(parcours, "relance", at=MARDI)
    message.lien.revoquer()
    assert expedier(message.pk, at=MARDI) == MessageStatus.ANNULE
    assert fournisseur_sms.requetes == []
    message.refresh_from_db()
    assert message.erreur == "lien personnel révoqué"


def test_a_counsellor_opening_the_masked_link_acts_as_nobody(client, parcours, aiguilleur):
    """What a counsellor could copy from the page (the masked link) names no link: nothing is recorded."""
    envoyer(parcours, "premier_contact", at=MARDI)
    client.force_login(aiguilleur)
    response = client.post("/j/•••••/accepter/")
    assert response.status_code == 410
    assert not Consent.objects.exists()


def test_the_letter_pdf_is_for_printing_only_while_it_is_to_post(client, territory, aiguilleur):
    parcours = nouveau_parcours(territory, aiguilleur, telephone="", email="", adresse="3 rue des Lilas\n69003 Lyon")
    lettre = envoyer(parcours, "premier_contact", at=MARDI)
    lien = LienJeune.objects.get(parcours=parcours)
    client.force_login(aiguilleur)
    detail = client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()
    assert lien.token not in detail and "Nous avons eu vos coordonnées" in detail
    pdf = reverse("messagerie:lettre", args=[lettre.pk])
    assert pdf in detail and client.get(pdf).status_code == 200
    client.post(reverse("messagerie:lettre_postee", args=[lettre.pk]))
    assert client.get(pdf).status_code == 404
    assert pdf not in client.get(reverse("parcours:detail", args=[parcours.uuid])).content.decode()

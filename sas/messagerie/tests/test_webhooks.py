"""The provider's delivery callbacks and inbound SMS, posted to the real endpoints."""

import base64
import datetime
import hashlib
import hmac
import json
import time

import pytest
from django.urls import reverse

from sas.messagerie import envoi, webhooks
from sas.messagerie.envoi import envoyer, expedier
from sas.messagerie.models import CanalInvalide, Message, MessageStatus, Notification
from sas.parcours.models import EventKind, ParcoursEvent

from .conftest import MARDI

SECRET = "secret-des-rappels"


def poster(client, nom, contenu, secret=SECRET, **extra):
    entetes = {"HTTP_X_WEBHOOK_SECRET": secret} if secret else {}
    corps = contenu if isinstance(contenu, str) else json.dumps(contenu)
    return client.post(reverse(f"messagerie:{nom}"), corps, content_type="application/json", **entetes, **extra)


def effets(response):
    """What the callbacks of one answered post did, read from the kept notifications (the answer never says)."""
    recu = response.json()["recu"]
    assert response.json() == {"recu": recu}
    return [notification.effet for notification in Notification.objects.order_by("-pk")[:recu]][::-1]


@pytest.fixture
def envoye(parcours):
    message = envoyer(parcours, "relance", at=MARDI)
    expedier(message.pk, at=MARDI)
    message.refresh_from_db()
    return message


def brevo(message, evenement, **extra):
    return {
        "id": 123,
        "to": "33612345678",
        "msg_status": evenement,
        "messageId": message.reference,
        "tag": str(message.uuid),
        "date": "2026-03-10 10:00:05",
        **extra,
    }


@pytest.mark.parametrize(
    ("secret", "headers"),
    [
        (None, {}),
        ("mauvais", {}),
        # In the query string the right secret is refused: it would be written in the access logs.
        (None, {"QUERY_STRING": f"secret={SECRET}"}),
        (None, {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"sas:mauvais").decode()}),
    ],
)
def test_callbacks_without_the_secret_are_refused(client, envoye, secret, headers):
    response = poster(client, "statut_sms", brevo(envoye, "delivered"), secret=secret, **headers)
    assert response.status_code == 403
    assert response.json() == {"erreur": "Authentification absente ou incorrecte."}
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.ENVOYE and not Notification.objects.exists()


def test_no_secret_configured_refuses_everything(client, envoye, settings):
    settings.SAS_SMS_WEBHOOK_SECRET = ""
    assert poster(client, "statut_sms", brevo(envoye, "delivered"), secret="").status_code == 403


def test_the_secret_may_come_as_basic_auth(client, envoye):
    basic = "Basic " + base64.b64encode(f"brevo:{SECRET}".encode()).decode()
    response = poster(client, "statut_sms", brevo(envoye, "delivered"), secret=None, HTTP_AUTHORIZATION=basic)
    assert response.status_code == 200
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.DELIVRE


def signer(corps, *, secret=SECRET, decalage=0):
    horodatage = str(int(time.time()) + decalage)
    signature = hmac.new(secret.encode(), f"{horodatage}.{corps}".encode(), hashlib.sha256).hexdigest()
    return {"HTTP_X_WEBHOOK_TIMESTAMP": horodatage, "HTTP_X_WEBHOOK_SIGNATURE": signature}


def test_a_signed_callback_is_accepted_only_fresh_and_intact(client, envoye, settings):
    corps = json.dumps(brevo(envoye, "delivered"))
    vieux = settings.SAS_SMS_WEBHOOK_FENETRE + 60
    refuses = [
        signer(corps, decalage=-vieux),
        signer(corps, decalage=vieux),
        signer(corps, secret="mauvais"),
        signer(corps.replace("delivered", "hardBounce")),
    ]
    for entetes in refuses:
        assert poster(client, "statut_sms", corps, secret=None, **entetes).status_code == 403
    assert not Notification.objects.exists()
    assert poster(client, "statut_sms", corps, secret=None, **signer(corps)).status_code == 200
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.DELIVRE


def test_a_replayed_callback_changes_nothing_and_gets_the_same_answer(client, envoye):
    premier = poster(client, "statut_sms", brevo(envoye, "hardBounce", description="Numéro inexistant"))
    envoye.refresh_from_db()
    echec = envoye.status
    events = envoye.events.count()
    rejoue = poster(client, "statut_sms", brevo(envoye, "hardBounce", description="Numéro inexistant"))
    assert rejoue.status_code == premier.status_code == 200 and rejoue.json() == premier.json()
    assert Notification.objects.count() == 1 and envoye.events.count() == events
    envoye.refresh_from_db()
    assert envoye.status == echec == MessageStatus.ECHEC


def test_the_answer_is_the_same_for_a_known_and_an_unknown_number(client, parcours, envoye):
    connu = poster(client, "entrant_sms", {"from": "33612345678", "text": "Bonjour"})
    inconnu = poster(client, "entrant_sms", {"from": "+33699999999", "text": "Bonjour"})
    assert connu.status_code == inconnu.status_code == 200
    assert connu.content == inconnu.content and dict(connu.headers) == dict(inconnu.headers)
    assert sorted(Notification.objects.values_list("effet", flat=True)) == ["numéro inconnu", "réponse du jeune"]


def test_bad_input_gets_a_json_error(client):
    erreur = poster(client, "statut_sms", "{pas du json").json()
    assert erreur == {"erreur": "Le corps de la requête doit être du JSON."}
    assert poster(client, "statut_sms", "[1, 2]").status_code == 400
    response = client.get(reverse("messagerie:statut_sms"), HTTP_X_WEBHOOK_SECRET=SECRET)
    assert response.status_code == 405 and "POST" in response.json()["erreur"]


def test_delivered_then_a_late_sent_stays_delivered(client, envoye):
    assert effets(poster(client, "statut_sms", brevo(envoye, "delivered"))) == ["Envoyé → Délivré"]
    response = poster(client, "statut_sms", brevo(envoye, "sent"))
    assert effets(response) == ["ignoré (sent sur un message délivré)"]
    # A hard bounce arriving after the delivery does not undo it either.
    poster(client, "statut_sms", brevo(envoye, "hardBounce"))
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.DELIVRE and envoye.delivre_le is not None
    assert not CanalInvalide.objects.exists()
    assert Notification.objects.filter(message=envoye).count() == 3, "every callback is kept"


def test_a_hard_bounce_fails_the_message_and_the_number(client, envoye):
    poster(client, "statut_sms", brevo(envoye, "hard_bounce", description="Numéro inexistant"))
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.ECHEC and "Numéro inexistant" in envoye.erreur
    assert CanalInvalide.objects.get().valeur == "+33612345678"


def test_a_soft_bounce_only_notes_the_error(client, envoye):
    poster(client, "statut_sms", brevo(envoye, "softBounce", description="Téléphone éteint"))
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.ENVOYE and "Téléphone éteint" in envoye.erreur


def test_found_by_message_id_when_the_tag_is_missing(client, envoye):
    contenu = brevo(envoye, "delivered")
    del contenu["tag"]
    poster(client, "statut_sms", contenu)
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.DELIVRE


def test_a_callback_that_beats_the_worker_counts_the_message_once(parcours, fournisseur_sms, monkeypatch):
    message = envoyer(parcours, "relance", at=MARDI)
    vrai = envoi._conclure_envoi

    def rappel_d_abord(message_id, reference, at):
        # The provider's "delivered" arrives while the worker is still writing its answer down.
        webhooks.traiter_statut({"event": "delivered", "tag": str(message.uuid)}, at=at)
        return vrai(message_id, reference, at)

    monkeypatch.setattr(envoi, "_conclure_envoi", rappel_d_abord)
    assert expedier(message.pk, at=MARDI) == MessageStatus.DELIVRE
    message.refresh_from_db()
    assert message.reference == "1000" and message.envoye_le == MARDI
    assert ParcoursEvent.objects.filter(kind=EventKind.MESSAGE).count() == 1


def test_a_delivery_during_a_retry_wait_stops_the_retry(client, parcours, fournisseur_sms, settings):
    settings.SAS_SMS_TIMEOUT = 0.5
    fournisseur_sms.script = ["lent"]
    message = envoyer(parcours, "relance", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.PROGRAMME
    poster(client, "statut_sms", {"event": "delivered", "tag": str(message.uuid)})
    assert expedier(message.pk, at=MARDI + datetime.timedelta(hours=1)) == MessageStatus.DELIVRE
    assert len(fournisseur_sms.requetes) == 1


def test_unknown_messages_are_kept(client, db):
    response = poster(client, "statut_sms", {"event": "delivered", "tag": "pas-un-uuid", "messageId": 99})
    assert effets(response) == ["message inconnu"]
    assert Notification.objects.get().contenu["messageId"] == 99


def test_a_batch_of_callbacks_out_of_order(client, envoye):
    lot = [brevo(envoye, "delivered"), brevo(envoye, "accepted"), brevo(envoye, "sent")]
    assert poster(client, "statut_sms", lot).json()["recu"] == 3
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.DELIVRE


@pytest.mark.parametrize("texte", ["STOP", " stop ", "Stop.", "s t o p", "Arrêt"])
def test_an_inbound_stop_stops_messages_for_good(client, parcours, texte):
    pending = envoyer(parcours, "relance", at=MARDI + datetime.timedelta(days=2))
    response = poster(client, "entrant_sms", {"from": "33612345678", "text": texte})
    assert effets(response) == ["STOP"]
    parcours.jeune.refresh_from_db()
    assert parcours.jeune.messages_arretes_le is not None
    pending.refresh_from_db()
    assert pending.status == MessageStatus.ANNULE
    assert ParcoursEvent.objects.get(kind=EventKind.OPPOSITION).detail == {"via": "sms"}


def test_stop_from_an_unknown_number_changes_nothing_but_is_kept(client, parcours):
    response = poster(client, "entrant_sms", {"from": "+33699999999", "text": "STOP"})
    assert effets(response) == ["numéro inconnu"]
    parcours.jeune.refresh_from_db()
    assert parcours.jeune.messages_arretes_le is None
    assert Notification.objects.get().evenement == "stop"


def test_a_stop_word_inside_a_sentence_is_an_answer_not_a_stop(client, parcours, envoye):
    reponse = {"sender": "0612345678", "content": "Oui je veux bien, stop les SMS après"}
    response = poster(client, "entrant_sms", reponse)
    assert effets(response) == ["réponse du jeune"]
    parcours.jeune.refresh_from_db()
    assert parcours.jeune.messages_arretes_le is None
    assert ParcoursEvent.objects.filter(parcours=parcours, kind=EventKind.REPONSE).exists()
    assert Notification.objects.get().message == envoye


def test_the_unsubscribed_event_stops_too(client, envoye):
    poster(client, "statut_sms", brevo(envoye, "unsubscribed"))
    envoye.jeune.refresh_from_db()
    assert envoye.jeune.messages_arretes_le is not None
    assert Message.objects.get(pk=envoye.pk).status == MessageStatus.ENVOYE

"""Real sending: HTTP requests to a local server standing in for the SMS provider, e-mail to a local SMTP server."""

import datetime
import io
import socket

import pytest
from django.core.management import call_command

from sas.espace_jeune.models import LienJeune
from sas.messagerie import envoi
from sas.messagerie.envoi import envoyer, envoyer_dus, expedier
from sas.messagerie.models import CanalInvalide, Message, MessageStatus
from sas.parcours.models import EventKind, ParcoursEvent

from .conftest import MARDI, nouveau_parcours

MIN = datetime.timedelta(minutes=1)


def evenements_message(message):
    return ParcoursEvent.objects.filter(kind=EventKind.MESSAGE, detail__message=message.pk).count()


def test_the_http_provider_gets_brevos_shape(parcours, fournisseur_sms):
    message = envoyer(parcours, "premier_contact", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    [requete] = fournisseur_sms.requetes
    assert requete["path"] == "/v3/transactionalSMS/sms"
    assert requete["headers"]["api-key"] == "cle-api-de-test"
    lien = LienJeune.objects.get(parcours=parcours)
    assert requete["json"] == {
        "sender": "SAS",
        "recipient": "33612345678",
        "content": message.corps.replace("•••••", lien.token),
        "type": "transactional",
        "tag": str(message.uuid),
    }
    # The SMS carries the working link; the stored row does not.
    assert f"https://sas.beta.gouv.fr/j/{lien.token}/" in requete["json"]["content"]
    message.refresh_from_db()
    assert lien.token not in message.corps and "https://sas.beta.gouv.fr/j/•••••/" in message.corps
    assert message.reference == "1000" and message.tentatives == 1
    assert evenements_message(message) == 1


def test_provider_errors_are_retried_with_growing_delays_then_delivered_once(parcours, fournisseur_sms):
    fournisseur_sms.script = [500, 503, 500]
    message = envoyer(parcours, "relance", at=MARDI)
    moment, delais = MARDI, []
    for _ in range(3):
        assert expedier(message.pk, at=moment) == MessageStatus.PROGRAMME
        message.refresh_from_db()
        delais.append(message.prevu_le - moment)
        # Not before its new time.
        assert expedier(message.pk, at=message.prevu_le - MIN) == MessageStatus.PROGRAMME
        moment = message.prevu_le
    assert delais == [5 * MIN, 10 * MIN, 20 * MIN]
    assert "500" in message.erreur
    assert expedier(message.pk, at=moment) == MessageStatus.ENVOYE
    message.refresh_from_db()
    assert (message.tentatives, message.erreur) == (4, "")
    assert fournisseur_sms.livrees(str(message.uuid)) == 1 and len(fournisseur_sms.requetes) == 4
    assert evenements_message(message) == 1


def test_a_provider_down_for_good_ends_in_failure(parcours, fournisseur_sms):
    fournisseur_sms.script = [500] * envoi.MAX_TENTATIVES
    message = envoyer(parcours, "relance", at=MARDI)
    for _ in range(envoi.MAX_TENTATIVES):
        expedier(message.pk, at=message.prevu_le)
        message.refresh_from_db()
    assert message.status == MessageStatus.ECHEC
    assert message.erreur.startswith("Abandon après 5 tentatives")
    assert not CanalInvalide.objects.exists(), "the number is not to blame"
    assert evenements_message(message) == 0


def test_a_retry_pushed_into_the_night_waits_for_the_morning(parcours, fournisseur_sms):
    fournisseur_sms.script = [500]
    soir = MARDI.replace(hour=19, minute=58)
    message = envoyer(parcours, "relance", at=soir)
    expedier(message.pk, at=soir)
    message.refresh_from_db()
    assert message.prevu_le == MARDI.replace(day=11, hour=8, minute=0)


def test_a_timeout_after_the_provider_accepted_delivers_once(parcours, fournisseur_sms, settings):
    settings.SAS_SMS_TIMEOUT = 0.5
    fournisseur_sms.script = ["lent"]
    message = envoyer(parcours, "relance", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.PROGRAMME
    message.refresh_from_db()
    assert "injoignable" in message.erreur
    assert expedier(message.pk, at=message.prevu_le) == MessageStatus.ENVOYE
    tags = [requete["json"]["tag"] for requete in fournisseur_sms.requetes]
    assert tags == [str(message.uuid)] * 2, "the resend carries the same idempotency key"
    assert fournisseur_sms.livraisons == [str(message.uuid)]
    assert evenements_message(message) == 1


def test_an_invalid_number_fails_at_once_and_asks_for_a_correction(parcours, fournisseur_sms):
    fournisseur_sms.script = [400]
    message = envoyer(parcours, "relance", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.ECHEC
    invalide = CanalInvalide.objects.get()
    assert (invalide.canal, invalide.valeur, invalide.message) == ("sms", "+33612345678", message)
    assert "Invalid phone number" in invalide.raison
    assert len(fournisseur_sms.requetes) == 1
    # The next message goes by e-mail; nothing more is tried on that number.
    assert envoyer(parcours, "relance", at=MARDI + datetime.timedelta(days=1)).canal == "email"


def test_a_number_found_wrong_meanwhile_stops_a_pending_sms(parcours, fournisseur_sms):
    message = envoyer(parcours, "relance", at=MARDI)
    CanalInvalide.objects.create(jeune=parcours.jeune, canal="sms", valeur="+33612345678", raison="hardBounce")
    assert expedier(message.pk, at=MARDI) == MessageStatus.ANNULE
    assert fournisseur_sms.requetes == []


class WorkerKilled(BaseException):
    """What the process sees of a SIGKILL: nothing after this point runs, no except clause catches it."""


def test_a_worker_killed_mid_send_is_recovered_and_every_message_is_delivered_once(
    territory, aiguilleur, fournisseur_sms, monkeypatch
):
    jeunes = [nouveau_parcours(territory, aiguilleur, telephone=f"+3361234560{n}") for n in range(3)]
    messages = [envoyer(parcours, "premier_contact", at=MARDI) for parcours in jeunes]
    fournisseur_sms.script = [500]  # the first one also meets a provider error on the way
    vrai = envoi._conclure_envoi

    def tue_apres_acceptation(message_id, reference, at):
        # The provider accepted the second message; the worker dies before writing it down.
        if message_id == messages[1].pk:
            raise WorkerKilled
        return vrai(message_id, reference, at)

    monkeypatch.setattr(envoi, "_conclure_envoi", tue_apres_acceptation)
    assert expedier(messages[0].pk, at=MARDI) == MessageStatus.PROGRAMME
    with pytest.raises(WorkerKilled):
        expedier(messages[1].pk, at=MARDI)
    monkeypatch.setattr(envoi, "_conclure_envoi", vrai)
    assert Message.objects.get(pk=messages[1].pk).status == MessageStatus.EN_COURS
    assert fournisseur_sms.livrees(str(messages[1].uuid)) == 1

    # Soon after, the recovery leaves the message in flight alone (the worker may just be slow).
    bloques, dus, _ = envoyer_dus(wet_run=True, at=MARDI + 5 * MIN)
    assert bloques == [] and {m.pk for m in dus} == {messages[0].pk, messages[2].pk}
    # Later, it is taken up again: same tag, so the provider does not deliver it a second time.
    bloques, dus, bilan = envoyer_dus(wet_run=True, at=MARDI + 15 * MIN)
    assert [m.pk for m in bloques] == [messages[1].pk] and bilan == {MessageStatus.ENVOYE: 1}
    for message in messages:
        message.refresh_from_db()
        assert message.status == MessageStatus.ENVOYE
        assert fournisseur_sms.livrees(str(message.uuid)) == 1
        assert evenements_message(message) == 1
    assert len(fournisseur_sms.livraisons) == 3
    # Nothing left to do: running it again sends nothing.
    assert envoyer_dus(wet_run=True, at=MARDI + 60 * MIN)[:2] == ([], [])
    assert len(fournisseur_sms.requetes) == 5


def test_the_command_is_a_dry_run_by_default(parcours):
    message = envoyer(parcours, "relance", at=MARDI)
    sortie = io.StringIO()
    call_command("envoyer_messages_dus", stdout=sortie)
    assert "[simulation" in sortie.getvalue() and "1 message(s) dû(s)" in sortie.getvalue()
    message.refresh_from_db()
    assert message.status == MessageStatus.PROGRAMME
    call_command("envoyer_messages_dus", "--wet-run", stdout=sortie)
    message.refresh_from_db()
    # Sent now, or moved to the morning if the command runs during quiet hours.
    assert message.status == MessageStatus.ENVOYE or message.prevu_le > MARDI


def test_email_goes_through_a_real_smtp_server(parcours, smtp_server):
    message = envoyer(parcours, "premier_contact", canal="email", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    [recu] = smtp_server
    assert recu["To"] == "ines@example.org"
    assert recu["Subject"].strip() == "Camille de l'équipe SAS vous contacte de la part de Mission locale de Lyon"
    assert recu["Message-ID"] == f"<{message.uuid}@sas>"
    assert "Nous avons eu vos coordonnées par Mission locale de Lyon" in recu.get_content()
    assert evenements_message(message) == 1


def test_an_smtp_server_down_is_retried(parcours, settings, smtp_server):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port_ferme = probe.getsockname()[1]
    port_ouvert, settings.EMAIL_PORT = settings.EMAIL_PORT, port_ferme
    message = envoyer(parcours, "relance", canal="email", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.PROGRAMME
    settings.EMAIL_PORT = port_ouvert
    message.refresh_from_db()
    assert expedier(message.pk, at=message.prevu_le) == MessageStatus.ENVOYE
    assert len(smtp_server) == 1


def test_a_misconfigured_provider_is_retried_not_lost(parcours, settings):
    settings.SAS_SMS_PROVIDER = "pigeon"
    message = envoyer(parcours, "relance", at=MARDI)
    assert expedier(message.pk, at=MARDI) == MessageStatus.PROGRAMME
    message.refresh_from_db()
    assert "SAS_SMS_PROVIDER inconnu" in message.erreur
    settings.SAS_SMS_PROVIDER = "outbox"
    assert expedier(message.pk, at=message.prevu_le) == MessageStatus.ENVOYE


def test_a_message_interrupted_again_and_again_is_given_up(parcours):
    message = envoyer(parcours, "relance", at=MARDI)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.EN_COURS, tente_le=MARDI, tentatives=envoi.MAX_TENTATIVES
    )
    bloques, _, bilan = envoyer_dus(wet_run=True, at=MARDI + 60 * MIN)
    message.refresh_from_db()
    assert [m.pk for m in bloques] == [message.pk]
    assert message.status == MessageStatus.ECHEC and "interrompu 5 fois" in message.erreur

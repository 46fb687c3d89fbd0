import datetime

import pytest
from django_tasks_db.models import DBTaskResult

from sas.messagerie import politique
from sas.messagerie.envoi import annuler, arreter, envoyer, expedier
from sas.messagerie.models import CanalInvalide, Message, MessageStatus
from sas.messagerie.politique import hors_silence
from sas.parcours.models import EventKind, ParcoursEvent

from .conftest import MARDI, PARIS, nouveau_parcours

H = datetime.timedelta(hours=1)
J = datetime.timedelta(days=1)


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("moment", "attendu"),
    [
        (paris(2026, 3, 10, 10, 0), paris(2026, 3, 10, 10, 0)),  # Tuesday morning: as is
        (paris(2026, 3, 10, 7, 59), paris(2026, 3, 10, 8, 0)),  # before 08:00: same day at 08:00
        (paris(2026, 3, 10, 19, 59), paris(2026, 3, 10, 19, 59)),
        (paris(2026, 3, 10, 20, 0), paris(2026, 3, 11, 8, 0)),  # evening: next morning
        (paris(2026, 3, 14, 21, 0), paris(2026, 3, 16, 8, 0)),  # Saturday evening: Monday, not Sunday
        (paris(2026, 3, 15, 11, 0), paris(2026, 3, 16, 8, 0)),  # Sunday: Monday morning
        (paris(2026, 3, 14, 10, 0), paris(2026, 3, 14, 10, 0)),  # Saturday daytime is allowed
    ],
)
def test_quiet_hours(moment, attendu):
    assert hors_silence(moment) == attendu


def test_quiet_hours_follow_paris_summer_time():
    # 05:30 UTC on a July Tuesday is 07:30 in Paris: moved to 08:00 Paris = 06:00 UTC.
    assert hors_silence(datetime.datetime(2026, 7, 7, 5, 30, tzinfo=datetime.UTC)) == datetime.datetime(
        2026, 7, 7, 6, 0, tzinfo=datetime.UTC
    )


def test_a_territory_narrows_its_quiet_hours(settings):
    settings.SAS_ENVOI_DEBUT, settings.SAS_ENVOI_FIN = datetime.time(9, 30), datetime.time(18, 0)
    settings.SAS_ENVOI_JOURS_FERMES = {6, 7}
    assert hors_silence(paris(2026, 3, 10, 9, 0)) == paris(2026, 3, 10, 9, 30)
    assert hors_silence(paris(2026, 3, 10, 18, 0)) == paris(2026, 3, 11, 9, 30)
    # Friday evening: Monday, neither Saturday nor Sunday.
    assert hors_silence(paris(2026, 3, 13, 19, 0)) == paris(2026, 3, 16, 9, 30)


def test_hours_open_round_the_clock_send_at_once(settings):
    settings.SAS_ENVOI_DEBUT, settings.SAS_ENVOI_FIN = datetime.time(0, 0), datetime.time.max
    settings.SAS_ENVOI_JOURS_FERMES = frozenset()
    sunday_night = paris(2026, 3, 15, 23, 59)
    assert politique.autorise(sunday_night) and hors_silence(sunday_night) == sunday_night


def test_a_message_asked_for_the_night_waits_for_the_morning(parcours):
    message = envoyer(parcours, "relance", at=paris(2026, 3, 10, 22, 30))
    assert message.prevu_le == paris(2026, 3, 11, 8, 0)
    # Not due before then.
    assert expedier(message.pk, at=paris(2026, 3, 11, 7, 0)) == MessageStatus.PROGRAMME
    assert expedier(message.pk, at=paris(2026, 3, 11, 8, 0)) == MessageStatus.ENVOYE


def test_a_late_worker_does_not_send_in_the_night(parcours):
    message = envoyer(parcours, "relance", at=paris(2026, 3, 10, 19, 0))
    assert expedier(message.pk, at=paris(2026, 3, 10, 23, 0)) == MessageStatus.PROGRAMME
    message.refresh_from_db()
    assert message.prevu_le == paris(2026, 3, 11, 8, 0) and message.tentatives == 0


def test_sending_through_the_outbox_writes_one_message_event(parcours, aiguilleur):
    message = envoyer(parcours, "premier_contact", at=MARDI, actor=aiguilleur)
    assert (message.canal, message.destinataire, message.status) == ("sms", "+33612345678", MessageStatus.PROGRAMME)
    assert DBTaskResult.objects.get().args_kwargs["args"] == [message.pk]
    assert expedier(message.pk, at=MARDI) == MessageStatus.ENVOYE
    assert expedier(message.pk, at=MARDI + H) == MessageStatus.ENVOYE
    message.refresh_from_db()
    assert message.reference == f"outbox-{message.uuid}" and message.envoye_le == MARDI
    event = ParcoursEvent.objects.get(parcours=parcours, kind=EventKind.MESSAGE)
    assert event.detail == {"canal": "sms", "message": message.pk, "gabarit": "premier_contact"}
    assert (event.occurred_at, event.actor) == (MARDI, aiguilleur)


def test_the_same_key_never_makes_a_second_message(parcours):
    premier = envoyer(parcours, "relance", at=MARDI, cle="cadence-1-0-1-sms")
    second = envoyer(parcours, "relance", at=MARDI + H, cle="cadence-1-0-1-sms")
    assert premier == second and Message.objects.count() == 1


def test_a_future_message_is_queued_for_its_time(parcours, settings):
    plus_tard = datetime.datetime.now(PARIS) + 30 * J
    message = envoyer(parcours, "relance", at=plus_tard)
    tache = DBTaskResult.objects.get()
    assert tache.run_after == message.prevu_le
    assert message.prevu_le == hors_silence(plus_tard)


@pytest.mark.parametrize(
    ("prefere", "jeune", "canal"),
    [
        ("", {}, "sms"),
        ("email", {}, "email"),
        ("appel", {}, "sms"),
        ("", {"telephone": ""}, "email"),
        ("", {"telephone": "", "email": "", "adresse": "1 rue Haute\n69001 Lyon"}, "courrier"),
        ("prescripteur", {"joignable_via_prescripteur": True}, "courrier"),
    ],
)
def test_channel_choice(territory, aiguilleur, prefere, jeune, canal):
    parcours = nouveau_parcours(territory, aiguilleur, canal_prefere=prefere, **jeune)
    assert envoyer(parcours, "relance", at=MARDI).canal == canal


def test_through_the_prescriber_the_letter_says_who_hands_it_over(territory, aiguilleur):
    parcours = nouveau_parcours(territory, aiguilleur, telephone="", email="", joignable_via_prescripteur=True)
    message = envoyer(parcours, "premier_contact", at=MARDI)
    assert message.destinataire == "À remettre par Mission locale de Lyon"
    assert not DBTaskResult.objects.exists(), "a letter waits for the counsellor, no task sends it"


def test_nobody_to_reach_sends_nothing(territory, aiguilleur):
    parcours = nouveau_parcours(territory, aiguilleur, telephone="", email="")
    assert envoyer(parcours, "relance", at=MARDI) is None
    assert politique.motif_refus(parcours, "relance", at=MARDI) == "aucun moyen de joindre le jeune"
    assert envoyer(parcours, "relance", canal="sms", at=MARDI) is None


def test_caps_per_week_and_in_total(parcours):
    jours = [MARDI + n * J for n in (0, 1, 2)]
    assert all(envoyer(parcours, "relance", at=jour) for jour in jours)
    # A fourth in the same 7 days: refused, with the reason.
    assert envoyer(parcours, "relance", at=MARDI + 3 * J) is None
    assert "3 messages en 7 jours" in politique.motif_refus(parcours, "relance", at=MARDI + 3 * J)
    # An answer to the young person's own booking is not capped.
    assert envoyer(parcours, "rdv_confirme", at=MARDI + 3 * J, contexte={"rdv": MARDI + 5 * J})
    # A week after the third, room again.
    assert envoyer(parcours, "relance", at=MARDI + 9 * J)
    # Cancelled and failed messages do not count.
    Message.objects.filter(gabarit="relance").update(status=MessageStatus.ANNULE)
    assert envoyer(parcours, "relance", at=MARDI + 10 * J)


def test_total_cap(parcours):
    for semaine in range(politique.MAX_TOTAL):
        assert envoyer(parcours, "relance", at=MARDI + semaine * 7 * J)
    assert envoyer(parcours, "relance", at=MARDI + 100 * J) is None
    assert "12 messages au total" in politique.motif_refus(parcours, "relance", at=MARDI + 100 * J)


def test_pause(parcours):
    parcours.jeune.messages_en_pause_jusqu_au = MARDI + 30 * J
    parcours.jeune.save()
    assert envoyer(parcours, "relance", at=MARDI) is None
    assert envoyer(parcours, "relance", at=MARDI + 31 * J)


def test_a_pause_decided_after_scheduling_cancels_at_send_time(parcours):
    message = envoyer(parcours, "relance", at=MARDI)
    parcours.jeune.messages_en_pause_jusqu_au = MARDI + 30 * J
    parcours.jeune.save()
    assert expedier(message.pk, at=MARDI) == MessageStatus.ANNULE
    assert not ParcoursEvent.objects.filter(kind=EventKind.MESSAGE).exists()


def test_stop_is_final_cancels_pending_and_is_recorded_once(parcours):
    envoye = envoyer(parcours, "premier_contact", at=MARDI)
    expedier(envoye.pk, at=MARDI)
    en_attente = envoyer(parcours, "relance", at=MARDI + 2 * J)
    assert arreter(parcours.jeune, via="sms", at=MARDI + J) is True
    assert arreter(parcours.jeune, via="lien", at=MARDI + 2 * J) is False
    parcours.jeune.refresh_from_db()
    assert parcours.jeune.messages_arretes_le == MARDI + J
    en_attente.refresh_from_db()
    assert en_attente.status == MessageStatus.ANNULE
    envoye.refresh_from_db()
    assert envoye.status == MessageStatus.ENVOYE
    opposition = ParcoursEvent.objects.get(kind=EventKind.OPPOSITION)
    assert (opposition.detail, opposition.occurred_at) == ({"via": "sms"}, MARDI + J)
    assert envoyer(parcours, "rdv_confirme", at=MARDI + 3 * J, contexte={"rdv": MARDI + 5 * J}) is None


def test_annuler_cancels_only_pending_messages_with_the_prefix(parcours):
    rdv = {"rdv": MARDI + 2 * J}
    rappel = envoyer(parcours, "rappel_veille", at=MARDI + J, cle="rdv-7-rappel_veille", contexte=rdv)
    confirme = envoyer(parcours, "rdv_confirme", at=MARDI, cle="rdv-7-confirme", contexte=rdv)
    autre = envoyer(parcours, "rappel_veille", at=MARDI + J, cle="rdv-70-rappel_veille", contexte=rdv)
    expedier(confirme.pk, at=MARDI)
    assert annuler("rdv-7-", at=MARDI) == 1
    rappel.refresh_from_db(), confirme.refresh_from_db(), autre.refresh_from_db()
    assert (rappel.status, confirme.status, autre.status) == ("annule", "envoye", "programme")
    with pytest.raises(ValueError):
        annuler("")


def test_an_invalid_number_moves_to_the_next_channel_until_corrected(parcours):
    CanalInvalide.objects.create(jeune=parcours.jeune, canal="sms", valeur="+33612345678", raison="hard bounce")
    assert envoyer(parcours, "relance", at=MARDI).canal == "email"
    assert envoyer(parcours, "relance", canal="sms", at=MARDI + J) is None
    politique.corriger_coordonnee(parcours.jeune, "sms", "06 98 76 54 32", at=MARDI + J)
    parcours.jeune.refresh_from_db()
    assert parcours.jeune.telephone == "+33698765432"
    assert envoyer(parcours, "relance", at=MARDI + 2 * J).canal == "sms"


def test_a_wrong_correction_is_refused_in_french(parcours):
    with pytest.raises(Exception, match="numéro de téléphone n'est pas valide"):
        politique.corriger_coordonnee(parcours.jeune, "sms", "12")


def test_queue_annotations(parcours, territory):
    from sas.parcours.models import Parcours

    autre = nouveau_parcours(territory, None, telephone="+33611111111")
    CanalInvalide.objects.create(jeune=parcours.jeune, canal="sms", valeur="+33612345678", raison="hard bounce")
    message = envoyer(parcours, "relance", at=MARDI)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.ECHEC)
    rows = {p.pk: p for p in politique.annoter_alertes(Parcours.objects.all())}
    assert (rows[parcours.pk].canal_a_corriger, rows[parcours.pk].messages_en_echec) == (True, 1)
    assert (rows[autre.pk].canal_a_corriger, rows[autre.pk].messages_en_echec) == (False, 0)

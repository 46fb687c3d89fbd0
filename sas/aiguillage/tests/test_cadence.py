"""The contact cadence over 15 days with a controlled clock: the plan day by day, quiet hours, STOP, an answer,
and "contact me again in 3 months"."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from sas.aiguillage import cadence, services
from sas.aiguillage.file import file_active
from sas.aiguillage.models import ArretCadence, CadenceContact, PlanContact, TacheContact
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import Message, MessageStatus
from sas.parcours import transitions
from sas.parcours.models import EventKind
from sas.parcours.status import Status

from .conftest import paris

pytestmark = pytest.mark.django_db

T0 = paris(2026, 11, 26, 21)  # a Thursday evening: the first message waits for Friday 08:00
HOUR = datetime.timedelta(hours=1)
TICK = 3 * HOUR


def run_clock(start, end, happenings, log):
    """Every 3 hours from `start` to `end`: the messaging worker sends what is due, `happenings` {moment: callable}
    happen, then the cadence runs, twice, to check that the second run does nothing more."""
    now = start
    while now <= end:
        messagerie.envoyer_dus(wet_run=True, at=now)
        if now in happenings:
            happenings[now]()
        for pas in cadence.avancer(now):
            log.append(
                (timezone.localtime(now).strftime("%a %d/%m %H:%M"), pas.parcours.jeune.prenom, pas.jour, pas.faits)
            )
        assert cadence.avancer(now) == []
        now += TICK


@pytest.fixture
def four(make_parcours):
    return {
        name: make_parcours(prenom=name, at=T0, telephone=phone, email=f"{name.lower()}@example.org")
        for name, phone in [("Aya", "+33612345671"), ("Bilal", "+33612345672"), ("Chloe", "+33612345673"),
                            ("Dylan", "+33612345674")]
    }  # fmt: skip


def test_fifteen_days_of_cadence(four, aiguilleur):
    aya, bilal, chloe, dylan = four.values()
    log = []
    in_three_months = datetime.date(2027, 2, 27)
    stop, defer, answer = paris(2026, 11, 27, 6), paris(2026, 11, 27, 9), paris(2026, 11, 29, 9)
    happenings = {
        stop: lambda: messagerie.arreter(bilal.jeune, via="sms", at=stop),
        defer: lambda: services.reporter(dylan, in_three_months, via="lien", at=defer),
        answer: lambda: services.reponse_du_jeune(chloe, via="lien", at=answer),
    }
    run_clock(T0, T0 + datetime.timedelta(days=16), happenings, log)

    assert log == [
        ("Thu 26/11 21:00", "Aya", 0, ["premier_contact programmé"]),
        ("Thu 26/11 21:00", "Bilal", 0, ["premier_contact programmé"]),
        ("Thu 26/11 21:00", "Chloe", 0, ["premier_contact programmé"]),
        ("Thu 26/11 21:00", "Dylan", 0, ["premier_contact programmé"]),
        ("Sat 28/11 21:00", "Aya", 2, ["relance programmé"]),
        ("Sat 28/11 21:00", "Bilal", 2, ["email non envoyé (STOP)"]),
        ("Sat 28/11 21:00", "Chloe", 2, ["relance programmé"]),
        ("Tue 01/12 21:00", "Aya", 5, ["relance programmé", "tâche appel"]),
        ("Tue 01/12 21:00", "Bilal", 5, ["sms non envoyé (STOP)", "tâche appel"]),
        ("Sun 06/12 21:00", "Aya", 10, ["dernier_message programmé"]),
        ("Sun 06/12 21:00", "Bilal", 10, ["dernier_message non envoyé (STOP)"]),
        ("Fri 11/12 21:00", "Aya", 15, ["injoignable"]),
        ("Fri 11/12 21:00", "Bilal", 15, ["injoignable"]),
    ]

    # Quiet hours: Thursday 21:00 waits for Friday 08:00, Saturday 21:00 and Sunday 21:00 for Monday 08:00.
    messages = Message.objects.filter(parcours=aya).order_by("prevu_le")
    assert [(m.gabarit, m.canal, timezone.localtime(m.prevu_le)) for m in messages] == [
        ("premier_contact", "sms", paris(2026, 11, 27, 8)),
        ("relance", "email", paris(2026, 11, 30, 8)),
        ("relance", "sms", paris(2026, 12, 2, 8)),
        ("dernier_message", "sms", paris(2026, 12, 7, 8)),
    ]
    assert [m.cle for m in messages][:2] == [f"cadence-{aya.pk}-0-0-sms", f"cadence-{aya.pk}-0-1-email"]

    # No answer after the plan: "injoignable" with its reason and date; the cadence has stopped.
    for parcours in (aya, bilal):
        parcours.refresh_from_db()
        last = parcours.events.filter(kind=EventKind.TRANSITION).last()
        assert (parcours.status, last.occurred_at) == (Status.INJOIGNABLE, T0 + datetime.timedelta(days=15))
        assert (
            last.reason == "Aucune réponse après 15 jours de tentatives de contact (plan « Plan de contact standard »)"
        )
        assert CadenceContact.objects.get(parcours=parcours).motif_arret == ArretCadence.INJOIGNABLE

    # Sent by the worker at 08:00: each one is a contact attempt in the journey's events.
    assert [m.status for m in messages] == [MessageStatus.ENVOYE] * 4
    assert aya.events.filter(kind=EventKind.MESSAGE).count() == 4

    # STOP at 06:00: Bilal's first SMS, still waiting for 08:00, was cancelled; the call task still came.
    assert list(Message.objects.filter(parcours=bilal).values_list("status", flat=True)) == [MessageStatus.ANNULE]
    assert [(t.parcours, t.nature, t.echeance) for t in TacheContact.objects.order_by("parcours_id")] == [
        (aya, "appel", paris(2026, 12, 2, 21)),
        (bilal, "appel", paris(2026, 12, 2, 21)),
    ]

    # Chloé answered on Sunday: contacted, and the relance waiting for Monday 08:00 never left.
    chloe.refresh_from_db()
    assert chloe.status == Status.CONTACTE
    assert dict(Message.objects.filter(parcours=chloe).values_list("gabarit", "status")) == {
        "premier_contact": MessageStatus.ENVOYE,
        "relance": MessageStatus.ANNULE,
    }
    assert CadenceContact.objects.get(parcours=chloe).motif_arret == ArretCadence.REPONSE


def test_contact_me_again_in_three_months(make_parcours, aiguilleur):
    dylan = make_parcours(prenom="Dylan", at=T0)
    log = []
    run_clock(T0, T0 + HOUR, {}, log)
    services.reporter(dylan, datetime.date(2027, 2, 27), via="lien", at=paris(2026, 11, 27, 10))

    def in_queue(now):
        queue = file_active(aiguilleur, now=now)
        return "Dylan" in [p.jeune.prenom for p in queue.parcours]

    assert not in_queue(paris(2026, 12, 20, 9))
    deferred = file_active(aiguilleur, filtres={"reportes": True}, now=paris(2026, 12, 20, 9))
    assert [p.jeune.prenom for p in deferred.parcours] == ["Dylan"]
    # Nothing during the three months, then the plan starts again from its first step on the date.
    log.clear()
    run_clock(paris(2027, 2, 26, 20), paris(2027, 2, 27, 5), {}, log)
    assert log == [("Sat 27/02 02:00", "Dylan", 0, ["premier_contact programmé"])]
    assert in_queue(paris(2027, 2, 27, 9))
    message = Message.objects.get(cle=f"cadence-{dylan.pk}-1-0-sms")
    assert (message.gabarit, timezone.localtime(message.prevu_le)) == ("premier_contact", paris(2027, 2, 27, 8))
    etat = CadenceContact.objects.get(parcours=dylan)
    assert (etat.cycle, etat.etape_suivante, etat.reporte_jusqu_au) == (1, 1, None)


def test_a_journey_reopened_after_injoignable_starts_a_new_cycle(make_parcours):
    parcours = make_parcours(at=T0)
    PlanContact.objects.update(etapes=[{"jour": 0, "actions": ["appel"]}, {"jour": 1, "actions": ["decider"]}])
    cadence.avancer(T0)
    cadence.avancer(T0 + datetime.timedelta(days=1))
    parcours.refresh_from_db()
    assert parcours.status == Status.INJOIGNABLE
    transitions.transition(parcours, Status.A_CONTACTER, at=T0 + datetime.timedelta(days=3))
    steps = cadence.avancer(T0 + datetime.timedelta(days=3))
    assert [(s.jour, s.faits) for s in steps] == [(0, ["tâche appel"])]
    assert TacheContact.objects.filter(parcours=parcours).count() == 2


def test_upcoming_exits_and_contacted_journeys_are_left_alone(make_parcours, territory, ase):
    from sas.parcours.factories import SignalementFactory

    SignalementFactory(organisation=ase, parcours__territory=territory, parcours__status=Status.SORTIE_A_VENIR)
    contacted = make_parcours(at=T0)
    services.reponse_du_jeune(contacted, via="lien", at=T0)
    assert cadence.avancer(T0 + HOUR) == []
    assert not Message.objects.exists()


def test_the_command_is_a_dry_run_unless_told(make_parcours):
    parcours = make_parcours(prenom="Yanis")
    out = io.StringIO()
    call_command("avancer_cadence", stdout=out)
    assert "simulation" in out.getvalue() and "Yanis), jour 0 : sms" in out.getvalue()
    assert not Message.objects.exists() and not CadenceContact.objects.exists()
    parcours.refresh_from_db()
    assert parcours.status == Status.SIGNALE
    out = io.StringIO()
    call_command("avancer_cadence", "--wet-run", stdout=out)
    assert "Yanis), jour 0 : premier_contact programmé" in out.getvalue()
    assert "1 étape(s)" in out.getvalue()
    assert Message.objects.filter(parcours=parcours, gabarit="premier_contact").count() == 1
    out = io.StringIO()
    call_command("avancer_cadence", "--wet-run", stdout=out)
    assert "0 étape(s)" in out.getvalue()
    assert Message.objects.count() == 1

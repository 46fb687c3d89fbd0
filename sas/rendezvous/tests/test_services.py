import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sas.aiguillage.models import TacheContact
from sas.audit.models import AuditEntry
from sas.messagerie.models import Message, MessageStatus
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import EventKind
from sas.parcours.status import Status

from ..models import Creneau, Modalite, RendezVous, RendezVousStatus
from ..services import (
    LIEU_TELEPHONE,
    annuler_rdv,
    constater,
    creneaux_disponibles,
    moment_rappel_2h,
    moment_rappel_veille,
    publier_creneaux,
    reserver,
    retirer_creneau,
)
from .conftest import lundi, publier

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
JOUR = datetime.timedelta(days=1)


def local(moment):
    return timezone.localtime(moment).replace(tzinfo=None)


def rdv_events(parcours):
    return [e.detail for e in parcours.events.filter(kind=EventKind.RENDEZ_VOUS).order_by("pk")]


def messages(rdv):
    return {m.cle: m for m in Message.objects.filter(cle__startswith=f"rdv-{rdv.pk}-")}


# Publishing


def test_a_morning_is_published_in_one_go(aiguilleur, equipe):
    debut = lundi(heure=9)
    creneaux = publier(aiguilleur, equipe, debut, nombre=4, duree=45)
    assert [(local(c.debut).time(), local(c.fin).time()) for c in creneaux] == [
        (datetime.time(9, 0), datetime.time(9, 45)),
        (datetime.time(9, 45), datetime.time(10, 30)),
        (datetime.time(10, 30), datetime.time(11, 15)),
        (datetime.time(11, 15), datetime.time(12, 0)),
    ]
    assert {(c.conseiller, c.organisation, c.modalite) for c in creneaux} == {(aiguilleur, equipe, Modalite.PRESENTIEL)}


def test_publishing_refuses_overlaps_the_past_a_missing_place_and_another_team(aiguilleur, equipe):
    debut = lundi(heure=9)
    publier(aiguilleur, equipe, debut, nombre=2)
    with pytest.raises(ValidationError) as overlap:
        publier(aiguilleur, equipe, debut + datetime.timedelta(minutes=30))
    assert "chevauchent" in overlap.value.message_dict["heure"][0]
    with pytest.raises(ValidationError) as past:
        publier(aiguilleur, equipe, debut, at=debut + H)
    assert past.value.message_dict == {"date": ["Les créneaux doivent commencer dans le futur."]}
    with pytest.raises(ValidationError) as lieu:
        publier_creneaux(
            aiguilleur, equipe, date=debut.date(), heure=datetime.time(15), duree=30, nombre=1, modalite="visio"
        )
    assert lieu.value.message_dict == {"lieu": ["Indiquez le lien de la visioconférence."]}
    autre = OrganisationFactory(territory=equipe.territory, kind=OrganisationKind.EQUIPE_SAS)
    with pytest.raises(ValidationError):
        publier(aiguilleur, autre, debut + JOUR)
    assert Creneau.objects.count() == 2


def test_a_phone_slot_tells_the_young_person_they_will_be_called(aiguilleur, equipe):
    (creneau,) = publier(aiguilleur, equipe, lundi(), modalite=Modalite.TELEPHONE)
    assert creneau.lieu == LIEU_TELEPHONE


def test_a_booked_slot_cannot_be_withdrawn(creneau, parcours, aiguilleur):
    reserver(parcours, creneau, pris_par="conseiller", actor=aiguilleur, at=lundi())
    with pytest.raises(ValidationError):
        retirer_creneau(creneau, actor=aiguilleur)
    libre = publier(aiguilleur, creneau.organisation, lundi(heure=9))[0]
    retirer_creneau(libre, actor=aiguilleur)
    assert list(Creneau.objects.all()) == [creneau]


def test_a_withdrawn_slot_keeps_its_cancelled_appointment_and_is_no_longer_offered(creneau, parcours, aiguilleur):
    annuler_rdv(reserver(parcours, creneau, pris_par="jeune", at=lundi()), at=lundi())
    retirer_creneau(creneau, actor=aiguilleur, at=lundi())
    assert RendezVous.objects.get().creneau == creneau
    assert creneaux_disponibles(parcours, at=lundi()) == []
    with pytest.raises(ValidationError, match="plus proposé"):
        reserver(parcours, creneau, pris_par="jeune", at=lundi())
    # The same time can be published again.
    assert publier(aiguilleur, creneau.organisation, creneau.debut)[0].debut == creneau.debut


# Offering slots


def test_free_slots_are_the_counsellors_first_then_the_teams_and_only_of_the_territory(
    aiguilleur, equipe, parcours, territory
):
    collegue = member(Role.AIGUILLEUR, equipe)
    ailleurs = member(Role.AIGUILLEUR, territory__nom="Ailleurs")
    at = lundi(heure=8)
    tot = publier(collegue, equipe, lundi(heure=9))[0]
    tard = publier(aiguilleur, equipe, lundi(heure=16))[0]
    trop_tot = publier(aiguilleur, equipe, at + datetime.timedelta(minutes=30))[0]
    publier(ailleurs, ailleurs.memberships.get().organisation, lundi(heure=11))
    pris = publier(collegue, equipe, lundi(heure=11))[0]
    reserver(ParcoursFactory(territory=territory), pris, pris_par="jeune", at=at)

    assert creneaux_disponibles(parcours, at=at) == [tot, tard]
    parcours.conseiller = aiguilleur
    assert creneaux_disponibles(parcours, at=at) == [tard, tot]
    assert creneaux_disponibles(parcours, at=at, limite=1) == [tard]
    # Left out above because it starts in 30 minutes: too late to book; an hour earlier it was offered.
    assert trop_tot in creneaux_disponibles(parcours, at=at - H)


# Booking and reminders


def test_the_day_before_reminder_is_at_18h_and_the_saturday_before_a_monday():
    mardi = lundi(heure=14) + JOUR
    assert local(moment_rappel_veille(mardi)) == local(lundi(heure=18))
    assert local(moment_rappel_veille(lundi(heure=9))) == local(lundi(heure=18) - 2 * JOUR)


def test_the_two_hours_reminder_stays_out_of_the_night_or_is_dropped():
    assert local(moment_rappel_2h(lundi(heure=14))) == local(lundi(heure=12))
    assert local(moment_rappel_2h(lundi(heure=9))) == local(lundi(heure=8))
    assert moment_rappel_2h(lundi(heure=8, minute=15)) is None
    assert moment_rappel_2h(lundi(heure=22, minute=30)) is None


def test_booking_confirms_now_and_schedules_both_reminders(creneau, parcours):
    at = lundi(heure=10)
    rdv = reserver(parcours, creneau, pris_par="jeune", at=at)

    assert (rdv.status, rdv.pris_par, rdv.premier, rdv.created_at) == ("confirme", "jeune", True, at)
    sent = messages(rdv)
    assert set(sent) == {f"rdv-{rdv.pk}-confirme", f"rdv-{rdv.pk}-rappel_veille", f"rdv-{rdv.pk}-rappel_2h"}
    assert sent[f"rdv-{rdv.pk}-confirme"].prevu_le == at
    assert local(sent[f"rdv-{rdv.pk}-rappel_veille"].prevu_le) == local(lundi(heure=18))
    assert sent[f"rdv-{rdv.pk}-rappel_2h"].prevu_le == creneau.debut - 2 * H
    assert {m.gabarit for m in sent.values()} == {"rdv_confirme", "rappel_veille", "rappel_2h"}
    assert rdv_events(parcours) == [{"rdv": rdv.pk, "action": "pris", "pris_par": "jeune", "premier": True}]
    assert AuditEntry.objects.filter(object_type="rendezvous.rendezvous", object_id=str(rdv.pk)).exists()


def test_booking_the_evening_before_skips_the_reminder_already_past(creneau, parcours):
    rdv = reserver(parcours, creneau, pris_par="jeune", at=lundi(heure=19))
    assert set(messages(rdv)) == {f"rdv-{rdv.pk}-confirme", f"rdv-{rdv.pk}-rappel_2h"}


def test_the_young_persons_booking_is_their_answer_the_counsellors_is_not(creneau, parcours, aiguilleur, equipe):
    reserver(parcours, creneau, pris_par="conseiller", actor=aiguilleur, at=lundi())
    parcours.refresh_from_db()
    assert parcours.status == Status.SIGNALE
    autre = ParcoursFactory(territory=parcours.territory)
    reserver(autre, publier(aiguilleur, equipe, lundi(heure=15))[0], pris_par="jeune", at=lundi())
    autre.refresh_from_db()
    assert autre.status == Status.CONTACTE
    assert autre.events.filter(kind=EventKind.REPONSE, detail__via="rendez_vous").exists()


def test_a_slot_cannot_be_booked_twice_nor_in_the_past_nor_from_another_territory(creneau, parcours):
    reserver(parcours, creneau, pris_par="jeune", at=lundi())
    with pytest.raises(ValidationError, match="vient d'être réservé"):
        reserver(ParcoursFactory(territory=parcours.territory), creneau, pris_par="jeune", at=lundi())
    with pytest.raises(ValidationError, match="déjà passé"):
        reserver(ParcoursFactory(territory=parcours.territory), creneau, pris_par="jeune", at=creneau.debut)
    with pytest.raises(ValidationError, match="territoire"):
        reserver(ParcoursFactory(), creneau, pris_par="jeune", at=lundi())
    assert RendezVous.objects.count() == 1


def test_the_database_refuses_a_second_active_appointment_on_a_slot(creneau, parcours):
    reserver(parcours, creneau, pris_par="jeune", at=lundi())
    with pytest.raises(IntegrityError), transaction.atomic():
        RendezVous.objects.create(creneau=creneau, parcours=ParcoursFactory(), pris_par="jeune")


def test_the_young_person_holds_one_upcoming_appointment_at_a_time(creneau, parcours, aiguilleur, equipe):
    reserver(parcours, creneau, pris_par="jeune", at=lundi())
    autre = publier(aiguilleur, equipe, lundi(heure=16))[0]
    with pytest.raises(ValidationError, match="déjà un rendez-vous"):
        reserver(parcours, autre, pris_par="jeune", at=lundi())
    assert reserver(parcours, autre, pris_par="conseiller", actor=aiguilleur, at=lundi()).premier is False


def test_a_closed_journey_cannot_book(creneau, parcours):
    from sas.parcours import transitions

    transitions.transition(parcours, Status.HORS_CIBLE, reason="Plus de 30 ans", at=lundi(heure=9))
    with pytest.raises(ValidationError, match="clos"):
        reserver(parcours, creneau, pris_par="jeune", at=lundi())


# Cancelling


def test_cancelling_frees_the_slot_and_cancels_the_reminders(creneau, parcours, aiguilleur):
    at = lundi(heure=10)
    rdv = reserver(parcours, creneau, pris_par="jeune", at=at)
    annuler_rdv(rdv, at=at + H)

    rdv.refresh_from_db()
    assert (rdv.status, rdv.status_changed_at) == (RendezVousStatus.ANNULE, at + H)
    reminders = messages(rdv)
    assert reminders[f"rdv-{rdv.pk}-rappel_veille"].status == MessageStatus.ANNULE
    assert reminders[f"rdv-{rdv.pk}-rappel_2h"].status == MessageStatus.ANNULE
    assert rdv_events(parcours)[-1] == {"rdv": rdv.pk, "action": "annule", "pris_par": "jeune", "premier": True}
    assert creneaux_disponibles(parcours, at=at + H) == [creneau]
    with pytest.raises(ValidationError):
        annuler_rdv(rdv, actor=aiguilleur, at=at + H)
    # Cancelled appointments do not count: the next one is still the first.
    assert reserver(parcours, creneau, pris_par="jeune", at=at + 2 * H).premier is True


# Honoured, missed, remobilisation


def test_an_appointment_is_recorded_once_and_not_before_it_starts(creneau, parcours, aiguilleur):
    rdv = reserver(parcours, creneau, pris_par="conseiller", actor=aiguilleur, at=lundi())
    with pytest.raises(ValidationError, match="à partir du"):
        constater(rdv, "honore", actor=aiguilleur, at=creneau.debut - H)
    constater(rdv, "honore", actor=aiguilleur, at=creneau.debut + H)
    with pytest.raises(ValidationError, match="déjà enregistrée"):
        constater(rdv, "manque", actor=aiguilleur, at=creneau.debut + H)
    rdv.refresh_from_db()
    assert rdv.status == RendezVousStatus.HONORE
    assert rdv_events(parcours)[-1] == {"rdv": rdv.pk, "action": "constate", "issue": "honore", "premier": True}
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE


def test_a_missed_appointment_starts_the_remobilisation_path(creneau, parcours, aiguilleur, equipe):
    rdv = reserver(parcours, creneau, pris_par="jeune", at=lundi())
    at = creneau.debut + datetime.timedelta(minutes=30)
    constater(rdv, "manque", actor=aiguilleur, at=at)

    assert rdv_events(parcours)[-1] == {"rdv": rdv.pk, "action": "constate", "issue": "manque", "premier": True}
    manque = Message.objects.get(cle=f"rdv-{rdv.pk}-manque")
    assert (manque.gabarit, manque.prevu_le, manque.parcours) == ("rdv_manque", at, parcours)
    taches = TacheContact.objects.filter(parcours=parcours).order_by("echeance")
    assert [(t.nature, t.echeance) for t in taches] == [("appel", at + 2 * JOUR), ("visite", at + 5 * JOUR)]
    assert all("manqué" in t.motif for t in taches)
    # The young person books again from the link: a new appointment, not the first one any more.
    nouveau = publier(aiguilleur, equipe, creneau.debut + 3 * JOUR)[0]
    assert reserver(parcours, nouveau, pris_par="jeune", at=at + H).premier is False
    assert rdv_events(parcours)[-1]["premier"] is False

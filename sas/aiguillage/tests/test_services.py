import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sas.aiguillage import services
from sas.aiguillage.models import (
    DEFAULT_STEPS,
    ArretCadence,
    CadenceContact,
    PlanContact,
    TacheContact,
)
from sas.messagerie.models import Message, MessageStatus
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import OrganisationKind, Role
from sas.parcours import transitions
from sas.parcours.models import EventKind
from sas.parcours.status import Status

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime.datetime(2026, 11, 23, 10, 0))


def kinds(parcours):
    return [(e.kind, e.to_status) for e in parcours.events.all()]


# Plans


def test_the_default_plan_comes_from_the_data_migration():
    plan = PlanContact.courant()
    assert plan.nom == "Plan de contact standard" and plan.etapes == DEFAULT_STEPS
    assert PlanContact.objects.count() == 1


def test_the_most_recent_active_plan_applies():
    PlanContact.objects.update(actif=False)
    newer = PlanContact.objects.create(nom="Plan court", etapes=[{"jour": 0, "actions": ["sms"]}])
    assert PlanContact.courant() == newer
    newer.actif = False
    newer.save()
    assert PlanContact.courant().nom == "Plan de contact standard"


@pytest.mark.parametrize(
    ("etapes", "message"),
    [
        ([], "ne peut pas être vide"),
        ([{"jour": 0}], "Étape 1 : indiquez exactement « jour » et « actions »."),
        ([{"jour": -1, "actions": ["sms"]}], "Étape 1 : le jour doit être un nombre entier positif ou nul."),
        ([{"jour": 2, "actions": ["sms"]}, {"jour": 2, "actions": ["email"]}], "Étape 2 : les jours doivent aller"),
        ([{"jour": 0, "actions": ["pigeon"]}], "Étape 1 : action inconnue « pigeon »"),
        ([{"jour": 0, "actions": []}], "Étape 1 : indiquez au moins une action."),
        ([{"jour": 0, "actions": ["decider"]}, {"jour": 3, "actions": ["sms"]}], "dans la dernière étape"),
    ],
)
def test_a_plan_is_validated(etapes, message):
    plan = PlanContact(nom="Essai", etapes=etapes)
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert message in error.value.message_dict["etapes"][0]


def test_a_valid_plan_passes():
    PlanContact(nom="Essai", etapes=DEFAULT_STEPS).full_clean()


# Assignment


def test_a_counsellor_assigns_a_teammate_and_an_event_is_written(make_parcours, aiguilleur, collegue):
    parcours = make_parcours()
    event = services.assigner(parcours, collegue, actor=aiguilleur, at=T0)
    parcours.refresh_from_db()
    assert parcours.conseiller == collegue
    assert (event.kind, event.actor, event.detail) == (
        EventKind.AFFECTATION,
        aiguilleur,
        {"conseiller": collegue.pk, "precedent": None},
    )
    assert services.assigner(parcours, collegue, actor=aiguilleur) is None  # nothing changes, no event
    services.assigner(parcours, None, actor=aiguilleur, at=T0)
    parcours.refresh_from_db()
    assert parcours.conseiller is None
    assert [e.reason for e in parcours.events.filter(kind=EventKind.AFFECTATION)] == [
        f"Affecté à {collegue}",
        "Plus de conseiller attitré",
    ]


def test_assignment_stays_within_the_team_and_territory(make_parcours, aiguilleur, territory):
    parcours = make_parcours()
    other_team_same_territory = member(Role.AIGUILLEUR, territory=territory)
    elsewhere = member(Role.AIGUILLEUR)
    prescriber = member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory, kind=OrganisationKind.ASE))
    with pytest.raises(ValidationError, match="Choisissez un conseiller de votre équipe"):
        services.assigner(parcours, other_team_same_territory, actor=aiguilleur)
    with pytest.raises(ValidationError, match="Choisissez un conseiller de votre équipe"):
        services.assigner(parcours, prescriber, actor=aiguilleur)
    with pytest.raises(ValidationError, match="Seule l'équipe SAS du territoire"):
        services.assigner(parcours, elsewhere, actor=elsewhere)
    assert not parcours.events.filter(kind=EventKind.AFFECTATION).exists()


# The young person's answer


@pytest.mark.parametrize(
    ("start", "path"),
    [
        ([], [Status.A_CONTACTER, Status.CONTACTE]),
        ([Status.A_CONTACTER], [Status.CONTACTE]),
        ([Status.A_CONTACTER, Status.CONTACT_EN_COURS], [Status.CONTACTE]),
        ([Status.A_CONTACTER, Status.CONTACT_EN_COURS, Status.INJOIGNABLE], [Status.A_CONTACTER, Status.CONTACTE]),
    ],
)
def test_an_answer_moves_the_journey_to_contacte_through_the_allowed_moves(make_parcours, start, path):
    parcours = make_parcours(at=T0)
    for status in start:
        transitions.transition(parcours, status, reason="Essai", at=T0)
    before = parcours.events.count()
    assert services.reponse_du_jeune(parcours, via="lien", at=T0 + datetime.timedelta(hours=1))
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE
    new = list(parcours.events.all()[before:])
    assert (new[0].kind, new[0].detail) == (EventKind.REPONSE, {"via": "lien"})
    assert [e.to_status for e in new[1:]] == path
    # Idempotent: a second answer writes nothing.
    assert not services.reponse_du_jeune(parcours, via="lien", at=T0 + datetime.timedelta(hours=2))
    assert parcours.events.count() == before + 1 + len(path)


def test_an_answer_before_the_end_of_support_goes_straight_to_contacte(make_parcours, territory, ase):
    from sas.parcours.factories import SignalementFactory

    parcours = SignalementFactory(
        organisation=ase, parcours__territory=territory, parcours__status=Status.SORTIE_A_VENIR
    ).parcours
    services.reponse_du_jeune(parcours, via="rencontre")
    assert [e.to_status for e in parcours.events.filter(kind=EventKind.TRANSITION)] == [
        Status.SORTIE_A_VENIR,
        Status.CONTACTE,
    ]


def test_an_answer_stops_the_cadence_and_cancels_its_pending_messages(make_parcours):
    parcours = make_parcours(at=T0)
    etat = CadenceContact.objects.create(parcours=parcours, plan=PlanContact.courant(), demarre_le=T0)

    def sms_programme(gabarit, cle):
        return Message.objects.create(
            parcours=parcours,
            jeune=parcours.jeune,
            canal="sms",
            gabarit=gabarit,
            destinataire="+33612345678",
            corps="…",
            cle=cle,
            prevu_le=T0 + datetime.timedelta(days=2),
        )

    pending = sms_programme("relance", f"cadence-{parcours.pk}-0-1-sms")
    other = sms_programme("rdv_confirme", "rdv-1-rdv_confirme")
    services.reponse_du_jeune(parcours, via="sms", at=T0 + datetime.timedelta(hours=3))
    etat.refresh_from_db()
    assert (etat.arrete_le, etat.motif_arret) == (T0 + datetime.timedelta(hours=3), ArretCadence.REPONSE)
    pending.refresh_from_db()
    other.refresh_from_db()
    assert (pending.status, other.status) == (MessageStatus.ANNULE, MessageStatus.PROGRAMME)


# Contact log


def test_a_call_without_answer_is_logged_and_starts_the_contact(make_parcours, aiguilleur):
    parcours = make_parcours(at=T0)
    event = services.journaliser_contact(
        parcours, canal="appel", resultat="sans_reponse", note="Messagerie pleine", actor=aiguilleur, at=T0
    )
    assert (event.kind, event.actor, event.reason) == (
        EventKind.CONTACT,
        aiguilleur,
        "Appel téléphonique : pas de réponse",
    )
    assert event.detail == {"canal": "appel", "resultat": "sans_reponse", "note": "Messagerie pleine"}
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACT_EN_COURS


def test_reaching_the_young_person_counts_as_their_answer(make_parcours, aiguilleur):
    parcours = make_parcours(at=T0)
    services.journaliser_contact(parcours, canal="visite", resultat="joint", actor=aiguilleur, at=T0)
    parcours.refresh_from_db()
    assert parcours.status == Status.CONTACTE
    assert [k for k, _ in kinds(parcours)] == [
        EventKind.TRANSITION,
        EventKind.TRANSITION,
        EventKind.TRANSITION,
        EventKind.CONTACT,
        EventKind.REPONSE,
        EventKind.TRANSITION,
    ]


def test_an_unknown_outcome_is_refused(make_parcours):
    with pytest.raises(ValueError):
        services.journaliser_contact(make_parcours(), canal="appel", resultat="peut-etre")


# Deferral


def test_deferral_pauses_the_cadence_and_writes_a_report_event(make_parcours):
    parcours = make_parcours(at=T0)
    CadenceContact.objects.create(parcours=parcours, plan=PlanContact.courant(), demarre_le=T0, etape_suivante=2)
    event = services.reporter(parcours, datetime.date(2027, 2, 23), via="lien", at=T0)
    assert (event.kind, event.detail) == (EventKind.REPORT, {"jusqu_au": "2027-02-23", "via": "lien"})
    assert event.reason == "Recontact demandé à partir du 23/02/2027 (lien)"
    etat = CadenceContact.objects.get(parcours=parcours)
    assert etat.reporte_jusqu_au == datetime.date(2027, 2, 23)
    assert etat.est_reporte(datetime.date(2027, 2, 22)) and not etat.est_reporte(datetime.date(2027, 2, 23))


def test_deferral_needs_a_future_date_and_an_open_journey(make_parcours):
    parcours = make_parcours(at=T0)
    with pytest.raises(ValidationError, match="dans le futur"):
        services.reporter(parcours, timezone.localdate(T0), via="lien", at=T0)
    transitions.transition(parcours, Status.HORS_CIBLE, reason="Hors territoire", at=T0)
    with pytest.raises(ValidationError, match="clos"):
        services.reporter(parcours, datetime.date(2027, 1, 1), via="lien", at=T0)
    assert not parcours.events.filter(kind=EventKind.REPORT).exists()


# Tasks


def test_a_task_is_created_once_per_key_and_done_once(make_parcours, aiguilleur):
    parcours = make_parcours(at=T0)
    first = services.creer_tache(parcours, "appel", echeance=T0, motif="Appeler", at=T0, cle="cadence-x")
    assert services.creer_tache(parcours, "appel", echeance=T0, motif="Appeler", at=T0, cle="cadence-x") == first
    assert TacheContact.objects.count() == 1
    services.terminer_tache(first, resultat="message_laisse", note="Rappel demain", actor=aiguilleur, at=T0)
    assert (first.faite_le, first.faite_par, first.resultat) == (T0, aiguilleur, "message_laisse")
    contact = parcours.events.get(kind=EventKind.CONTACT)
    assert contact.detail == {"canal": "appel", "resultat": "message_laisse", "note": "Rappel demain"}
    with pytest.raises(ValidationError, match="déjà faite"):
        services.terminer_tache(first, resultat="joint", actor=aiguilleur, at=T0)
    assert parcours.events.filter(kind=EventKind.CONTACT).count() == 1

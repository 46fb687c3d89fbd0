"""Each rule of the follow-up, on a controlled clock."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from sas.aiguillage import services as aiguillage
from sas.aiguillage.models import TacheContact
from sas.audit.transitions import TransitionError
from sas.messagerie.models import Message
from sas.orientation import retrait
from sas.orientation import services as orientations
from sas.orientation.models import ActorKind as OrientationActorKind
from sas.parcours import transitions
from sas.parcours.factories import SignalementFactory
from sas.parcours.models import EventKind as ParcoursEventKind
from sas.parcours.status import PRESCRIBER_MILESTONES, Status
from sas.permissions.suivi import LIBELLES
from sas.suivi import services
from sas.suivi import transitions as suivi_transitions
from sas.suivi.models import (
    ActorKind,
    FinSuivi,
    NatureSortie,
    NouvelEssai,
    OrigineEssai,
    PointEtapeStatus,
    RecoursDroit,
    Suivi,
)

from .conftest import PRISE_EN_CHARGE

pytestmark = pytest.mark.django_db
JOUR = datetime.timedelta(days=1)
UN_MOIS = services.ajouter_mois(PRISE_EN_CHARGE, 1)


@pytest.fixture
def en_suivi(pris_en_charge):
    services.avancer(PRISE_EN_CHARGE + JOUR)
    pris_en_charge.refresh_from_db()
    return pris_en_charge


def _point(parcours, mois=1):
    return parcours.suivis.get().points.get(mois=mois)


def test_months_are_added_on_the_calendar():
    jan31 = timezone.make_aware(datetime.datetime(2027, 1, 31, 10, 0))
    assert services.ajouter_mois(jan31, 1).date() == datetime.date(2027, 2, 28)
    assert services.ajouter_mois(jan31, 6).date() == datetime.date(2027, 7, 31)
    assert services.ajouter_mois(jan31, -3).date() == datetime.date(2026, 10, 31)


def test_settings_allow_two_reminders_at_most():
    services.valider_reglages((1, 3, 6), (7, 14))
    with pytest.raises(ValueError, match="deux relances au plus"):
        services.valider_reglages((1, 3, 6), (3, 7, 14))
    with pytest.raises(ValueError, match="en croissant"):
        services.valider_reglages((3, 1), (7,))


def test_check_in_months_come_from_the_settings(pris_en_charge, settings):
    settings.SAS_SUIVI_MOIS = (2, 4)
    services.avancer(PRISE_EN_CHARGE + JOUR)
    suivi = pris_en_charge.suivis.get()
    assert [(p.mois, p.prevu_le) for p in suivi.points.all()] == [
        (m, services.ajouter_mois(PRISE_EN_CHARGE, m)) for m in (2, 4)
    ]


def test_the_command_is_a_dry_run_unless_told(pris_en_charge):
    call_command("avancer_suivi")
    assert not Suivi.objects.exists()
    call_command("avancer_suivi", "--wet-run")
    call_command("avancer_suivi", "--wet-run")
    assert Suivi.objects.filter(parcours=pris_en_charge).count() == 1
    pris_en_charge.refresh_from_db()
    assert pris_en_charge.status == Status.SUIVI


@pytest.mark.parametrize("il_y_a, saute", [(14, True), (16, False)])
def test_a_check_in_is_skipped_after_a_recent_contact(en_suivi, aiguilleur, settings, il_y_a, saute):
    assert settings.SAS_SUIVI_CONTACT_RECENT_JOURS == 15
    aiguillage.journaliser_contact(
        en_suivi, canal="appel", resultat="joint", actor=aiguilleur, at=UN_MOIS - il_y_a * JOUR
    )
    services.avancer(UN_MOIS)
    assert _point(en_suivi).status == (PointEtapeStatus.SAUTE if saute else PointEtapeStatus.ENVOYE)
    assert Message.objects.filter(gabarit="point_etape").exists() is not saute


def test_a_follow_up_started_late_asks_only_the_latest_check_in_due(en_suivi):
    services.avancer(services.ajouter_mois(PRISE_EN_CHARGE, 4))
    points = {p.mois: p.status for p in en_suivi.suivis.get().points.all()}
    assert points == {1: PointEtapeStatus.SAUTE, 3: PointEtapeStatus.ENVOYE, 6: PointEtapeStatus.A_VENIR}
    assert Message.objects.filter(gabarit="point_etape").count() == 1


def test_a_call_without_answer_is_not_a_contact(en_suivi, aiguilleur):
    aiguillage.journaliser_contact(en_suivi, canal="appel", resultat="sans_reponse", actor=aiguilleur, at=UN_MOIS)
    services.avancer(UN_MOIS)
    assert _point(en_suivi).status == PointEtapeStatus.ENVOYE


def test_a_structure_answer_counts_as_its_contact(en_suivi):
    services.avancer(UN_MOIS)
    services.repondre(_point(en_suivi, 1), "accompagne", "oui", actor_kind=ActorKind.STRUCTURE, at=UN_MOIS + JOUR)
    # Within 15 days of the structure's answer a check-in would be skipped; after that it is asked.
    assert services.contact_recent(en_suivi, UN_MOIS + 10 * JOUR)
    assert not services.contact_recent(en_suivi, UN_MOIS + 17 * JOUR)


@pytest.mark.parametrize(
    "actor_kind, valeur",
    [(ActorKind.JEUNE, "ne_convient_pas"), (ActorKind.JEUNE, "arrete"), (ActorKind.STRUCTURE, "arrete")],
)
def test_support_stopped_or_not_suiting_sends_back_to_the_counsellor(en_suivi, actor_kind, valeur):
    services.avancer(UN_MOIS)
    services.repondre(_point(en_suivi), "accompagne", valeur, actor_kind=actor_kind, at=UN_MOIS + JOUR)
    en_suivi.refresh_from_db()
    assert en_suivi.status == Status.ABANDON
    event = en_suivi.events.get(to_status=Status.ABANDON)
    assert event.reason.startswith("Remobilisation : ") and services.ACCOMPAGNE[valeur] in event.reason
    assert en_suivi.suivis.get().fin == FinSuivi.REMOBILISATION


def test_still_supported_keeps_the_follow_up(en_suivi):
    services.avancer(UN_MOIS)
    services.repondre(_point(en_suivi), "accompagne", "oui", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    en_suivi.refresh_from_db()
    assert en_suivi.status == Status.SUIVI
    assert _point(en_suivi).status == PointEtapeStatus.REPONDU
    assert _point(en_suivi, 3).status == PointEtapeStatus.A_VENIR


def test_a_check_in_moves_only_by_its_table_and_logs_each_move(en_suivi):
    point = _point(en_suivi)
    # Planned with its first event, by the system, at the follow-up's start.
    (first,) = point.events.all()
    assert (first.from_status, first.to_status, first.actor_kind) == ("", PointEtapeStatus.A_VENIR, ActorKind.SYSTEME)
    services.avancer(UN_MOIS)
    services.repondre(_point(en_suivi), "accompagne", "oui", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    moves = list(point.events.filter(kind="transition").values_list("from_status", "to_status"))
    with pytest.raises(TransitionError, match="déjà « répondu »"):
        suivi_transitions.transition(point, PointEtapeStatus.ENVOYE, actor_kind=ActorKind.SYSTEME, at=UN_MOIS)
    assert list(point.events.filter(kind="transition").values_list("from_status", "to_status")) == moves
    assert moves[-1] == (PointEtapeStatus.ENVOYE, PointEtapeStatus.REPONDU)


def test_after_remobilisation_another_structure_can_be_proposed(en_suivi, aiguilleur):
    services.avancer(UN_MOIS)
    services.repondre(_point(en_suivi), "accompagne", "arrete", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    en_suivi.refresh_from_db()
    ranking = [p for p in orientations.classer(en_suivi) if not p.deja_propose]
    assert ranking, "the other service of the catalogue is still there to propose"
    orientations.proposer(en_suivi, ranking[:1], actor=aiguilleur, at=UN_MOIS + 2 * JOUR)
    en_suivi.refresh_from_db()
    assert en_suivi.status == Status.ORIENTATION_PROPOSEE


def test_the_counsellor_restarts_contact_or_reruns_the_diagnostic(en_suivi):
    services.remobiliser(en_suivi.suivis.get(), reason="test", at=UN_MOIS)
    en_suivi.refresh_from_db()
    transitions.transition(en_suivi, Status.CONTACTE, reason="Refaire le point", at=UN_MOIS + JOUR)
    en_suivi.refresh_from_db()
    assert en_suivi.status == Status.CONTACTE


def test_needing_something_gives_the_counsellor_a_call_task(en_suivi):
    services.avancer(UN_MOIS)
    point = _point(en_suivi)
    services.repondre(point, "besoin", "oui", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    services.repondre(point, "besoin", "oui", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    tache = TacheContact.objects.get(parcours=en_suivi)
    assert "besoin" in tache.motif and tache.echeance == UN_MOIS + 3 * JOUR


def test_unknown_answers_are_refused_in_french(en_suivi):
    services.avancer(UN_MOIS)
    with pytest.raises(ValidationError, match="Réponse inconnue"):
        services.repondre(_point(en_suivi), "accompagne", "peut-etre", actor_kind=ActorKind.JEUNE, at=UN_MOIS)
    with pytest.raises(ValidationError, match="Réponse inconnue"):
        services.repondre(_point(en_suivi), "age", "oui", actor_kind=ActorKind.JEUNE, at=UN_MOIS)
    assert not _point(en_suivi).events.filter(kind="reponse").exists()


def test_the_young_persons_positive_exit_ends_the_follow_up(en_suivi):
    services.avancer(UN_MOIS)
    point = _point(en_suivi)
    services.repondre(point, "accompagne", "sortie", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    services.repondre(point, "sortie", NatureSortie.EMPLOI, actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    en_suivi.refresh_from_db()
    assert en_suivi.status == Status.SORTI_POSITIF
    suivi = en_suivi.suivis.get()
    assert (suivi.sortie_nature, suivi.sortie_le, suivi.sortie_actor_kind) == (
        NatureSortie.EMPLOI,
        timezone.localdate(UN_MOIS + JOUR),
        ActorKind.JEUNE,
    )
    with pytest.raises(ValidationError, match="terminé"):
        services.repondre(point, "utile", "oui", actor_kind=ActorKind.JEUNE, at=UN_MOIS + 2 * JOUR)


def test_the_counsellor_records_a_positive_exit_with_its_kind_and_date(en_suivi, aiguilleur):
    at = UN_MOIS + 10 * JOUR
    with pytest.raises(ValidationError, match="nature"):
        services.sortie_positive(
            en_suivi, nature="vacances", date_sortie=at.date(), actor_kind=ActorKind.CONSEILLER, at=at
        )
    with pytest.raises(ValidationError, match="aujourd'hui ou avant"):
        services.sortie_positive(
            en_suivi, nature="formation", date_sortie=at.date() + JOUR, actor_kind=ActorKind.CONSEILLER, at=at
        )
    with pytest.raises(ValidationError, match="précède la prise en charge"):
        services.sortie_positive(
            en_suivi,
            nature="formation",
            date_sortie=PRISE_EN_CHARGE.date() - JOUR,
            actor_kind=ActorKind.CONSEILLER,
            at=at,
        )
    en_suivi.refresh_from_db()
    assert en_suivi.status == Status.SUIVI
    services.sortie_positive(
        en_suivi,
        nature="formation",
        date_sortie=at.date() - JOUR,
        actor_kind=ActorKind.CONSEILLER,
        actor=aiguilleur,
        at=at,
    )
    en_suivi.refresh_from_db()
    assert en_suivi.status == Status.SORTI_POSITIF
    assert en_suivi.events.get(to_status=Status.SORTI_POSITIF).actor == aiguilleur


def test_a_journey_that_moved_elsewhere_ends_its_follow_up_without_messages(en_suivi):
    retrait.retirer_consentement(en_suivi, actor_kind=OrientationActorKind.JEUNE, at=PRISE_EN_CHARGE + 2 * JOUR)
    services.avancer(UN_MOIS)
    suivi = en_suivi.suivis.get()
    assert suivi.fin == FinSuivi.TERMINE and "Consentement retiré" in suivi.end_reason
    assert not Message.objects.filter(gabarit="point_etape").exists()


def test_rights_answers_are_stored_and_counted(en_suivi):
    services.avancer(UN_MOIS)
    point = _point(en_suivi)
    services.repondre(point, "droit_css", "demande", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    services.repondre(point, "droit_rsa", "pas_fait", actor_kind=ActorKind.JEUNE, at=UN_MOIS + JOUR)
    # Changed their mind later: the latest answer counts.
    services.repondre(point, "droit_rsa", "demande", actor_kind=ActorKind.JEUNE, at=UN_MOIS + 2 * JOUR)
    assert RecoursDroit.objects.count() == 3
    comptes = services.mesurer_recours(services.declarations())
    assert comptes["css"]["demande"] == 1 and comptes["rsa"] == {"deja": 0, "demande": 1, "refuse": 0, "pas_fait": 0}


def test_take_up_of_rights_counts_the_latest_answer_per_person_and_right():
    t = [timezone.make_aware(datetime.datetime(2027, 1, d, 10, 0)) for d in (1, 2, 3)]
    rows = [
        (1, "rsa", "pas_fait", t[0]),
        (1, "rsa", "demande", t[1]),
        (2, "rsa", "refuse", t[0]),
        (2, "css", "deja", t[2]),
        (3, "rsa", "demande", t[2]),
        (3, "rsa", "pas_fait", t[1]),  # older: person 3 said "demande" last
    ]
    comptes = services.mesurer_recours(rows)
    # rsa: person 1 → demande, person 2 → refuse, person 3 → demande.
    assert comptes["rsa"] == {"deja": 0, "demande": 2, "refuse": 1, "pas_fait": 0}
    assert comptes["css"] == {"deja": 1, "demande": 0, "refuse": 0, "pas_fait": 0}


def test_the_prescriber_sees_follow_up_and_positive_exit_as_stages():
    assert LIBELLES[Status.SUIVI] == "En suivi"
    assert LIBELLES[Status.SORTI_POSITIF] == "Sortie positive"
    assert {Status.SUIVI, Status.SORTI_POSITIF} <= set(PRESCRIBER_MILESTONES)


# One more try for unreachable people


@pytest.fixture
def injoignable(territory):
    parcours = SignalementFactory(parcours__territory=territory).parcours
    debut = timezone.now() + JOUR
    for status in (Status.A_CONTACTER, Status.CONTACT_EN_COURS):
        transitions.transition(parcours, status, at=debut)
    transitions.transition(parcours, Status.INJOIGNABLE, reason="Aucune réponse après 15 jours", at=debut)
    parcours.refresh_from_db()
    return parcours


def test_an_unreachable_person_is_tried_again_once_then_the_file_is_closed(injoignable, settings):
    decide = injoignable.status_changed_at
    trois_mois = services.ajouter_mois(decide, settings.SAS_NOUVEL_ESSAI_MOIS)
    services.avancer(trois_mois - JOUR)
    injoignable.refresh_from_db()
    assert injoignable.status == Status.INJOIGNABLE

    services.avancer(trois_mois)
    services.avancer(trois_mois)
    injoignable.refresh_from_db()
    assert injoignable.status == Status.A_CONTACTER
    essai = NouvelEssai.objects.get(parcours=injoignable)
    assert essai.origine == OrigineEssai.INJOIGNABLE and essai.lance_le == trois_mois
    assert "Nouvel essai" in injoignable.events.get(to_status=Status.A_CONTACTER, from_status=Status.INJOIGNABLE).reason

    # The contact plan runs again, nobody answers: unreachable again, then the file is closed, saying why.
    fin = trois_mois + 15 * JOUR
    transitions.transition(injoignable, Status.CONTACT_EN_COURS, at=trois_mois)
    transitions.transition(injoignable, Status.INJOIGNABLE, reason="Toujours aucune réponse", at=fin)
    services.avancer(fin + JOUR)
    services.avancer(services.ajouter_mois(fin, 6))
    injoignable.refresh_from_db()
    assert injoignable.status == Status.INJOIGNABLE
    cloture = injoignable.events.get(kind=ParcoursEventKind.CLOTURE)
    assert "Dossier clos" in cloture.reason and f"{timezone.localtime(trois_mois):%d/%m/%Y}" in cloture.reason
    essai.refresh_from_db()
    assert essai.clos_le == fin + JOUR and essai.closing_reason == cloture.reason
    assert NouvelEssai.objects.count() == 1


def test_a_deferred_person_left_unreachable_gets_the_same_one_more_try(territory, settings):
    parcours = SignalementFactory(parcours__territory=territory).parcours
    debut = timezone.now() + JOUR
    transitions.transition(parcours, Status.A_CONTACTER, at=debut)
    aiguillage.reporter(parcours, (debut + 60 * JOUR).date(), via="page", at=debut)
    parcours.refresh_from_db()
    apres = debut + 75 * JOUR
    transitions.transition(parcours, Status.CONTACT_EN_COURS, at=apres)
    transitions.transition(parcours, Status.INJOIGNABLE, reason="Aucune réponse", at=apres)
    services.avancer(services.ajouter_mois(apres, settings.SAS_NOUVEL_ESSAI_MOIS))
    assert NouvelEssai.objects.get(parcours=parcours).origine == OrigineEssai.REPORT

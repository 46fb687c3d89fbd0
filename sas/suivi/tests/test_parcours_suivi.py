"""The follow-up walked on a controlled clock: take-up, the 1-month check-in answered by the young person, the 3-month
one unanswered by both sides after two reminders → back to the counsellor as remobilisation; another young person
ends in a positive exit."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from sas.aiguillage.groupes import GROUPES
from sas.audit.transitions import TransitionError
from sas.espace_jeune.testing import verifier
from sas.messagerie.models import Message
from sas.parcours.models import EventKind as ParcoursEventKind
from sas.parcours.status import TRANSITIONS, Status
from sas.parcours.transitions import transition
from sas.permissions.suivi import LIBELLES
from sas.suivi import models, services
from sas.suivi.models import ActorKind, EventKind, FinSuivi, NatureSortie, PointEtapeStatus

from .conftest import PRISE_EN_CHARGE, envoyer_courriels_structure

pytestmark = pytest.mark.django_db
JOUR = datetime.timedelta(days=1)


def _point(parcours, mois):
    return parcours.suivis.get().points.get(mois=mois)


def _messages(gabarit):
    return Message.objects.filter(gabarit=gabarit).count()


def test_take_up_then_still_supported_then_silence_sends_back_to_the_counsellor(client, pris_en_charge, settings):
    parcours = pris_en_charge
    mois = list(settings.SAS_SUIVI_MOIS)
    relances = list(settings.SAS_SUIVI_RELANCES_JOURS)

    # The scheduler sees the take-up: the follow-up starts, the journey is "suivi", check-ins are planned.
    services.avancer(PRISE_EN_CHARGE + JOUR)
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI
    suivi = parcours.suivis.get()
    assert suivi.debut == PRISE_EN_CHARGE
    assert sorted(suivi.points.values_list("mois", flat=True)) == mois
    un_mois = services.ajouter_mois(PRISE_EN_CHARGE, 1)
    assert _point(parcours, 1).prevu_le == un_mois

    # Nothing is asked before the date.
    services.avancer(un_mois - JOUR)
    assert _point(parcours, 1).status == PointEtapeStatus.A_VENIR

    # At one month: the young person gets their message, the structure its e-mail.
    services.avancer(un_mois)
    assert _point(parcours, 1).status == PointEtapeStatus.ENVOYE
    assert _messages("point_etape") == 1
    assert _messages("structure_point_etape") == 1

    # The young person answers on their page: "still supported", one tap.
    lien = Message.objects.get(gabarit="point_etape").lien
    verifier(client, lien)
    page = client.get(reverse("suivi:jeune", args=[lien.token]))
    assert "Êtes-vous toujours accompagné·e par Foyer jeunes travailleurs" in page.content.decode()
    reponse = client.post(
        reverse("suivi:jeune_repondre", args=[lien.token]), {"question": "accompagne", "valeur": "oui"}
    )
    assert reponse.status_code == 302
    point = _point(parcours, 1)
    assert point.status == PointEtapeStatus.REPONDU
    answer = point.events.get(kind=EventKind.REPONSE)
    assert (answer.actor_kind, answer.detail) == (ActorKind.JEUNE, {"accompagne": "oui"})
    assert parcours.events.filter(kind=ParcoursEventKind.POINT_ETAPE).count() == 1
    # Answered: no reminder at one month.
    services.avancer(un_mois + relances[-1] * JOUR)
    assert _messages("point_etape_relance") == 0

    # At three months nobody answers: two reminders to both sides, never a third, then back to the counsellor.
    trois_mois = services.ajouter_mois(PRISE_EN_CHARGE, 3)
    services.avancer(trois_mois)
    assert _point(parcours, 3).status == PointEtapeStatus.ENVOYE
    for numero, jours in enumerate(relances, start=1):
        services.avancer(trois_mois + jours * JOUR - datetime.timedelta(minutes=1))
        assert _point(parcours, 3).events.filter(kind=EventKind.RELANCE).count() == numero - 1
        services.avancer(trois_mois + jours * JOUR)
        services.avancer(trois_mois + jours * JOUR)  # run twice: idempotent
        assert _point(parcours, 3).events.filter(kind=EventKind.RELANCE).count() == numero
    assert _messages("point_etape_relance") == len(relances)
    assert _messages("structure_point_etape_relance") == len(relances)
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI

    fin = trois_mois + settings.SAS_SUIVI_SANS_REPONSE_JOURS * JOUR
    services.avancer(fin - datetime.timedelta(minutes=1))
    assert parcours.suivis.get().termine_le is None
    call_command("avancer_suivi")  # a dry run changes nothing (real clock: before the check-ins anyway)
    services.avancer(fin)
    parcours.refresh_from_db()
    assert parcours.status == Status.ABANDON
    retour = parcours.events.filter(to_status=Status.ABANDON).get()
    assert retour.from_status == Status.SUIVI
    assert "Remobilisation" in retour.reason and "3 mois" in retour.reason
    suivi = parcours.suivis.get()
    assert suivi.fin == FinSuivi.REMOBILISATION
    assert _point(parcours, 3).status == PointEtapeStatus.SANS_REPONSE
    assert _point(parcours, 6).status == PointEtapeStatus.ANNULE
    # Back in the counsellor's queue ("à traiter"), with what they can do next.
    assert {Status.A_CONTACTER, Status.CONTACTE, Status.ORIENTATION_PROPOSEE} <= set(TRANSITIONS[Status.ABANDON])
    # Nothing more happens to it: the six-month check-in is never asked.
    services.avancer(services.ajouter_mois(PRISE_EN_CHARGE, 6))
    assert _messages("point_etape") == 2


def test_the_structure_answers_through_its_link_and_a_positive_exit_ends_the_follow_up(pris_en_charge, smtp_server):
    parcours = pris_en_charge
    services.avancer(PRISE_EN_CHARGE + JOUR)
    un_mois = services.ajouter_mois(PRISE_EN_CHARGE, 1)
    services.avancer(un_mois)
    (token,) = envoyer_courriels_structure(un_mois, smtp_server)
    point = models.LienSuiviStructure.trouver(token, at=un_mois)
    assert point == _point(parcours, 1)

    # The structure taps "sortie positive", then its kind and date, on the controlled clock.
    repondu = un_mois + 2 * JOUR
    services.repondre(point, "accompagne", "sortie", actor_kind=ActorKind.STRUCTURE, at=repondu)
    sortie_le = un_mois.date() - 3 * JOUR
    services.repondre(
        point, "sortie", NatureSortie.APPRENTISSAGE, actor_kind=ActorKind.STRUCTURE, at=repondu, date_sortie=sortie_le
    )

    parcours.refresh_from_db()
    assert parcours.status == Status.SORTI_POSITIF
    suivi = parcours.suivis.get()
    assert (suivi.fin, suivi.sortie_nature, suivi.sortie_le, suivi.sortie_actor_kind) == (
        FinSuivi.SORTIE_POSITIVE,
        NatureSortie.APPRENTISSAGE,
        sortie_le,
        ActorKind.STRUCTURE,
    )
    raison = parcours.events.get(to_status=Status.SORTI_POSITIF).reason
    assert "apprentissage" in raison and f"{sortie_le:%d/%m/%Y}" in raison and "la structure" in raison
    assert list(suivi.points.exclude(mois=1).values_list("status", flat=True)) == [
        PointEtapeStatus.ANNULE,
        PointEtapeStatus.ANNULE,
    ]
    # The link no longer opens the check-in, and nothing more is asked.
    assert models.LienSuiviStructure.trouver(token, at=repondu) is None
    services.avancer(services.ajouter_mois(PRISE_EN_CHARGE, 3))
    assert _messages("point_etape") == 1


def _repondre_au_point(parcours, mois, *, actor_kinds, at):
    point = _point(parcours, mois)
    for actor_kind in actor_kinds:
        services.repondre(point, "accompagne", "oui", actor_kind=actor_kind, at=at)


def test_still_supported_at_the_last_check_in_ends_the_follow_up_and_leaves_the_queue(pris_en_charge, settings):
    parcours = pris_en_charge
    *avant, dernier = settings.SAS_SUIVI_MOIS
    services.avancer(PRISE_EN_CHARGE + JOUR)
    for mois in avant:
        le = services.ajouter_mois(PRISE_EN_CHARGE, mois)
        services.avancer(le)
        _repondre_au_point(parcours, mois, actor_kinds=[ActorKind.JEUNE], at=le + JOUR)
        services.avancer(le + 2 * JOUR)
        parcours.refresh_from_db()
        assert parcours.status == Status.SUIVI

    # The last check-in answered by the young person alone: the structure and the rights questions still have time.
    le = services.ajouter_mois(PRISE_EN_CHARGE, dernier)
    services.avancer(le)
    _repondre_au_point(parcours, dernier, actor_kinds=[ActorKind.JEUNE], at=le + JOUR)
    services.avancer(le + 2 * JOUR)
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI
    assert parcours.suivis.get().termine_le is None

    # The structure answers too: the next run ends the follow-up, with its reason, out of the queue's open tabs.
    _repondre_au_point(parcours, dernier, actor_kinds=[ActorKind.STRUCTURE], at=le + 3 * JOUR)
    services.avancer(le + 3 * JOUR)
    services.avancer(le + 4 * JOUR)  # twice: idempotent
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI_TERMINE
    fin = parcours.events.get(to_status=Status.SUIVI_TERMINE)
    assert (fin.from_status, fin.occurred_at) == (Status.SUIVI, le + 3 * JOUR)
    assert f"{dernier} mois faits" in fin.reason and "toujours accompagné" in fin.reason
    assert parcours.suivis.get().fin == FinSuivi.TERMINE
    assert [groupe.cle for groupe in GROUPES if parcours.status in groupe.statuts] == ["clos"]
    assert LIBELLES[Status.SUIVI_TERMINE] == "Suivi terminé, toujours accompagné"

    # A job found later is still recorded, on the follow-up that ended.
    sortie_le = (le + 10 * JOUR).date()
    services.sortie_positive(
        parcours, nature=NatureSortie.EMPLOI, date_sortie=sortie_le, actor_kind=ActorKind.CONSEILLER, at=le + 11 * JOUR
    )
    parcours.refresh_from_db()
    suivi = parcours.suivis.get()
    assert parcours.status == Status.SORTI_POSITIF
    assert (suivi.fin, suivi.sortie_nature, suivi.sortie_le) == (FinSuivi.TERMINE, NatureSortie.EMPLOI, sortie_le)


def test_the_last_check_in_answered_by_one_side_ends_after_the_delay_without_answer(pris_en_charge, settings):
    parcours = pris_en_charge
    settings.SAS_SUIVI_MOIS = (1,)
    services.avancer(PRISE_EN_CHARGE + JOUR)
    le = services.ajouter_mois(PRISE_EN_CHARGE, 1)
    services.avancer(le)
    _repondre_au_point(parcours, 1, actor_kinds=[ActorKind.STRUCTURE], at=le + JOUR)
    fin = le + settings.SAS_SUIVI_SANS_REPONSE_JOURS * JOUR
    services.avancer(fin - datetime.timedelta(minutes=1))
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI
    services.avancer(fin)
    parcours.refresh_from_db()
    assert parcours.status == Status.SUIVI_TERMINE


def test_the_follow_up_ends_as_still_supported_only_from_the_follow_up(pris_en_charge):
    with pytest.raises(TransitionError):
        transition(pris_en_charge, Status.SUIVI_TERMINE, reason="essai")
    assert set(TRANSITIONS[Status.SUIVI_TERMINE]) == {Status.SORTI_POSITIF, Status.ABANDON, Status.CONSENTEMENT_RETIRE}

import datetime
import itertools

import pytest
from django.utils import timezone

from sas.organisations.factories import UserFactory
from sas.parcours import transitions
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import Parcours, ParcoursEvent
from sas.parcours.status import INITIAL, SIDE_EXITS, TRANSITIONS, Status
from sas.parcours.transitions import TransitionError

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(itertools.product(Status, Status))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
FORBIDDEN = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def parcours_at(status):
    """A journey whose current status is `status`, reached through allowed moves only."""
    path = _shortest_path(status)
    parcours = ParcoursFactory(status=path[0], at=timezone.now() - datetime.timedelta(days=30))
    for step in path[1:]:
        transitions.transition(parcours, step, reason="motif")
    return parcours


def _shortest_path(target):
    frontier = [[start] for start in INITIAL]
    while frontier:
        path = frontier.pop(0)
        if path[-1] == target:
            return path
        frontier += [path + [nxt] for nxt in TRANSITIONS[path[-1]] if nxt not in path]
    raise AssertionError(f"{target} is unreachable")


def test_every_status_is_reachable_and_consent_can_be_withdrawn_from_any():
    for status in Status:
        _shortest_path(status)
    assert {s for s in Status if not TRANSITIONS[s]} == {Status.CONSENTEMENT_RETIRE}
    ended = {s for s in Status if TRANSITIONS[s] == {Status.CONSENTEMENT_RETIRE}}
    assert ended == {Status.SORTI_POSITIF, Status.HORS_CIBLE, Status.DEJA_ACCOMPAGNE}


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=lambda s: s.value)
def test_allowed_move_writes_exactly_one_event(from_status, to_status):
    parcours = parcours_at(from_status)
    actor = UserFactory()
    before = parcours.events.count()

    event = transitions.transition(parcours, to_status, actor=actor, reason="Motif de test")

    assert parcours.events.count() == before + 1
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        from_status,
        to_status,
        actor,
        "Motif de test",
    )
    parcours.refresh_from_db()
    assert parcours.status == to_status
    assert parcours.status_changed_at == event.occurred_at


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN, ids=lambda s: s.value)
def test_forbidden_move_is_refused_and_leaves_no_event(from_status, to_status):
    parcours = parcours_at(from_status)
    before = list(parcours.events.values_list("pk", flat=True))

    with pytest.raises(TransitionError) as error:
        transitions.transition(parcours, to_status, reason="Motif")

    assert "impossible" in error.value.message
    assert list(parcours.events.values_list("pk", flat=True)) == before
    parcours.refresh_from_db()
    assert parcours.status == from_status


def test_signale_to_pris_en_charge_is_refused_with_a_clear_message():
    parcours = ParcoursFactory()
    with pytest.raises(TransitionError, match="Passage de « Signalé » à « Pris en charge » impossible."):
        transitions.transition(parcours, Status.PRIS_EN_CHARGE)
    assert parcours.events.count() == 1


@pytest.mark.parametrize("exit_status", sorted(SIDE_EXITS & TRANSITIONS[Status.A_CONTACTER]), ids=str)
def test_side_exit_needs_a_reason(exit_status):
    parcours = parcours_at(Status.A_CONTACTER)
    with pytest.raises(TransitionError, match="motif"):
        transitions.transition(parcours, exit_status, reason="   ")
    assert parcours.events.count() == 2


def test_start_writes_the_first_event_and_refuses_a_non_initial_status():
    parcours = ParcoursFactory(status=Status.SORTIE_A_VENIR)
    [event] = parcours.events.all()
    assert (event.from_status, event.to_status) == ("", Status.SORTIE_A_VENIR)
    with pytest.raises(TransitionError):
        ParcoursFactory(status=Status.CONTACTE)
    assert Parcours.objects.count() == 1


def test_a_move_dated_before_the_current_status_is_refused():
    parcours = ParcoursFactory()
    with pytest.raises(TransitionError):
        transitions.transition(parcours, Status.A_CONTACTER, at=parcours.status_changed_at - datetime.timedelta(days=1))


def test_a_stale_object_cannot_replay_a_move():
    """Two clicks on the same button: the second is checked against the stored status."""
    parcours = ParcoursFactory()
    stale = Parcours.objects.get(pk=parcours.pk)
    transitions.transition(parcours, Status.A_CONTACTER)
    transitions.transition(parcours, Status.CONTACT_EN_COURS)
    with pytest.raises(TransitionError):
        transitions.transition(stale, Status.A_CONTACTER)
    assert parcours.events.count() == 3


def test_events_are_append_only():
    event = ParcoursFactory().events.get()
    event.reason = "réécrit"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert ParcoursEvent.objects.get(pk=event.pk).reason == ""

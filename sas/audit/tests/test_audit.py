import pytest

from sas.audit.ajout_seul import autoriser_purge
from sas.audit.models import Action, AuditEntry, record
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_and_whom_and_cannot_be_rewritten():
    user = member(Role.AIGUILLEUR)
    parcours = ParcoursFactory()
    entry = record(user, Action.CONSULTATION, parcours, [parcours.jeune_id], motif="test")
    assert (entry.actor, entry.object_type, entry.object_id, entry.jeune_ids, entry.detail) == (
        user,
        "parcours.parcours",
        str(parcours.pk),
        [parcours.jeune_id],
        {"motif": "test"},
    )
    entry.action = Action.EXPORT
    with pytest.raises(ValueError):
        entry.save()
    assert AuditEntry.objects.get().action == Action.CONSULTATION


def test_audit_trail_outlives_the_record():
    parcours = ParcoursFactory()
    jeune_id = parcours.jeune_id
    record(member(Role.AIGUILLEUR), Action.CONSULTATION, parcours, [jeune_id])
    # Deleting a person takes their journey's events with it: only a purge may.
    with autoriser_purge():
        parcours.jeune.delete()
    assert AuditEntry.objects.get().jeune_ids == [jeune_id]

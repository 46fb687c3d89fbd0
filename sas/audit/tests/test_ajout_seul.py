"""The database refuses to change or delete what the audit log and the event logs hold, whoever asks; only the
retention purge deletes, inside its own transaction."""

import datetime

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sas.audit.ajout_seul import autoriser_purge
from sas.audit.models import Action, AppendOnly, AuditEntry, record
from sas.audit.purge import purger_journal
from sas.organisations.factories import member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory
from sas.parcours.models import EventKind, ParcoursEvent

pytestmark = pytest.mark.django_db

TABLES = sorted(model._meta.db_table for model in apps.get_models() if issubclass(model, AppendOnly))


def refuse(sql, params=()):
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def entree():
    parcours = ParcoursFactory()
    return record(member(Role.AIGUILLEUR), Action.CONSULTATION, parcours, [parcours.jeune_id])


def test_every_append_only_table_has_its_triggers():
    # A table rebuilt by a later SQLite migration would lose them silently: this names it.
    assert TABLES == [
        "audit_auditentry",
        "connexion_evenementdemande",
        "diagnostic_diagnosticevent",
        "messagerie_messageevent",
        "orientation_orientationevent",
        "parcours_parcoursevent",
        "prescription_importbatchevent",
        "suivi_pointetapeevent",
    ]
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"UPDATE {table} SET id = id WHERE 1 = 0")  # noqa: S608 (table names from the models)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sas_ajout_seul_%'")
            avec = [row[0] for row in cursor.fetchall()]
        assert sorted(set(avec)) == TABLES and len(avec) == 2 * len(TABLES)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name = 'sas_ajout_seul'"
            )
            avec = {row[0] for row in cursor.fetchall()}
        assert sorted(avec) == TABLES


def test_raw_sql_can_neither_rewrite_nor_delete_an_audit_entry(entree):
    refuse("UPDATE audit_auditentry SET action = %s WHERE id = %s", [Action.EXPORT, entree.pk])
    refuse("DELETE FROM audit_auditentry WHERE id = %s", [entree.pk])
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        AuditEntry.objects.filter(pk=entree.pk).update(action=Action.EXPORT)
    assert AuditEntry.objects.get(pk=entree.pk).action == Action.CONSULTATION


def test_the_event_logs_refuse_too():
    parcours = ParcoursFactory()
    event = ParcoursEvent.objects.create(parcours=parcours, kind=EventKind.CONTACT, occurred_at=timezone.now())
    refuse("UPDATE parcours_parcoursevent SET kind = %s WHERE id = %s", [EventKind.MESSAGE, event.pk])
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        ParcoursEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="ajout seul"), transaction.atomic():
        parcours.delete()
    assert ParcoursEvent.objects.filter(pk=event.pk).exists()


def test_the_purge_may_delete_but_not_rewrite_and_only_inside_its_block(entree):
    with autoriser_purge():
        refuse("UPDATE audit_auditentry SET action = %s WHERE id = %s", [Action.EXPORT, entree.pk])
    autre = record(None, Action.LISTE, ParcoursFactory(), [])
    with autoriser_purge():
        AuditEntry.objects.filter(pk=entree.pk).delete()
    assert not AuditEntry.objects.filter(pk=entree.pk).exists()
    refuse("DELETE FROM audit_auditentry WHERE id = %s", [autre.pk])


def test_a_failed_purge_leaves_nothing_allowed_behind(entree):
    with pytest.raises(RuntimeError), autoriser_purge():
        raise RuntimeError
    refuse("DELETE FROM audit_auditentry WHERE id = %s", [entree.pk])


def test_the_retention_purge_deletes_only_old_entries(entree, settings):
    settings.SAS_AUDIT_RETENTION_DAYS = 30
    recente = record(None, Action.LISTE, ParcoursFactory(), [])
    # An entry written 31 days ago (backdating one would be an UPDATE, refused): inserted with its date.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (at, action, jeune_ids, object_type, object_id, detail, ip_empreinte, "
            "session_empreinte) VALUES (%s, 'consultation', '[1]', 'test', '', '{}', '', '')",
            [timezone.now() - datetime.timedelta(days=31)],
        )
    ancienne = AuditEntry.objects.get(object_type="test")
    assert purger_journal(wet_run=False) == 1
    assert AuditEntry.objects.filter(pk=ancienne.pk).exists(), "a dry run deletes nothing"
    assert purger_journal(wet_run=True) == 1
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {entree.pk, recente.pk}

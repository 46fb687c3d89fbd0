"""Append-only enforced by the database, not only by `AppendOnly.save()`: a trigger refuses every UPDATE and DELETE on
the audit log and the event tables, whoever sends it (`QuerySet.update()`, raw SQL, a psql session).

The one exception is the retention purge, and only for DELETE: it runs inside `autoriser_purge()`, in one
transaction. On PostgreSQL that sets the transaction-local setting `sas.purge` (`SET LOCAL`, gone at commit or
rollback, invisible to other sessions); on SQLite the trigger asks the function `sas_purge_autorisee()`, which the
application registers on its own connections and which answers for the current thread only. A connection that does
not know the function (the sqlite3 shell) cannot delete at all."""

import contextlib
import contextvars

from django.db import connection, migrations, transaction

_purge = contextvars.ContextVar("sas_purge_autorisee", default=False)

_FONCTION_PG = """
CREATE OR REPLACE FUNCTION sas_refuser_modification() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('sas.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'La table % est en ajout seul : % refusé.', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _postgresql(table):
    return [
        _FONCTION_PG,
        f"CREATE TRIGGER sas_ajout_seul BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION sas_refuser_modification();",
    ], [f"DROP TRIGGER IF EXISTS sas_ajout_seul ON {table};"]


def _sqlite(table):
    return [
        f"CREATE TRIGGER sas_ajout_seul_update_{table} BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'La table {table} est en ajout seul : UPDATE refusé.'); END;",
        f"CREATE TRIGGER sas_ajout_seul_delete_{table} BEFORE DELETE ON {table} WHEN NOT sas_purge_autorisee() "
        f"BEGIN SELECT RAISE(ABORT, 'La table {table} est en ajout seul : DELETE refusé.'); END;",
    ], [
        f"DROP TRIGGER IF EXISTS sas_ajout_seul_update_{table};",
        f"DROP TRIGGER IF EXISTS sas_ajout_seul_delete_{table};",
    ]


def _executer(table, *, retour):
    """The RunPython function that puts the triggers on `table`, or takes them off for the migration's `retour`."""

    def executer(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor in ("postgresql", "sqlite"):
            for sql in (_postgresql if vendor == "postgresql" else _sqlite)(table)[1 if retour else 0]:
                schema_editor.execute(sql, params=None)

    return executer


def operation(table):
    """The migration operation that puts the triggers on `table` (and takes them off when migrating back)."""
    return migrations.RunPython(_executer(table, retour=False), _executer(table, retour=True))


def enregistrer_fonction(sender, connection, **kwargs):
    """connection_created receiver: SQLite's triggers call this function to know whether a purge is running."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("sas_purge_autorisee", 0, lambda: int(_purge.get()))


@contextlib.contextmanager
def autoriser_purge():
    """DELETE allowed on the append-only tables for this block, which is one transaction. Only the retention purge
    (and the test database's flush) uses it; UPDATE stays refused."""
    with transaction.atomic():
        jeton = _purge.set(True)
        try:
            _regler_pg("on")
            yield
            # Inside an outer transaction SET LOCAL would outlive the block (an error rolls it back with the block).
            _regler_pg("off")
        finally:
            _purge.reset(jeton)


def _regler_pg(valeur):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL sas.purge = '{valeur}'")

"""GIN indexes on the list columns that matching filters on (PostgreSQL only; SQLite scans, fine for a demo)."""

from django.db import migrations

INDEXES = [
    ("annuaire_service_zone_cles_gin", "zone_cles"),
    ("annuaire_service_cles_recherche_gin", "cles_recherche"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in INDEXES:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON annuaire_service USING gin ({column})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("annuaire", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]

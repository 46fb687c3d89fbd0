from django.db import migrations

from sas.audit.ajout_seul import operation


class Migration(migrations.Migration):
    """The database itself refuses UPDATE and DELETE on the decisions' log (sas/audit/ajout_seul.py)."""

    dependencies = [("connexion", "0001_initial")]
    operations = [operation("connexion_evenementdemande")]

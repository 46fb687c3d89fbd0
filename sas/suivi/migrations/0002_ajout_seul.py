from django.db import migrations

from sas.audit.ajout_seul import operation


class Migration(migrations.Migration):
    """The database itself refuses UPDATE and DELETE on the check-ins' event log (sas/audit/ajout_seul.py)."""

    dependencies = [("suivi", "0001_initial")]
    operations = [operation("suivi_pointetapeevent")]

from django.db import migrations

from sas.audit.ajout_seul import operation


class Migration(migrations.Migration):
    """The database itself refuses UPDATE and DELETE on the event log (sas/audit/ajout_seul.py)."""

    dependencies = [("prescription", "0003_import_batch_event")]
    operations = [operation("prescription_importbatchevent")]

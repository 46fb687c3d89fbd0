from django.db import migrations

from sas.audit.ajout_seul import operation


class Migration(migrations.Migration):
    """The database itself refuses UPDATE and DELETE on the event log (sas/audit/ajout_seul.py)."""

    dependencies = [("parcours", "0006_signalement_contact_propose")]
    operations = [operation("parcours_parcoursevent")]

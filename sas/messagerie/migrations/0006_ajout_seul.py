from django.db import migrations

from sas.audit.ajout_seul import operation


class Migration(migrations.Migration):
    """The database itself refuses UPDATE and DELETE on the event log (sas/audit/ajout_seul.py)."""

    dependencies = [("messagerie", "0005_notification_cle")]
    operations = [operation("messagerie_messageevent")]

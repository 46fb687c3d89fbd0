from django.db import migrations

from sas.audit.ajout_seul import operation


class Migration(migrations.Migration):
    """The database itself refuses UPDATE and DELETE on the audit log (sas/audit/ajout_seul.py)."""

    dependencies = [("audit", "0003_contexte")]
    operations = [operation("audit_auditentry")]

from django.db import migrations

from sas.diagnostic.chargement import DOSSIER, publier


def publier_v2(apps, schema_editor):
    publier(apps.get_model("diagnostic", "Questionnaire"), [DOSSIER / "v2.json"], wet_run=True)


class Migration(migrations.Migration):
    dependencies = [("diagnostic", "0003_diagnostic_event")]

    operations = [migrations.RunPython(publier_v2, migrations.RunPython.noop)]

from django.db import migrations

from sas.diagnostic.chargement import DOSSIER, publier


def publier_v1(apps, schema_editor):
    publier(apps.get_model("diagnostic", "Questionnaire"), [DOSSIER / "v1.json"], wet_run=True)


class Migration(migrations.Migration):
    dependencies = [("diagnostic", "0001_initial")]

    operations = [migrations.RunPython(publier_v1, migrations.RunPython.noop)]

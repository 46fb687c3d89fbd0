from django.db import migrations

# A copy, not an import: a migration must keep doing the same thing when the code changes.
STEPS = [
    {"jour": 0, "actions": ["sms"]},
    {"jour": 2, "actions": ["email"]},
    {"jour": 5, "actions": ["sms", "appel"]},
    {"jour": 10, "actions": ["dernier_message"]},
    {"jour": 15, "actions": ["decider"]},
]


def create_default_plan(apps, schema_editor):
    PlanContact = apps.get_model("aiguillage", "PlanContact")
    PlanContact.objects.get_or_create(nom="Plan de contact standard", defaults={"etapes": STEPS, "actif": True})


class Migration(migrations.Migration):
    dependencies = [("aiguillage", "0001_initial")]

    operations = [migrations.RunPython(create_default_plan, migrations.RunPython.noop)]

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def from_the_record(apps, schema_editor):
    """Signalements recorded before kept no name of their own: the young person's record is the only one known."""
    Parcours = apps.get_model("parcours", "Parcours")
    Signalement = apps.get_model("parcours", "Signalement")
    journey = Parcours.objects.filter(pk=OuterRef("parcours_id"))
    Signalement.objects.update(
        prenom=Subquery(journey.values("jeune__prenom")[:1]), nom=Subquery(journey.values("jeune__nom")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("parcours", "0006_signalement_contact_propose"),
    ]

    operations = [
        migrations.AddField(
            model_name="signalement",
            name="prenom",
            field=models.CharField(blank=True, max_length=100, verbose_name="prénom indiqué"),
        ),
        migrations.AddField(
            model_name="signalement",
            name="nom",
            field=models.CharField(blank=True, max_length=100, verbose_name="nom indiqué"),
        ),
        migrations.RunPython(from_the_record, migrations.RunPython.noop),
    ]

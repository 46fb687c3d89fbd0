import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The contact plan's state is CadenceContact: "suivi" now means the follow-up after take-up only."""

    dependencies = [("aiguillage", "0002_plan_par_defaut")]

    operations = [
        migrations.RenameModel(old_name="SuiviContact", new_name="CadenceContact"),
        migrations.AlterModelOptions(
            name="cadencecontact",
            options={"verbose_name": "cadence de contact", "verbose_name_plural": "cadences de contact"},
        ),
        migrations.AlterField(
            model_name="cadencecontact",
            name="parcours",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="cadence_contact", to="parcours.parcours"
            ),
        ),
        migrations.AlterField(
            model_name="cadencecontact",
            name="plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cadences",
                to="aiguillage.plancontact",
                verbose_name="plan",
            ),
        ),
    ]

import re

import django.db.models.deletion
from django.db import migrations, models

# A young person's token as espace_jeune.LienJeune.token writes it: base36 id, "-", 12 base32 characters.
TOKEN = re.compile(r"\b([0-9a-z]+)-([a-z2-7]{12})\b")
MASQUE = "•••••"


def masquer(apps, schema_editor):
    """Messages written before: their token leaves the text, the link it named is kept to send it."""
    Message = apps.get_model("messagerie", "Message")
    LienJeune = apps.get_model("espace_jeune", "LienJeune")
    for message in Message.objects.filter(lien__isnull=True).only("pk", "corps", "parcours_id").iterator():
        found = TOKEN.search(message.corps)
        if found is None:
            continue
        pk = int(found.group(1), 36)
        if LienJeune.objects.filter(pk=pk, parcours_id=message.parcours_id).exists():
            Message.objects.filter(pk=message.pk).update(corps=TOKEN.sub(MASQUE, message.corps), lien_id=pk)


class Migration(migrations.Migration):
    dependencies = [
        ("espace_jeune", "0001_initial"),
        ("messagerie", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="lien",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="espace_jeune.lienjeune",
            ),
        ),
        migrations.RunPython(masquer, migrations.RunPython.noop),
    ]

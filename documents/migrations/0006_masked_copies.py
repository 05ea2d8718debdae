"""Sent proposals and contracts keep a second copy of their text with the client's personal
data masked, for staff who may not see it. A document sent earlier to a client that is not
an individual holds no personal data: its copy is its text. One sent to an individual has
no masked copy and is shown only to those who may see the personal data."""

from django.db import migrations, models
from django.db.models import F


def copy_texts_without_personal_data(apps, schema_editor):
    for name in ("Proposal", "Contract"):
        model = apps.get_model("documents", name)
        model.objects.exclude(sent_html="").exclude(deal__client__kind="person").update(
            masked_html=F("sent_html")
        )


def field():
    return models.TextField(
        blank=True, editable=False, verbose_name="текст без персональных данных клиента"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0005_accepted_stages_to_deals"),
        ("contacts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="contract", name="masked_html", field=field()),
        migrations.AddField(model_name="proposal", name="masked_html", field=field()),
        migrations.RunPython(copy_texts_without_personal_data, migrations.RunPython.noop),
    ]

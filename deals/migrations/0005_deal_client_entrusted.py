from django.db import migrations, models
from django.db.models import F, Q


def entrust_existing(apps, schema_editor):
    """A deal whose manager created its client, or whose client has no creator (imported,
    or its creator's account is gone), keeps showing the client's personal data to its
    manager. Clients attached to someone else's deal by ИНН stop doing so; the head of
    sales entrusts such a client again by attaching it."""
    Deal = apps.get_model("deals", "Deal")
    Deal.objects.filter(client__isnull=False).filter(
        Q(client__created_by__isnull=True) | Q(client__created_by=F("manager"))
    ).update(client_entrusted=True)


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0004_lead_request_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="client_entrusted",
            field=models.BooleanField(
                default=False,
                help_text="Клиента привязал тот, кто сам видит его персональные данные "
                "(создатель клиента, руководитель): ответственный за сделку видит паспорт и "
                "меняет реквизиты клиента. Привязка чужого клиента по ИНН этого не даёт.",
                verbose_name="клиент доверен ответственному",
            ),
        ),
        migrations.RunPython(entrust_existing, migrations.RunPython.noop),
    ]

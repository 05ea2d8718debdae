"""The stage a paid invoice moves its deal to now lives in deals.StageAutomation, beside the
stages the documents' events move to. The administrator's choice is carried over."""

from django.db import migrations


def carry_over(apps, schema_editor):
    old = apps.get_model("billing", "BillingSettings").objects.order_by("pk").first()
    if old is not None and old.paid_stage_id is not None:
        apps.get_model("deals", "StageAutomation").objects.update_or_create(
            pk=1, defaults={"invoice_paid_stage_id": old.paid_stage_id}
        )


def carry_back(apps, schema_editor):
    row = apps.get_model("deals", "StageAutomation").objects.filter(pk=1).first()
    if row is not None and row.invoice_paid_stage_id is not None:
        apps.get_model("billing", "BillingSettings").objects.update_or_create(
            pk=1, defaults={"paid_stage_id": row.invoice_paid_stage_id}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_invoices"),
        ("deals", "0003_stage_automation"),
    ]

    operations = [
        migrations.RunPython(carry_over, carry_back),
        migrations.DeleteModel(name="BillingSettings"),
    ]

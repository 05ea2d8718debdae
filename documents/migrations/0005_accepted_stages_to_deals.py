"""The stages an accepted proposal or contract moves its deal to now live in
deals.StageAutomation, beside the stage a paid invoice moves to. The administrator's choice
is carried over."""

from django.db import migrations

FIELDS = ["proposal_accepted_stage_id", "contract_accepted_stage_id"]


def carry_over(apps, schema_editor):
    old = apps.get_model("documents", "DocumentSettings").objects.order_by("pk").first()
    if old is not None:
        apps.get_model("deals", "StageAutomation").objects.update_or_create(
            pk=1, defaults={field: getattr(old, field) for field in FIELDS}
        )


def carry_back(apps, schema_editor):
    row = apps.get_model("deals", "StageAutomation").objects.filter(pk=1).first()
    if row is not None:
        apps.get_model("documents", "DocumentSettings").objects.update_or_create(
            pk=1, defaults={field: getattr(row, field) for field in FIELDS}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_proposals_contracts"),
        ("deals", "0003_stage_automation"),
    ]

    operations = [
        migrations.RunPython(carry_over, carry_back),
        migrations.DeleteModel(name="DocumentSettings"),
    ]

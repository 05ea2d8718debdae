"""The gap-free document counters move to crm.NumberCounter (crm knows no business area;
each app names its own kinds). The rows are copied with their last numbers, so numbering
goes on where it stopped."""

from django.db import migrations

OLD_TABLE = "billing_documentcounter"


def carry_over(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A number taken by a running old release between the copy and the drop would be lost.
        schema_editor.execute(f"LOCK TABLE {OLD_TABLE} IN EXCLUSIVE MODE")
    old = apps.get_model("billing", "DocumentCounter").objects.all()
    new = apps.get_model("crm", "NumberCounter")
    new.objects.bulk_create(
        [new(kind=row.kind, year=row.year, last=row.last) for row in old.order_by("pk")]
    )


def carry_back(apps, schema_editor):
    new = apps.get_model("crm", "NumberCounter").objects.all()
    old = apps.get_model("billing", "DocumentCounter")
    old.objects.bulk_create(
        [old(kind=row.kind, year=row.year, last=row.last) for row in new.order_by("pk")]
    )
    new.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_paid_stage_to_deals"),
        ("crm", "0003_number_counter"),
    ]

    operations = [
        migrations.RunPython(carry_over, carry_back),
        migrations.DeleteModel(name="DocumentCounter"),
    ]

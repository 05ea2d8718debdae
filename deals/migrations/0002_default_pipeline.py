from django.db import migrations


def create(apps, schema_editor):
    from deals.defaults import ensure_pipeline

    ensure_pipeline(apps.get_model("deals", "Stage"), apps.get_model("deals", "LossReason"))


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

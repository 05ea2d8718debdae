from django.db import migrations


def load(apps, schema_editor):
    from documents.defaults import load_default_templates

    load_default_templates(apps.get_model("documents", "DocumentTemplate"))


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_document_templates")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

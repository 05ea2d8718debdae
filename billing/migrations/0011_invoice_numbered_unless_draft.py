from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0010_invoice_drafts_give_up_numbers"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("number__isnull", True), ("status", "draft"), ("year__isnull", True)),
                    models.Q(
                        models.Q(("status", "draft"), _negated=True),
                        ("date__isnull", False),
                        ("due_date__isnull", False),
                        ("number__isnull", False),
                        ("year__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="invoice_numbered_unless_draft",
            ),
        ),
    ]

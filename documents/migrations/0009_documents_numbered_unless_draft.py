from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0008_document_drafts_give_up_numbers"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="proposal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "draft"),
                    models.Q(("sequence__isnull", False), ("year__isnull", False)),
                    _connector="OR",
                ),
                name="documents_proposal_numbered_unless_draft",
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "draft"),
                    models.Q(("sequence__isnull", False), ("year__isnull", False)),
                    _connector="OR",
                ),
                name="documents_contract_numbered_unless_draft",
            ),
        ),
    ]

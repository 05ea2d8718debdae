from django.db import migrations

from crm.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("contacts", "0006_phone_display")]

    operations = trigram_indexes(
        ("contacts_contact", "name", True),
        ("contacts_contactemail", "email", True),
        ("contacts_contactphone", "number", False),
        ("contacts_client", "search_text", False),
    )

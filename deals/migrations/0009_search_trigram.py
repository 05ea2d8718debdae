from django.db import migrations

from crm.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("deals", "0008_deal_files"), ("contacts", "0006_search_trigram")]

    operations = trigram_indexes(("deals_deal", "title", True))

from django.db import migrations

from crm.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("deals", "0011_deal_files"), ("contacts", "0007_search_trigram")]

    operations = trigram_indexes(("deals_deal", "title", True))

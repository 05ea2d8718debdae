from django.db import migrations

from crm.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("deals", "0011_deal_files"), ("contacts", "0007_search_trigram")]

    # pg_trgm comes with contacts' 0007_search_trigram, which this one depends on.
    operations = trigram_indexes(("deals_deal", "title", True), extension=False)

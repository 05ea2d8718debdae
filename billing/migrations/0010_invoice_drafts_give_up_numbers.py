"""Drafts numbered before invoices were numbered at issue give their number up: they get a
new one, of the year of their date, when issued. The numbers they held are never given again
(the counters are never decreased, and are raised to the highest number in use if ever
behind). A cancelled invoice becomes an annulled one, keeping its number and its date.

Backwards, each draft takes the next number of its date's year again."""

import datetime

from django.conf import settings
from django.db import migrations
from django.db.models import Max
from django.utils import timezone

KIND = "invoice"


def _raise_counters(counter, rows) -> None:
    for row in rows:
        current, _ = counter.objects.get_or_create(kind=KIND, year=row["year"])
        if current.last < row["top"]:
            current.last = row["top"]
            current.save(update_fields=["last"])


def forward(apps, schema_editor):
    invoice = apps.get_model("billing", "Invoice")
    counter = apps.get_model("crm", "NumberCounter")
    numbered = invoice.objects.exclude(year=None).exclude(number=None)
    _raise_counters(counter, numbered.values("year").annotate(top=Max("number")).order_by())
    invoice.objects.filter(status="cancelled").update(status="annulled")
    invoice.objects.filter(status="draft").update(year=None, number=None)


def backward(apps, schema_editor):
    invoice = apps.get_model("billing", "Invoice")
    counter = apps.get_model("crm", "NumberCounter")
    invoice.objects.filter(status="annulled").update(status="cancelled")
    for draft in invoice.objects.filter(status="draft", number=None).order_by("pk"):
        draft.date = draft.date or timezone.localdate(draft.created_at)
        draft.due_date = draft.due_date or draft.date + datetime.timedelta(
            days=settings.INVOICE_DUE_DAYS
        )
        current, _ = counter.objects.get_or_create(kind=KIND, year=draft.date.year)
        current.last += 1
        current.save(update_fields=["last"])
        draft.year, draft.number = draft.date.year, current.last
        draft.save(update_fields=["date", "due_date", "year", "number"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_invoice_numbered_when_issued"),
        ("crm", "0003_number_counter"),
    ]

    operations = [migrations.RunPython(forward, backward)]

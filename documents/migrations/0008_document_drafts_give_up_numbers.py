"""Drafts of first versions numbered before documents were numbered when fixed give their
number up: they get a new one, of the year of the day they are fixed. Drafts of later
versions keep the number of the first. The numbers given up are never given again (the
counters are never decreased, and are raised to the highest number in use if ever behind).

Backwards, each such draft takes the next number of its date's year again, and an annulled
document becomes a sent one whose link is revoked."""

from django.db import migrations
from django.db.models import F, Max

MODELS = {"proposal": "Proposal", "contract": "Contract"}


def forward(apps, schema_editor):
    counter = apps.get_model("crm", "NumberCounter")
    for kind, name in MODELS.items():
        model = apps.get_model("documents", name)
        numbered = model.objects.exclude(year=None).exclude(sequence=None)
        for row in numbered.values("year").annotate(top=Max("sequence")).order_by():
            current, _ = counter.objects.get_or_create(kind=kind, year=row["year"])
            if current.last < row["top"]:
                current.last = row["top"]
                current.save(update_fields=["last"])
        model.objects.filter(status="draft", version=1).update(year=None, sequence=None)


def backward(apps, schema_editor):
    counter = apps.get_model("crm", "NumberCounter")
    for kind, name in MODELS.items():
        model = apps.get_model("documents", name)
        model.objects.filter(status="annulled", revoked_at=None).update(
            revoked_at=F("annulled_at")
        )
        model.objects.filter(status="annulled").update(status="sent")
        for draft in model.objects.filter(status="draft", sequence=None).order_by("pk"):
            current, _ = counter.objects.get_or_create(kind=kind, year=draft.date.year)
            current.last += 1
            current.save(update_fields=["last"])
            draft.year, draft.sequence = draft.date.year, current.last
            draft.save(update_fields=["year", "sequence"])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0007_documents_numbered_when_fixed"),
        ("crm", "0003_number_counter"),
    ]

    operations = [migrations.RunPython(forward, backward)]

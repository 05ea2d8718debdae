"""Gapless per-year numbers for numbered documents; each app names its own kinds.

A document is numbered when it is fixed (sent, issued), not when its draft is made: the
number comes from the counter of the year of its date, the day it is fixed in TIME_ZONE.
The number is taken inside the caller's transaction, under a row lock on the counter, and the
document is saved in that same transaction: if it rolls back, the counter rolls back with it,
so a number is never lost and never given twice.

A numbered document is never deleted (it is annulled instead, keeping its number): the
foreign key to its parent uses `protect_fixed`.
"""

import re

from django.db import IntegrityError, models, transaction
from django.db.transaction import TransactionManagementError

from .models import NumberCounter

KIND_RE = re.compile(r"[a-z][a-z_]{0,15}")


def next_number(*, kind: str, year: int) -> int:
    """The next number of this kind of document in this year, starting at 1.

    Call it inside ``transaction.atomic()`` and create the document in the same block.
    Concurrent callers wait for one another on the counter row until the first one commits.
    """
    if not KIND_RE.fullmatch(kind):
        raise ValueError(f"A kind is a short lowercase code, not {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "next_number() must run inside transaction.atomic(), together with the insert "
            "of the numbered document."
        )
    counter = _locked_counter(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _locked_counter(*, kind: str, year: int) -> NumberCounter:
    counters = NumberCounter.objects.select_for_update()
    try:
        return counters.get(kind=kind, year=year)
    except NumberCounter.DoesNotExist:
        pass
    try:
        # A savepoint, so that losing the race below rolls back only this insert and not the
        # caller's transaction.
        with transaction.atomic():
            return NumberCounter.objects.create(kind=kind, year=year)
    except IntegrityError:
        # Another transaction inserted the first counter of this year. The unique index made
        # our insert wait until that transaction committed, so the row is visible now.
        return counters.get(kind=kind, year=year)


DRAFT = "draft"


def protect_fixed(collector, field, sub_objs, using):
    """on_delete for the parent of a numbered document (its deal): the drafts go with the
    parent, a document that was ever fixed (any status but "draft") stops the deletion with
    ProtectedError, which the admin shows as the reason."""
    fixed = sub_objs.exclude(status=DRAFT)
    if fixed:
        models.PROTECT(collector, field, list(fixed), using)
    models.CASCADE(collector, field, sub_objs.filter(status=DRAFT), using)

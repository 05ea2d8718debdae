"""The deal list's columns: how each sortable header orders and pages the list, and the rows
of its CSV and XLSX exports. The page, the export and the bulk actions read the same
filtered queryset (deals.views._listed_deals)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .models import NEXT_TASK_NONE, Deal


@dataclass(frozen=True)
class SortColumn:
    label: str
    # Ascending; the last field is the primary key, so the order is total and a keyset
    # cursor is one row exactly.
    fields: tuple[str, ...]
    kinds: tuple[type, ...]
    # The direction of the first click on the header: amounts and dates newest or largest
    # first, names from A.
    descending_first: bool = False


SORT_COLUMNS = {
    "title": SortColumn("Сделка", ("title", "pk"), (str, int)),
    "stage": SortColumn("Этап", ("stage_order", "stage_id", "pk"), (int, int, int)),
    "budget": SortColumn("Бюджет, ₽", ("budget", "pk"), (Decimal, int), descending_first=True),
    "manager": SortColumn(
        "Ответственный", ("manager_first", "manager_last", "pk"), (str, str, int)
    ),
    "created": SortColumn(
        "Создана", ("created_at", "pk"), (datetime.datetime, int), descending_first=True
    ),
    "next_task": SortColumn("Ближайшая задача", ("next_task_due", "pk"), (datetime.datetime, int)),
}
DEFAULT_SORT = "-created"
SORT_CHOICES = [
    (f"{prefix}{key}", f"{column.label}{suffix}")
    for key, column in SORT_COLUMNS.items()
    for prefix, suffix in (("", ": по возрастанию"), ("-", ": по убыванию"))
]


def sort_order(sort: str) -> tuple[list[str], list[type]]:
    """The order_by() fields and the cursor's kinds of a sort value such as "-budget"."""
    column = SORT_COLUMNS.get(sort.lstrip("-")) or SORT_COLUMNS["created"]
    prefix = "-" if sort.startswith("-") else ""
    return [f"{prefix}{field}" for field in column.fields], list(column.kinds)


SORT_VALUES = {
    "stage": {"stage_order": F("stage__order")},
    "manager": {"manager_first": F("manager__first_name"), "manager_last": F("manager__last_name")},
}


def sortable(deals: QuerySet, sort: str, *, next_task: bool = False) -> QuerySet:
    """The values the sort orders by, under plain names a cursor can read off a row. The due
    of the next task is a subquery on every row: added only to sort by it or when asked
    (the export); a page reads it for its own rows (models.mark_activity)."""
    key = sort.lstrip("-")
    if key == "next_task" or next_task:
        deals = deals.with_next_task()
    return deals.annotate(**SORT_VALUES.get(key, {}))


def sort_headers(query: QueryDict, sort: str) -> dict[str, dict]:
    """Each sortable header's link (the current filters, the first page) and state: a click
    on the current column turns its direction, on another sorts by it."""
    headers = {}
    for key, column in SORT_COLUMNS.items():
        active = sort.lstrip("-") == key
        descending = not sort.startswith("-") if active else column.descending_first
        params = query.copy()
        for name in ("after", "before"):
            params.pop(name, None)
        params["sort"] = f"{'-' if descending else ''}{key}"
        state = None
        if active:
            state = "descending" if sort.startswith("-") else "ascending"
        headers[key] = {"label": column.label, "url": f"?{params.urlencode()}", "state": state}
    return headers


def next_due(deal: Deal) -> datetime.datetime | None:
    """The due of the deal's earliest open task: from the sort's subquery, or from the
    page's activity flags."""
    due = getattr(deal, "next_task_due", None) or getattr(deal, "next_task_at", None)
    return None if due is None or due >= NEXT_TASK_NONE else due


EXPORT_HEADER = [
    "№",
    "Сделка",
    "Клиент",
    "Этап",
    "Причина отказа",
    "Бюджет, ₽",
    "Ответственный",
    "Источник",
    "Контактные лица",
    "Телефоны",
    "Создана",
    "Ближайшая задача",
]
EXPORT_WIDTHS = [8, 40, 30, 18, 24, 14, 22, 14, 30, 22, 17, 17]


def export_row(deal: Deal) -> list:
    """One deal as a row of the export: what its line in the list shows, each contact's
    every phone included. Dates are local time."""
    contacts = list(deal.contacts.all())
    phones = [phone.display for contact in contacts for phone in contact.phones.all()]
    due = next_due(deal)
    return [
        deal.pk,
        deal.title,
        str(deal.client) if deal.client_id else "",
        deal.stage.name,
        str(deal.loss_reason) if deal.loss_reason_id else "",
        deal.budget,
        str(deal.manager),
        deal.get_source_display(),
        ", ".join(contact.name for contact in contacts),
        ", ".join(phones),
        timezone.localtime(deal.created_at),
        timezone.localtime(due) if due else None,
    ]

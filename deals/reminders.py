"""Reminders of tasks: «через 15 минут» before the due time and «просрочена» after it, each
once per task and due time (a task moved to another time is reminded again). Run every
minute by beat (deals.tasks.send_task_reminders); safe to run twice or late."""

import math
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from crm.formats import duration_words
from crm.models import Notification
from crm.notifications import Email, notify

from .models import Task

REMIND_BEFORE = timedelta(minutes=15)
# A task overdue longer than this when the reminders first see it (beat was down, the task
# was created already late) is left to the morning digest.
OVERDUE_LOOKBACK = timedelta(days=1)


def _key(kind: str, task: Task) -> str:
    return f"task.{kind}:{task.pk}:{int(task.due_at.timestamp())}"


@transaction.atomic
def send_task_reminders(*, now: datetime | None = None) -> int:
    """Notify the assignees of open tasks due within REMIND_BEFORE (or already overdue) that
    have not been told about this due time yet. Returns how many were notified."""
    now = now or timezone.now()
    tasks = list(
        Task.objects.filter(
            done_at__isnull=True,
            assignee__isnull=False,
            due_at__lte=now + REMIND_BEFORE,
            due_at__gt=now - OVERDUE_LOOKBACK,
        )
        .select_related("deal", "assignee")
        .order_by("due_at", "pk")
    )
    due = [(("overdue" if task.due_at <= now else "soon"), task) for task in tasks]
    told = set(
        Notification.objects.filter(
            dedupe_key__in=[_key(kind, task) for kind, task in due]
        ).values_list("user_id", "dedupe_key")
    )
    sent = 0
    for kind, task in due:
        key = _key(kind, task)
        if (task.assignee_id, key) in told:
            continue
        sent += _remind(task, kind=kind, key=key, now=now) is not None
    return sent


def _remind(task: Task, *, kind: str, key: str, now: datetime):
    deal = task.deal
    due = timezone.localtime(task.due_at)
    if kind == "soon":
        minutes = math.ceil((task.due_at - now).total_seconds() / 60)
        text = f"Через {duration_words(timedelta(minutes=minutes))}, в {due:%H:%M}: {task.text}"
    else:
        text = f"Просрочена задача (срок {due:%d.%m.%Y %H:%M}): {task.text}"
    return notify(
        user=task.assignee,
        event="task.due",
        text=f"{text} · сделка {deal}",
        url=deal.get_absolute_url(),
        dedupe_key=key,
        email=Email(
            "task_due",
            {"task": task, "deal": deal, "due": due, "overdue": kind == "overdue", "text": text},
        ),
    )

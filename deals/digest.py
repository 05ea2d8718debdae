"""The morning e-mail: each manager's tasks for today and overdue ones, yesterday's events of
their clients (from their notifications) and open deals without a task."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.formats import date_long, plural
from crm.mail import email_queue
from crm.models import Notification
from crm.notifications import digest_events

from .models import Deal, Stage, Task


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def digest_for(user) -> dict | None:
    now = timezone.now()
    today = timezone.localdate(now)
    tomorrow = _day_start(today + timedelta(days=1))
    open_tasks = (
        Task.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("deal")
        .order_by("due_at", "pk")
    )
    overdue = list(open_tasks.filter(due_at__lt=now))
    today_tasks = list(open_tasks.filter(due_at__gte=now, due_at__lt=tomorrow))
    yesterday = today - timedelta(days=1)
    events = list(
        Notification.objects.filter(
            user=user,
            event__in=digest_events(),
            created_at__gte=_day_start(yesterday),
            created_at__lt=_day_start(today),
        ).order_by("created_at", "pk")
    )
    idle = list(
        Deal.objects.filter(manager=user, stage__kind=Stage.Kind.OPEN)
        .without_open_task()
        .select_related("stage")
        .order_by("-created_at")
    )
    if not (overdue or today_tasks or events or idle):
        return None
    return {
        "user": user,
        "day": date_long(today),
        "summary": summary(
            today=len(today_tasks), overdue=len(overdue), events=len(events), idle=len(idle)
        ),
        "today_tasks": today_tasks,
        "overdue": overdue,
        "events": events,
        "idle": idle,
        "site_url": settings.SITE_URL,
    }


def summary(*, today: int, overdue: int, events: int, idle: int) -> str:
    """The subject's counts, the empty ones left out: «2 задачи на сегодня, 1 просроченная,
    3 события клиентов за вчера»."""
    parts = []
    if today:
        parts.append(f"{today} {plural(today, 'задача', 'задачи', 'задач')} на сегодня")
    if overdue:
        words = plural(overdue, "просроченная задача", "просроченные задачи", "просроченных задач")
        parts.append(f"{overdue} {words}")
    if events:
        words = plural(events, "событие", "события", "событий")
        parts.append(f"{events} {words} клиентов за вчера")
    if idle:
        parts.append(f"{idle} {plural(idle, 'сделка', 'сделки', 'сделок')} без задачи")
    return ", ".join(parts)


def send_morning_digests() -> int:
    """Queue today's digest for every manager who has something in it. One per person and
    day: running it again the same day (a second beat, a retry) queues nothing."""
    day = timezone.localdate()
    queued = 0
    for user in get_user_model().objects.filter(is_active=True).exclude(email=""):
        context = digest_for(user)
        if context is None:
            continue
        email = email_queue(
            event_key=f"digest:{user.pk}:{day.isoformat()}",
            to=user.email,
            template="digest",
            context=context,
        )
        queued += email is not None
    return queued

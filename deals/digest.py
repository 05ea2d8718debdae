"""The morning e-mail: each manager's overdue tasks and open deals without a task."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.mail import email_queue

from .models import Deal, Stage, Task


def digest_for(user) -> dict | None:
    now = timezone.now()
    overdue = list(
        Task.objects.filter(assignee=user, done_at__isnull=True, due_at__lt=now)
        .select_related("deal")
        .order_by("due_at")
    )
    idle = list(
        Deal.objects.filter(manager=user, stage__kind=Stage.Kind.OPEN)
        .with_activity()
        .filter(has_open_task=False)
        .select_related("stage")
        .order_by("-created_at")
    )
    if not overdue and not idle:
        return None
    return {"user": user, "overdue": overdue, "idle": idle, "site_url": settings.SITE_URL}


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

"""Reminders of tasks by beat: due in 15 minutes, then overdue, each once per due time,
proved with a frozen clock (django.utils.timezone.now patched), across midnight too."""

import datetime
from contextlib import contextmanager
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from crm import notifications
from crm.models import Notification, OutgoingEmail
from deals import services, tasks
from deals.models import Task

MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=MSK)


@contextmanager
def clock(moment: datetime.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def tick(moment: datetime.datetime) -> int:
    """What beat does every minute: the task, run as the worker runs it."""
    with clock(moment):
        return tasks.send_task_reminders.delay().get()


@pytest.fixture
def late_call(deal_a, manager_a):
    """A call five minutes after midnight, put in the evening before."""
    with clock(at(5, 18, 0)):
        return services.task_create(
            deal=deal_a,
            author=manager_a,
            assignee=manager_a,
            kind="call",
            text="Позвонить в Сингапур",
            due_at=at(6, 0, 5),
        )


def texts(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("text", flat=True)
    )


def test_beat_runs_the_reminders_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["task-reminders"]
    assert entry["task"] == "deals.tasks.send_task_reminders"
    assert entry["schedule"] == 60


def test_a_task_is_reminded_once_before_and_once_after_its_time_across_midnight(
    late_call, manager_a, deal_a
):
    assert tick(at(5, 23, 49)) == 0  # 16 minutes before: not yet
    assert tick(at(5, 23, 50)) == 1
    assert tick(at(5, 23, 51)) == 0  # the next minute: already told
    assert tick(at(5, 23, 59)) == 0
    assert tick(at(6, 0, 4)) == 0  # midnight passed, the date changed: still once
    assert tick(at(6, 0, 5)) == 1  # the due time: overdue
    assert tick(at(6, 0, 6)) == 0
    assert tick(at(6, 9, 0)) == 0
    assert texts(manager_a) == [
        f"Через 15 минут, в 00:05: Позвонить в Сингапур · сделка {deal_a}",
        f"Просрочена задача (срок 06.03.2026 00:05): Позвонить в Сингапур · сделка {deal_a}",
    ]
    assert set(Notification.objects.values_list("event", "url")) == {
        ("task.due", deal_a.get_absolute_url())
    }


def test_a_moved_task_is_reminded_again(late_call, manager_a):
    tick(at(5, 23, 50))
    tick(at(6, 0, 5))
    Task.objects.filter(pk=late_call.pk).update(due_at=at(6, 10, 0))  # rescheduled
    assert tick(at(6, 9, 44)) == 0
    assert tick(at(6, 9, 45)) == 1
    assert tick(at(6, 10, 0)) == 1
    assert tick(at(6, 10, 1)) == 0
    assert len(texts(manager_a)) == 4


def test_a_late_start_says_how_long_is_left(deal_a, manager_a):
    with clock(at(5, 12, 0)):
        services.task_create(
            deal=deal_a,
            author=manager_a,
            assignee=manager_a,
            kind="call",
            text="Перезвонить",
            due_at=at(5, 12, 3),
        )
    tick(at(5, 12, 1))
    assert texts(manager_a)[0].startswith("Через 2 минуты, в 12:03: Перезвонить")


def test_done_and_long_overdue_tasks_are_not_reminded(late_call, deal_a, manager_a):
    with clock(at(5, 23, 0)):
        services.task_complete(task=late_call, by=manager_a, result="Дозвонился заранее")
        services.task_create(
            deal=deal_a,
            author=manager_a,
            assignee=manager_a,
            kind="call",
            text="Старая задача",
            due_at=at(3, 10, 0),  # two days late: the morning digest lists it
        )
    assert tick(at(5, 23, 50)) == 0
    assert tick(at(6, 0, 5)) == 0
    assert texts(manager_a) == []


def test_the_reminder_is_emailed_only_to_who_asked(late_call, manager_a):
    tick(at(5, 23, 50))
    assert not OutgoingEmail.objects.exists()  # in the app only, by default
    notifications.preferences_save(user=manager_a, email={"task.due": True})
    tick(at(6, 0, 5))
    tick(at(6, 0, 6))
    email = OutgoingEmail.objects.get()
    assert email.recipient == "manager_a@example.ru"
    assert email.subject == "Просрочена задача: Позвонить в Сингапур"
    assert "Просрочена задача (срок 06.03.2026 00:05): Позвонить в Сингапур" in email.body_text


def test_the_bell_of_the_assignee_shows_the_reminder(late_call, client_a):
    tick(at(5, 23, 50))
    assert 'data-unread="1"' in client_a.get(reverse("notifications:bell")).text

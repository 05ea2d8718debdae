"""What happens to a person's deals and tasks reaches their notification centre, and their
e-mail as they chose (by default by e-mail too, as before)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from crm import notifications
from crm.models import Notification, OutgoingEmail
from deals import services


def told(user):
    return list(Notification.objects.filter(user=user).values_list("event", "text", "url"))


def test_a_task_set_by_a_colleague_is_in_the_bell(deal_a, manager_a, manager_b, client_b):
    services.task_create(
        deal=deal_a,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Позвонить бухгалтеру",
        due_at=timezone.now() + timedelta(days=1),
    )
    assert told(manager_b) == [
        (
            "task.assigned",
            f"Задача от Анны: Позвонить бухгалтеру · сделка {deal_a}",
            deal_a.get_absolute_url(),
        )
    ]
    assert OutgoingEmail.objects.filter(template="task_assigned").count() == 1
    assert 'data-unread="1"' in client_b.get(reverse("notifications:bell")).text


def test_ones_own_task_tells_nobody(deal_a, manager_a):
    services.task_create(
        deal=deal_a,
        author=manager_a,
        assignee=manager_a,
        kind="call",
        text="Себе",
        due_at=timezone.now() + timedelta(days=1),
    )
    assert not Notification.objects.filter(event="task.assigned").exists()


def test_a_task_in_the_app_only_sends_no_email(deal_a, manager_a, manager_b):
    notifications.preferences_save(user=manager_b, email={"task.assigned": False})
    services.task_create(
        deal=deal_a,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Позвонить",
        due_at=timezone.now() + timedelta(days=1),
    )
    assert Notification.objects.filter(user=manager_b, event="task.assigned").count() == 1
    assert not OutgoingEmail.objects.filter(template="task_assigned").exists()


def test_a_deal_handed_over_tells_the_new_and_the_previous_manager(
    deal_a, manager_a, manager_b, head
):
    services.deal_reassign(deal=deal_a, manager=manager_b, by=head)
    deal_a.refresh_from_db()
    assert told(manager_b) == [
        ("deal.handed_over", f"Вам передали сделку {deal_a}", deal_a.get_absolute_url())
    ]
    assert told(manager_a) == [
        (
            "deal.handed_over",
            f"Сделку {deal_a} теперь ведёт Борис",
            deal_a.get_absolute_url(),
        )
    ]
    assert not Notification.objects.filter(user=head).exists()
    assert OutgoingEmail.objects.filter(template="deal_reassigned").count() == 2

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from crm.mail import email_send
from crm.models import OutgoingEmail
from deals import digest, services


def test_the_morning_digest_is_queued_once_per_manager_and_day(
    manager_a, manager_b, make_deal, head
):
    deal = make_deal(manager_a, title="Лендинг для курсов")
    task = services.task_create(
        deal=deal,
        author=manager_a,
        assignee=manager_a,
        kind="call",
        text="Перезвонить по смете",
        due_at=timezone.now() + timedelta(hours=1),
    )
    task.__class__.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(days=1))
    make_deal(manager_b, title="Сайт без задачи")

    assert digest.send_morning_digests() == 2  # the head of sales has nothing to read
    assert digest.send_morning_digests() == 0  # beat fired twice: nothing more

    rows = {e.recipient: e for e in OutgoingEmail.objects.filter(template="digest")}
    assert set(rows) == {"manager_a@example.ru", "manager_b@example.ru"}
    today = timezone.localdate().isoformat()
    assert rows["manager_a@example.ru"].event_key == f"digest:{manager_a.pk}:{today}"
    assert rows["manager_a@example.ru"].subject == (
        "CRM: просроченных задач 1, сделок без задачи 0"
    )
    assert "Перезвонить по смете" in rows["manager_a@example.ru"].body_text
    assert "Сайт без задачи" in rows["manager_b@example.ru"].body_text

    assert email_send(email_id=rows["manager_a@example.ru"].pk) is True
    assert mail.outbox[0].to == ["manager_a@example.ru"]
    assert "Просроченные задачи" in mail.outbox[0].alternatives[0].content

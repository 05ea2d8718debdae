from datetime import timedelta

from django.core import mail
from django.utils import timezone

from crm.formats import date_long
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
        # (a subject is one line of plain spaces: the no-break ones of the date too)
        f"План на {date_long(timezone.localdate())}: 1 просроченная задача".replace("\xa0", " ")
    )
    assert rows["manager_b@example.ru"].subject.endswith(": 1 сделка без задачи")
    assert "Перезвонить по смете" in rows["manager_a@example.ru"].body_text
    assert "Сайт без задачи" in rows["manager_b@example.ru"].body_text

    assert email_send(email_id=rows["manager_a@example.ru"].pk) is True
    assert mail.outbox[0].to == ["manager_a@example.ru"]
    assert "Просроченные задачи" in mail.outbox[0].alternatives[0].content


def test_the_digest_lists_todays_tasks_and_yesterdays_client_events(
    manager_a, manager_b, make_deal
):
    import datetime
    from unittest import mock
    from zoneinfo import ZoneInfo

    from crm.notifications import notify

    msk = ZoneInfo("Europe/Moscow")

    def clock(*args):
        return mock.patch(
            "django.utils.timezone.now", return_value=datetime.datetime(*args, tzinfo=msk)
        )

    deal = make_deal(manager_a, title="Лендинг для курсов")
    with clock(2026, 3, 4, 18, 0):
        for text, due in [
            ("Созвон в обед", datetime.datetime(2026, 3, 6, 13, 0, tzinfo=msk)),
            ("Завтрашняя встреча", datetime.datetime(2026, 3, 7, 10, 0, tzinfo=msk)),
            ("Просроченный звонок", datetime.datetime(2026, 3, 5, 23, 30, tzinfo=msk)),
        ]:
            services.task_create(
                deal=deal, author=manager_a, assignee=manager_a, kind="call", text=text, due_at=due
            )
    for moment, event, text in [
        ((2026, 3, 4, 23, 59), "client.opened", "Клиент открыл анкету «Позавчера»"),
        ((2026, 3, 5, 0, 1), "client.opened", "Клиент открыл анкету «Бриф»"),
        ((2026, 3, 5, 23, 58), "client.paid", "Счёт № 7 оплачен"),
        ((2026, 3, 5, 12, 0), "task.due", "Просрочена задача: не клиентское событие"),
        ((2026, 3, 6, 0, 30), "client.filled", "Клиент заполнил анкету «Сегодня»"),
    ]:
        with clock(*moment):
            notify(user=manager_a, event=event, text=text, url=deal.get_absolute_url())
    with clock(2026, 3, 5, 15, 0):
        notify(user=manager_b, event="client.opened", text="Клиент открыл чужое")

    with clock(2026, 3, 6, 8, 0):
        digest.send_morning_digests()
    email = OutgoingEmail.objects.get(recipient="manager_a@example.ru")
    assert email.event_key == f"digest:{manager_a.pk}:2026-03-06"
    assert email.subject == (
        "План на 6 марта 2026 г.: 1 задача на сегодня, 1 просроченная задача, "
        "2 события клиентов за вчера"
    )
    body = email.body_text
    assert "Задачи на сегодня:\n- 13:00 Созвон в обед" in body
    assert "Просроченные задачи:\n- Просроченный звонок (срок 05.03.2026 23:30)" in body
    assert "Завтрашняя встреча" not in body
    yesterday = body.split("Вчера у клиентов:")[1]
    assert "00:01 Клиент открыл анкету «Бриф»" in yesterday
    assert "23:58 Счёт № 7 оплачен" in yesterday
    for absent in ("Позавчера", "не клиентское", "Сегодня", "чужое"):
        assert absent not in body


def test_yesterdays_client_events_alone_make_a_digest(manager_a, stages):
    import datetime
    from unittest import mock

    from crm.notifications import notify

    notify(user=manager_a, event="client.filled", text="Клиент заполнил анкету «Бриф»")
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        assert digest.send_morning_digests() == 1
    assert OutgoingEmail.objects.get().subject.endswith(": 1 событие клиентов за вчера")

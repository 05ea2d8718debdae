"""What happens to a valid lead: who gets it, its first task, the e-mail to the manager,
and a repeat lead of a client who already has an open deal."""

import json
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, connections

from crm.models import OutgoingEmail, User
from deals import schedule, services
from deals.models import Deal, LeadRequest, LeadSource, Stage, Task

URL = "/api/leads/"
MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def site(manager_a, stages):
    return LeadSource.objects.create(name="Сайт студии", manager=manager_a)


def post_lead(client, site, **data):
    response = client.post(
        URL,
        json.dumps({"name": "Игорь Кузнецов", **data}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site.key}",
    )
    assert response.status_code == 201, response.content
    return Deal.objects.get(pk=response.json()["id"])


@pytest.fixture
def at_friday_evening(monkeypatch):
    moment = datetime(2026, 3, 13, 20, 0, tzinfo=MSK)
    monkeypatch.setattr(schedule, "now", lambda: moment)
    return moment


def test_a_lead_gets_a_first_call_due_in_working_time_and_the_manager_is_mailed(
    anon, site, manager_a, at_friday_evening, django_capture_on_commit_callbacks
):
    site.first_task_minutes = 45
    site.save()
    with django_capture_on_commit_callbacks(execute=True):
        deal = post_lead(anon, site, phone="+7 916 555-44-33")
    task = deal.tasks.get()
    assert task.text == "Связаться с клиентом" and task.assignee == manager_a
    assert task.due_at == datetime(2026, 3, 16, 9, 45, tzinfo=MSK)  # Monday 9:00 + 45 min
    [message] = mail.outbox
    assert message.to == ["manager_a@example.ru"]
    assert message.subject == f"Новая заявка: сделка №{deal.pk} «{deal.title}»"
    assert "Свяжитесь с клиентом до 16.03.2026 09:45" in message.body
    assert deal.get_absolute_url() in message.body
    events = list(deal.events.values_list("text", flat=True))
    assert "Задача для Анны (звонок, до 16.03.2026 09:45): Связаться с клиентом" in events
    assert "Заявка передана: Анна (всегда одному менеджеру)" in events


def test_a_source_with_its_own_hours_counts_in_them(anon, site, at_friday_evening):
    site.work_hours, site.work_days, site.first_task_minutes = "10:00-19:00", "1-6", 30
    site.save()
    task = post_lead(anon, site, phone="+79165554433").tasks.get()
    assert task.due_at == datetime(2026, 3, 14, 10, 30, tzinfo=MSK)  # Saturday 10:00 + 30


def test_round_robin_takes_active_managers_in_turn(anon, site, manager_a, manager_b, head):
    site.routing = LeadSource.Routing.ROUND_ROBIN
    site.save()
    gone = User.objects.create_user("gone", role=User.Role.MANAGER, is_active=False)
    owners = [post_lead(anon, site, phone=f"+7916000000{i}").manager for i in range(5)]
    assert owners == [manager_a, manager_b, manager_a, manager_b, manager_a]
    assert gone not in owners and head not in owners
    assert Task.objects.filter(assignee=manager_b, text="Связаться с клиентом").count() == 2


def test_round_robin_keeps_to_the_sources_queue(anon, site, manager_a, manager_b, head):
    site.routing = LeadSource.Routing.ROUND_ROBIN
    site.save()
    site.pool.set([manager_b, head])
    owners = [post_lead(anon, site, phone=f"+7916000000{i}").manager for i in range(3)]
    assert owners == [manager_b, head, manager_b]


def test_a_fixed_manager_who_left_does_not_swallow_leads(anon, site, manager_a, manager_b):
    manager_a.is_active = False
    manager_a.save()
    deal = post_lead(anon, site, phone="+79165554433")
    assert deal.manager == manager_b
    assert deal.tasks.get().assignee == manager_b


def test_a_repeat_lead_joins_the_open_deal_and_its_manager_is_told(
    anon, site, manager_b, django_capture_on_commit_callbacks
):
    first = post_lead(anon, site, phone="+7 916 555-44-33")
    first.manager = manager_b  # handed over since
    first.save()
    with django_capture_on_commit_callbacks(execute=True):
        again = post_lead(
            anon, site, name="Игорь", phone="8 916 555-44-33", message="Ещё нужен логотип"
        )
    assert again == first
    assert Deal.objects.count() == 1
    comment = first.comments.get()
    assert comment.text == (
        "Повторная заявка с сайта Сайт студии: Игорь, +79165554433\nСообщение:\nЕщё нужен логотип"
    )
    statuses = list(LeadRequest.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [LeadRequest.Status.CREATED, LeadRequest.Status.ATTACHED]
    assert LeadRequest.objects.filter(deal=first).count() == 2
    [message] = [m for m in mail.outbox if m.to == ["manager_b@example.ru"]]
    assert message.subject == f"Повторная заявка по сделке №{first.pk} «{first.title}»"
    # The deal still had its open first task: no second one.
    assert first.tasks.filter(done_at__isnull=True).count() == 1


def test_a_repeat_lead_by_email_to_a_deal_without_a_task_sets_the_first_call(anon, site, manager_a):
    deal = post_lead(anon, site, email="igor@example.ru")
    task = deal.tasks.get()
    services.task_complete(task=task, by=manager_a, result="Не дозвонились")
    again = post_lead(anon, site, email="IGOR@example.ru")
    assert again == deal
    assert deal.tasks.filter(done_at__isnull=True, text="Связаться с клиентом").count() == 1


def test_a_repeat_lead_of_a_closed_deal_opens_a_new_one(anon, site, manager_a):
    deal = post_lead(anon, site, phone="+79165554433")
    won = Stage.objects.get(kind=Stage.Kind.WON)
    services.deal_move(deal=deal, stage=won, by=manager_a)
    again = post_lead(anon, site, phone="+79165554433")
    assert again != deal
    assert LeadRequest.objects.filter(status=LeadRequest.Status.CREATED).count() == 2


def test_the_head_can_turn_attaching_off_for_a_source(anon, site):
    site.attach_repeat_leads = False
    site.save()
    first = post_lead(anon, site, phone="+79165554433")
    second = post_lead(anon, site, phone="+79165554433")
    assert first != second
    assert not first.comments.exists()


def test_the_head_sets_the_rules_in_the_admin(client, site, manager_b, db):
    admin = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(admin)
    url = f"/admin/deals/leadsource/{site.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "По очереди среди активных менеджеров" in page.text
    data = {
        "name": site.name,
        "site_url": "",
        "thanks_url": "",
        "active": "on",
        "key": site.key,
        "routing": "round_robin",
        "manager": site.manager_id,
        "pool": [manager_b.pk],
        "first_task_minutes": "15",
        "work_hours": "18:00-9:00",
        "work_days": "1-5",
        "attach_repeat_leads": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Укажите часы так: 9:00-18:00" in response.text
    response = client.post(url, {**data, "work_hours": "10:00-19:00"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.routing == "round_robin" and list(site.pool.all()) == [manager_b]
    assert site.first_task_minutes == 15 and not site.attach_repeat_leads
    assert OutgoingEmail.objects.count() == 0


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL; SQLite serialises whole-database writes instead",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_leads_at_the_same_moment_take_distinct_turns(stages):
    people = [
        User.objects.create_user(f"m{i}", role=User.Role.MANAGER, email=f"m{i}@example.ru")
        for i in range(4)
    ]
    site = LeadSource.objects.create(
        name="Сайт", manager=people[0], routing=LeadSource.Routing.ROUND_ROBIN
    )
    workers = 8
    start = threading.Barrier(workers)
    errors = []

    def run(i):
        from django.test import Client

        try:
            start.wait()
            post_lead(Client(), site, phone=f"+7916000001{i}")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    counts = sorted(Deal.objects.filter(manager=p).count() for p in people)
    assert counts == [2, 2, 2, 2]


def test_a_repeat_lead_through_another_managers_site_shows_them_nothing(
    anon, client_b, site, manager_b, django_capture_on_commit_callbacks
):
    deal = post_lead(anon, site, phone="+79165554433")  # Анна's deal
    site_b = LeadSource.objects.create(name="Сайт Бориса", manager=manager_b)
    with django_capture_on_commit_callbacks(execute=True):
        again = post_lead(anon, site_b, phone="+79165554433", message="Снова я")
    assert again == deal
    assert [m.to for m in mail.outbox] == [["manager_a@example.ru"]]
    assert client_b.get(deal.get_absolute_url()).status_code == 404
    assert not Task.objects.filter(assignee=manager_b).exists()

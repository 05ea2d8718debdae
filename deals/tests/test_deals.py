from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals import services
from deals.models import Deal, DealEvent, LossReason, Stage, StageChange, Task


def stage(kind=Stage.Kind.OPEN, index=0):
    return list(Stage.objects.filter(kind=kind))[index]


def test_manager_creates_a_deal_from_a_phone_call(client_a, manager_a, stages):
    response = client_a.post(
        reverse("deals:create"),
        {
            "title": "Сайт для автосервиса",
            "source": "phone",
            "manager": manager_a.pk,
            "budget": "150000",
            "description": "Позвонил владелец",
        },
    )
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == deal.get_absolute_url()
    assert deal.stage == Stage.first_open()
    assert deal.budget == Decimal("150000")
    assert StageChange.objects.get(deal=deal).to_stage == deal.stage
    card = client_a.get(deal.get_absolute_url())
    assert "Сайт для автосервиса" in card.text
    assert "нет открытой задачи" in card.text


def test_bad_deal_form_keeps_input_and_saves_nothing(client_a, manager_a, stages):
    response = client_a.post(
        reverse("deals:create"),
        {"title": "", "source": "phone", "manager": manager_a.pk, "budget": "-5"},
    )
    assert response.status_code == 400
    assert "Введите название сделки." in response.text
    assert "Бюджет не может быть отрицательным." in response.text
    assert 'value="-5"' in response.text
    assert not Deal.objects.exists()


def test_edit_deal_records_a_budget_change(client_a, deal_a, manager_a):
    response = client_a.post(
        reverse("deals:edit", args=[deal_a.pk]),
        {"title": "Новое название", "source": "email", "manager": manager_a.pk, "budget": "250000"},
    )
    assert response.status_code == 302
    deal_a.refresh_from_db()
    assert deal_a.title == "Новое название"
    assert deal_a.budget == Decimal("250000")
    event = DealEvent.objects.filter(deal=deal_a, kind="budget").get()
    assert "100\u00a0000,00 → 250\u00a0000,00 ₽" in event.text


def test_editing_a_deal_keeps_nothing_when_its_budget_entry_fails(
    client_a, deal_a, manager_a, monkeypatch
):
    def timeline_down(**kwargs):
        raise RuntimeError("timeline down")

    monkeypatch.setattr(services, "timeline_add", timeline_down)
    with pytest.raises(RuntimeError):
        client_a.post(
            reverse("deals:edit", args=[deal_a.pk]),
            {"title": "Новое название", "source": "email", "manager": manager_a.pk, "budget": "1"},
        )
    deal_a.refresh_from_db()
    assert deal_a.title != "Новое название"
    assert deal_a.source != "email"
    assert deal_a.budget == Decimal("100000")


def test_editing_only_the_title_leaves_no_budget_entry(client_a, deal_a, manager_a):
    response = client_a.post(
        reverse("deals:edit", args=[deal_a.pk]),
        {"title": "Другое", "source": "phone", "manager": manager_a.pk, "budget": "100000"},
    )
    assert response.status_code == 302
    deal_a.refresh_from_db()
    assert deal_a.title == "Другое"
    assert not DealEvent.objects.filter(deal=deal_a, kind="budget").exists()


def test_moving_a_deal_records_who_and_when(client_a, deal_a, manager_a):
    target = stage(index=2)
    response = client_a.post(reverse("deals:move", args=[deal_a.pk]), {"stage": target.pk})
    assert response.status_code == 302
    change = StageChange.objects.filter(deal=deal_a).last()
    assert (change.from_stage, change.to_stage, change.by) == (
        Stage.first_open(),
        target,
        manager_a,
    )
    assert "Этап:" in client_a.get(deal_a.get_absolute_url()).text


def test_losing_needs_a_reason_and_a_comment(client_a, deal_a):
    lost = stage(Stage.Kind.LOST)
    response = client_a.post(reverse("deals:move", args=[deal_a.pk]), {"stage": lost.pk})
    assert response.status_code == 400
    assert "Укажите причину отказа." in response.text
    assert "Опишите, почему сделка проиграна." in response.text
    deal_a.refresh_from_db()
    assert deal_a.stage.is_open
    assert StageChange.objects.filter(deal=deal_a).count() == 1


def test_lost_deal_keeps_reason_and_comment_and_can_be_reopened(client_a, deal_a, manager_a):
    lost = stage(Stage.Kind.LOST)
    reason = LossReason.objects.first()
    client_a.post(
        reverse("deals:move", args=[deal_a.pk]),
        {"stage": lost.pk, "loss_reason": reason.pk, "comment": "Ушли к конкурентам"},
    )
    deal_a.refresh_from_db()
    assert deal_a.stage == lost and deal_a.loss_reason == reason and deal_a.closed_at
    assert deal_a.comments.get().text == "Ушли к конкурентам"
    assert StageChange.objects.filter(deal=deal_a).last().loss_reason == reason

    reopen_to = stage(index=1)
    client_a.post(reverse("deals:move", args=[deal_a.pk]), {"stage": reopen_to.pk})
    deal_a.refresh_from_db()
    assert deal_a.stage == reopen_to and deal_a.loss_reason is None and deal_a.closed_at is None
    assert DealEvent.objects.filter(deal=deal_a, text__startswith="Сделка открыта заново").exists()


def test_board_moves_a_card_and_asks_for_a_reason_when_losing(client_a, deal_a):
    board_url = reverse("deals:board")
    assert deal_a.title in client_a.get(board_url).text
    target = stage(index=3)
    response = client_a.post(
        reverse("deals:move", args=[deal_a.pk]), {"stage": target.pk, "next": board_url}
    )
    assert response["Location"] == board_url
    lost = stage(Stage.Kind.LOST)
    response = client_a.post(
        reverse("deals:move", args=[deal_a.pk]), {"stage": lost.pk, "next": board_url}
    )
    assert response.status_code == 400
    assert "Укажите причину отказа." in response.text
    deal_a.refresh_from_db()
    assert deal_a.stage == target


def test_move_ignores_a_redirect_to_another_site(client_a, deal_a):
    response = client_a.post(
        reverse("deals:move", args=[deal_a.pk]),
        {"stage": stage(index=1).pk, "next": "https://evil.example.com/"},
    )
    assert response["Location"] == deal_a.get_absolute_url()


# Who sees what


def test_head_sees_every_deal_and_manager_only_theirs(
    make_deal, manager_a, manager_b, client_a, client_head
):
    mine = make_deal(manager_a, title="Сделка Анны")
    theirs = make_deal(manager_b, title="Сделка Бориса")
    listing = client_a.get(reverse("deals:list")).text
    assert mine.title in listing and theirs.title not in listing
    assert theirs.title not in client_a.get(reverse("deals:board")).text
    head_listing = client_head.get(reverse("deals:list")).text
    assert mine.title in head_listing and theirs.title in head_listing


def test_a_task_holder_sees_the_deal_until_the_task_is_done(
    client_a, client_b, deal_a, manager_a, manager_b, future
):
    url = deal_a.get_absolute_url()
    assert client_b.get(url).status_code == 404
    client_a.post(
        reverse("deals:task_create", args=[deal_a.pk]),
        {
            "text": "Подготовить смету",
            "kind": "other",
            "assignee": manager_b.pk,
            "due_at": future.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert client_b.get(url).status_code == 200
    assert deal_a.title in client_b.get(reverse("deals:my_tasks")).text
    task = Task.objects.get()
    client_b.post(
        reverse("deals:task_complete", args=[deal_a.pk, task.pk]), {"result": "Смета готова"}
    )
    assert client_b.get(url).status_code == 404


def deal_urls(deal, task=None, contact=None):
    urls = [
        ("get", reverse("deals:detail", args=[deal.pk])),
        ("get", reverse("deals:edit", args=[deal.pk])),
        ("post", reverse("deals:edit", args=[deal.pk])),
        ("get", reverse("deals:move", args=[deal.pk])),
        ("post", reverse("deals:move", args=[deal.pk])),
        ("post", reverse("deals:task_create", args=[deal.pk])),
        ("post", reverse("deals:comment_create", args=[deal.pk])),
        ("post", reverse("deals:contact_create", args=[deal.pk])),
        ("post", reverse("deals:contact_link", args=[deal.pk])),
    ]
    if task:
        urls += [
            ("get", reverse("deals:task_complete", args=[deal.pk, task.pk])),
            ("post", reverse("deals:task_complete", args=[deal.pk, task.pk])),
        ]
    if contact:
        urls += [
            ("get", reverse("deals:contact_edit", args=[deal.pk, contact.pk])),
            ("post", reverse("deals:contact_edit", args=[deal.pk, contact.pk])),
            ("post", reverse("deals:contact_unlink", args=[deal.pk, contact.pk])),
        ]
    return urls


def test_another_manager_gets_404_on_every_deal_url_and_changes_nothing(
    client_b, deal_a, manager_a, future
):
    task = services.task_create(
        deal=deal_a, author=manager_a, assignee=manager_a, kind="call", text="Звонок", due_at=future
    )
    from contacts.models import Contact

    contact = services.contact_save(
        contact=Contact(name="Иван"), phones=["+79161234567"], emails=[], deal=deal_a
    )
    events_before = DealEvent.objects.count()
    for method, url in deal_urls(deal_a, task, contact):
        data = {
            "title": "взлом",
            "stage": stage(index=2).pk,
            "text": "x",
            "result": "x",
            "name": "x",
            "contact": contact.pk,
        }
        response = getattr(client_b, method)(url, data) if method == "post" else client_b.get(url)
        assert response.status_code == 404, url
    deal_a.refresh_from_db()
    task.refresh_from_db()
    assert deal_a.title == "Сайт для стоматологии" and deal_a.stage == Stage.first_open()
    assert task.done_at is None
    assert DealEvent.objects.count() == events_before


def test_anonymous_visitor_gets_login_on_every_deal_url(anon, deal_a):
    for method, url in deal_urls(deal_a):
        response = getattr(anon, method)(url)
        assert response.status_code == 302, url
        assert reverse("login") in response["Location"]


# List, filters, search


def test_list_filters_by_stage_manager_source_and_period(
    client_head, make_deal, manager_a, manager_b
):
    old = make_deal(manager_a, title="Старая", at=timezone.now() - timedelta(days=60))
    web = make_deal(manager_b, title="С сайта", source="website")
    services.deal_move(deal=web, stage=stage(index=2), by=manager_b)
    url = reverse("deals:list")
    assert "С сайта" not in client_head.get(url, {"source": "phone"}).text
    assert "С сайта" in client_head.get(url, {"source": "website"}).text
    assert "Старая" not in client_head.get(url, {"stage": stage(index=2).pk}).text
    assert "Старая" not in client_head.get(url, {"manager": manager_b.pk}).text
    since = (timezone.now() - timedelta(days=10)).date().isoformat()
    by_period = client_head.get(url, {"date_from": since}).text
    assert "Старая" not in by_period and "С сайта" in by_period
    assert old.title in client_head.get(url, {"sort": "created"}).text


def test_list_flags_deals_without_task_and_with_overdue_task(
    client_a, make_deal, manager_a, future
):
    idle = make_deal(manager_a, title="Без задачи")
    late = make_deal(manager_a, title="Просроченная")
    Task.objects.create(
        deal=late,
        assignee=manager_a,
        text="Перезвонить",
        due_at=timezone.now() - timedelta(hours=3),
    )
    url = reverse("deals:list")
    no_task = client_a.get(url, {"no_task": "on"}).text
    assert idle.title in no_task and late.title not in no_task
    overdue = client_a.get(url, {"overdue": "on"}).text
    assert late.title in overdue and idle.title not in overdue
    assert "просрочена" in overdue


def test_search_finds_deals_by_contact_name_phone_and_email(client_a, make_deal, manager_a):
    from contacts.models import Contact

    deal = make_deal(manager_a, title="Портал застройщика")
    make_deal(manager_a, title="Другая сделка")
    services.contact_save(
        contact=Contact(name="Пётр Сидоров"),
        phones=["+79031112233"],
        emails=["petr@stroy.ru"],
        deal=deal,
    )
    url = reverse("deals:list")
    for q in ["Сидоров", "8 903 111-22-33", "stroy.ru", "Портал"]:
        text = client_a.get(url, {"q": q}).text
        assert deal.title in text, q
        assert "Другая сделка" not in text, q


def test_list_rejects_an_inverted_period_with_a_message(client_a):
    response = client_a.get(
        reverse("deals:list"), {"date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert "Конец периода раньше начала." in response.text


def _fill(manager, n, make_deal, future):
    from contacts.models import Contact

    other = Contact.objects.create(name="Общий контакт")
    for i in range(n):
        deal = make_deal(manager, title=f"Сделка {i}")
        services.task_create(
            deal=deal, author=manager, assignee=manager, kind="call", text="t", due_at=future
        )
        services.contact_save(contact=Contact(name=f"К{i}"), phones=[], emails=[], deal=deal)
        services.contact_link(deal=deal, contact=other)


@pytest.mark.parametrize("url_name", ["deals:list", "deals:board"])
def test_list_and_board_queries_do_not_grow_with_deals(
    url_name, client_a, manager_a, make_deal, future, django_assert_num_queries
):
    _fill(manager_a, 2, make_deal, future)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        first = client_a.get(reverse(url_name))
    assert first.status_code == 200
    assert "Сделка 1" in first.text
    _fill(manager_a, 48, make_deal, future)
    with django_assert_num_queries(len(few)):
        response = client_a.get(reverse(url_name))
    assert response.status_code == 200
    assert "Сделка 40" in response.text


def test_deal_card_queries_do_not_grow_with_tasks_contacts_and_comments(
    client_a, deal_a, manager_a, future, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contacts.models import Contact

    def add(n):
        for i in range(n):
            services.task_create(
                deal=deal_a,
                author=manager_a,
                assignee=manager_a,
                kind="call",
                text="t",
                due_at=future,
            )
            services.contact_save(
                contact=Contact(name=f"Контакт {i}"),
                phones=[f"+7916000{i:04d}"],
                emails=[f"c{i}@example.ru"],
                deal=deal_a,
            )
            services.comment_add(deal=deal_a, author=manager_a, text=f"Комментарий {i}")

    add(2)
    with CaptureQueriesContext(connection) as few:
        first = client_a.get(deal_a.get_absolute_url())
    assert first.status_code == 200
    assert "Комментарий 1" in first.text
    add(48)
    with django_assert_num_queries(len(few)):
        response = client_a.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    assert "Комментарий 47" in response.text


def test_empty_choices_read_in_russian(client_a, deal_a):
    lost = Stage.objects.get(kind=Stage.Kind.LOST)
    url = reverse("deals:move", args=[deal_a.pk]) + f"?stage={lost.pk}"
    form = client_a.get(url, headers={"HX-Request": "true"}).text
    assert "Select an option" not in form
    assert "— не выбрано —" in form


def test_the_admin_sets_where_events_move_a_deal_in_one_place(client, stages):
    from crm.models import User
    from deals.models import StageAutomation

    client.force_login(User.objects.create_superuser("root", "root@example.ru", "root"))
    url = reverse("admin:deals_stageautomation_change", args=[StageAutomation.load().pk])
    page = client.get(url).text
    labels = ("Этап после принятия КП", "Этап после принятия договора", "Этап после оплаты счёта")
    assert all(label in page for label in labels)
    assert ">Проиграна<" not in page  # an event never loses a deal
    paid = Stage.objects.get(name="Оплачено")
    response = client.post(url, {"invoice_paid_stage": paid.pk})
    assert response.status_code == 302
    assert StageAutomation.load().invoice_paid_stage == paid
    assert StageAutomation.objects.count() == 1
    add = reverse("admin:deals_stageautomation_add")
    assert client.get(add).status_code == 403


def test_list_and_board_mark_each_deal_by_its_own_tasks(
    client_a, make_deal, manager_a, future, django_assert_max_num_queries
):
    """The task flags are counted for the page's rows after them, in one query: each row
    still shows its own state, whatever the other rows hold."""
    idle = make_deal(manager_a, title="Без задачи")
    planned = make_deal(manager_a, title="С задачей")
    late = make_deal(manager_a, title="Просроченная")
    Task.objects.create(deal=planned, assignee=manager_a, text="Позвонить", due_at=future)
    Task.objects.create(
        deal=late,
        assignee=manager_a,
        text="Перезвонить",
        due_at=timezone.now() - timedelta(hours=3),
    )
    Task.objects.create(
        deal=idle,
        assignee=manager_a,
        text="Сделано",
        due_at=timezone.now() - timedelta(hours=3),
        done_at=timezone.now(),
    )
    response = client_a.get(reverse("deals:list"))
    assert response.status_code == 200
    flags = {d.title: (d.has_open_task, d.has_overdue_task) for d in response.context["page"]}
    assert flags == {
        "Без задачи": (False, False),
        "С задачей": (True, False),
        "Просроченная": (True, True),
    }
    rows = {row.split("</tr>")[0] for row in response.text.split("<tr")[2:]}
    assert any("Без задачи" in r and "нет задачи" in r for r in rows)
    assert any("С задачей" in r and "есть задача" in r for r in rows)
    assert any("Просроченная" in r and "просрочена" in r for r in rows)
    board = client_a.get(reverse("deals:board"))
    assert board.status_code == 200
    cards = {
        title: card
        for card in board.text.split("<article")[1:]
        for title in flags
        if f">{title}</a>" in card
    }
    assert "нет задачи" in cards["Без задачи"] and "просрочена" not in cards["Без задачи"]
    assert "нет задачи" not in cards["С задачей"] and "просрочена" not in cards["С задачей"]
    assert "просрочена" in cards["Просроченная"]


def test_the_list_shows_phones_in_the_form_stored_with_them(client_a, make_deal, manager_a):
    """A phone's shown form is written when it is saved: the list does not read every number
    again, and a changed number shows its new form at once."""
    from unittest import mock

    from contacts.models import Contact, ContactPhone

    deal = make_deal(manager_a, title="С телефоном")
    contact = services.contact_save(
        contact=Contact(name="Ирина"), phones=["+79161234567"], emails=[], deal=deal
    )
    assert ContactPhone.objects.get(contact=contact).display == "+7 916 123-45-67"
    with mock.patch("contacts.models.format_phone", side_effect=AssertionError("parsed")):
        response = client_a.get(reverse("deals:list"))
    assert response.status_code == 200
    assert "Ирина +7 916 123-45-67" in response.text
    services.contact_save(contact=contact, phones=["+74951234567"], emails=[], deal=deal)
    response = client_a.get(reverse("deals:list"))
    assert "Ирина +7 495 123-45-67" in response.text and "916 123" not in response.text

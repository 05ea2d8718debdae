"""Tasks that follow the work: editing and rescheduling with presets, completing with the
next step, tasks closed with the deal, the head's team view and the calendar."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import OutgoingEmail
from deals import schedule, services, views
from deals.models import LossReason, Stage, StageAutomation, Task

MSK = ZoneInfo("Europe/Moscow")


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


@pytest.fixture
def standing_at(monkeypatch):
    def stand(moment):
        monkeypatch.setattr(schedule, "now", lambda: moment)

    return stand


@pytest.fixture
def task_a(deal_a, manager_a, future):
    return services.task_create(
        deal=deal_a,
        author=manager_a,
        assignee=manager_a,
        kind="call",
        text="Позвонить",
        due_at=future,
    )


def edit_url(task):
    return reverse("deals:task_edit", args=[task.deal_id, task.pk])


def complete_url(task):
    return reverse("deals:task_complete", args=[task.deal_id, task.pk])


def edit_data(task, **changes):
    data = {
        "text": task.text,
        "kind": task.kind,
        "assignee": task.assignee_id,
        "due_at": local(task.due_at),
    }
    return {**data, **changes}


def timeline(deal) -> list[str]:
    return list(deal.events.values_list("text", flat=True))


# Editing and rescheduling


def test_a_task_is_moved_and_handed_over_from_the_card(client_a, deal_a, task_a, manager_b):
    card = client_a.get(deal_a.get_absolute_url())
    assert card.status_code == 200
    assert edit_url(task_a) in card.text
    new_due = timezone.localtime(task_a.due_at + timedelta(days=1)).replace(second=0, microsecond=0)
    response = client_a.post(
        edit_url(task_a),
        edit_data(
            task_a, text="Позвонить бухгалтеру", assignee=manager_b.pk, due_at=local(new_due)
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == deal_a.get_absolute_url() + "#tasks"
    task_a.refresh_from_db()
    assert (task_a.text, task_a.assignee, task_a.due_at) == (
        "Позвонить бухгалтеру",
        manager_b,
        new_due,
    )
    [event] = deal_a.events.filter(kind="task_changed")
    assert event.actor.username == "manager_a"
    old, new = (
        f"{timezone.localtime(new_due - timedelta(days=1)):%d.%m.%Y %H:%M}",
        f"{new_due:%d.%m.%Y %H:%M}",
    )
    assert event.text == (
        f"Задача «Позвонить бухгалтеру»: текст был: «Позвонить»; перенесена с {old} на {new}; "
        "передана: была для Анны, теперь для Бориса"
    )
    mailed = OutgoingEmail.objects.get(template="task_assigned", recipient="manager_b@example.ru")
    assert mailed.subject == "Задача от Анны: Позвонить бухгалтеру"


def test_my_tasks_offers_the_edit_and_returns_there(client_a, task_a):
    my = reverse("deals:my_tasks")
    page = client_a.get(my)
    assert page.status_code == 200
    assert f"{edit_url(task_a)}?next={my}" in page.text
    form = client_a.get(f"{edit_url(task_a)}?next={my}")
    assert form.status_code == 200
    assert f'name="next" value="{my}"' in form.text
    response = client_a.post(edit_url(task_a), edit_data(task_a, kind="meeting", next=my))
    assert response.status_code == 302 and response["Location"] == my
    assert Task.objects.get(pk=task_a.pk).kind == "meeting"
    assert "тип: звонок → встреча" in timeline(task_a.deal)[0]


def test_an_overdue_task_keeps_its_due_when_only_the_text_changes(client_a, deal_a, manager_a):
    late = Task.objects.create(
        deal=deal_a, assignee=manager_a, text="Старая", due_at=timezone.now() - timedelta(days=2)
    )
    response = client_a.post(edit_url(late), edit_data(late, text="Старая, уточнённая"))
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.text == "Старая, уточнённая" and late.due_at < timezone.now()
    assert not late.deal.events.filter(kind="task_changed", text__contains="перенесена").exists()
    past = local(timezone.now() - timedelta(days=1))
    response = client_a.post(edit_url(late), edit_data(late, due_at=past))
    assert response.status_code == 400
    assert "Срок уже прошёл" in response.text
    assert 'value="Старая, уточнённая"' in response.text


def test_a_done_task_is_not_edited(client_a, task_a, manager_a):
    services.task_complete(task=task_a, by=manager_a, result="Дозвонились")
    response = client_a.post(edit_url(task_a), edit_data(task_a, text="Другое"))
    assert response.status_code == 400
    assert "Задача уже выполнена" in response.text
    assert Task.objects.get(pk=task_a.pk).text == "Позвонить"


def test_an_unchanged_task_leaves_no_timeline_entry(client_a, task_a):
    response = client_a.post(edit_url(task_a), edit_data(task_a))
    assert response.status_code == 302
    assert not task_a.deal.events.filter(kind="task_changed").exists()


def test_a_task_holder_completes_their_task_on_anothers_deal_but_does_not_edit_it(
    client_b, deal_a, manager_a, manager_b, future
):
    task = services.task_create(
        deal=deal_a, author=manager_a, assignee=manager_b, kind="call", text="Смета", due_at=future
    )
    # Moving or handing over a task is the deal's owner's (or the head's) decision.
    response = client_b.post(edit_url(task), edit_data(task, text="Смета v2"))
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).text == "Смета"
    response = client_b.post(complete_url(task), {"result": "Готово"})
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).is_done


def test_another_manager_cannot_edit_a_task_of_a_deal_they_do_not_see(client_b, task_a):
    assert client_b.get(edit_url(task_a)).status_code == 404
    assert client_b.post(edit_url(task_a), edit_data(task_a, text="Чужое")).status_code == 404
    assert Task.objects.get(pk=task_a.pk).text == "Позвонить"


# Presets and the default due


def test_preset_buttons_fill_the_due_with_a_server_moment(client_a, deal_a, standing_at):
    standing_at(msk(2026, 12, 31, 23, 30))
    card = _new_task_form(client_a, deal_a)
    assert card.status_code == 200
    assert (
        'hx-get="/deals/tasks/due/?preset=tomorrow&amp;name=due_at&amp;id=id_due_at"' in card.text
    )
    assert 'hx-target="#id_due_at"' in card.text
    url = reverse("deals:task_due")
    expected = {
        "hour": "2027-01-01T00:30",
        "tomorrow": "2027-01-01T10:00",
        "monday": "2027-01-04T10:00",
    }
    for preset, value in expected.items():
        response = client_a.get(url, {"preset": preset, "name": "next_due", "id": "id_next_due"})
        assert response.status_code == 200
        assert f'value="{value}"' in response.text
        assert 'name="next_due"' in response.text and 'id="id_next_due"' in response.text


@pytest.mark.parametrize(
    "params",
    [
        {"preset": "someday"},
        {"preset": "hour", "id": '"><script>'},
        {"preset": "hour", "name": "a b"},
    ],
)
def test_an_unknown_preset_or_field_is_refused(client_a, params):
    response = client_a.get(reverse("deals:task_due"), params)
    assert response.status_code == 400
    assert "<script>" not in response.text


def test_a_new_task_is_offered_the_next_working_hour(client_a, deal_a, standing_at):
    standing_at(msk(2026, 3, 10, 10, 17))
    card = _new_task_form(client_a, deal_a)
    assert card.status_code == 200
    assert 'name="due_at" value="2026-03-10T11:00"' in card.text
    standing_at(msk(2026, 3, 13, 18, 30))  # Friday evening: Monday morning
    assert 'name="due_at" value="2026-03-16T10:00"' in _new_task_form(client_a, deal_a).text


def _new_task_form(client, deal):
    """The card's folded «Поставить задачу» form, as the card asks for it when opened."""
    return client.get(reverse("deals:task_create", args=[deal.pk]), headers={"HX-Request": "true"})


def test_a_task_for_a_colleague_names_them_in_the_genitive_and_tells_them(
    client_a, deal_a, manager_b, future
):
    manager_b.first_name, manager_b.last_name = "Игорь", "Кузнецов"
    manager_b.save()
    response = client_a.post(
        reverse("deals:task_create", args=[deal_a.pk]),
        {
            "text": "Отправить КП",
            "kind": "email",
            "assignee": manager_b.pk,
            "due_at": local(future),
        },
    )
    assert response.status_code == 302
    due = f"{timezone.localtime(future):%d.%m.%Y %H:%M}"
    assert f"Задача для Игоря Кузнецова (письмо, до {due}): Отправить КП" in timeline(deal_a)
    mailed = OutgoingEmail.objects.get(template="task_assigned")
    assert mailed.recipient == "manager_b@example.ru"
    assert "Анна поручает задачу" in mailed.body_text


def test_a_task_for_oneself_sends_no_email(client_a, deal_a, manager_a, future):
    response = client_a.post(
        reverse("deals:task_create", args=[deal_a.pk]),
        {"text": "Сам", "kind": "call", "assignee": manager_a.pk, "due_at": local(future)},
    )
    assert response.status_code == 302
    assert not OutgoingEmail.objects.exists()


# Completing with the next step


def test_completing_asks_for_the_result_and_sets_the_next_task(client_a, task_a, manager_a, future):
    page = client_a.get(complete_url(task_a))
    assert page.status_code == 200
    assert 'name="next_text"' in page.text and "preset=monday" in page.text
    response = client_a.post(complete_url(task_a), {"result": "  ", "next_text": "Встреча"})
    assert response.status_code == 400
    assert "Опишите результат" in response.text
    response = client_a.post(
        complete_url(task_a), {"result": "Договорились", "next_text": "Встреча", "next_due": ""}
    )
    assert response.status_code == 400
    assert "Укажите срок следующей задачи." in response.text
    assert not Task.objects.get(pk=task_a.pk).is_done
    response = client_a.post(
        complete_url(task_a),
        {
            "result": "Договорились",
            "next_text": "Встреча в офисе",
            "next_kind": "meeting",
            "next_due": local(future),
        },
    )
    assert response.status_code == 302
    task_a.refresh_from_db()
    assert task_a.is_done and task_a.result == "Договорились"
    following = Task.objects.get(done_at__isnull=True)
    assert (following.text, following.kind, following.assignee) == (
        "Встреча в офисе",
        "meeting",
        manager_a,
    )
    events = timeline(task_a.deal)
    assert events[0].startswith("Задача для Анны (встреча, до ")
    assert events[1] == "Задача выполнена: Позвонить. Результат: Договорились"
    # A second click of the same form sets no second next task.
    client_a.post(
        complete_url(task_a), {"result": "Ещё раз", "next_text": "Дубль", "next_due": local(future)}
    )
    assert Task.objects.filter(text="Дубль").count() == 0


def test_completing_without_a_next_task_sets_none(client_a, task_a):
    response = client_a.post(
        complete_url(task_a), {"result": "Готово", "next_due": "2030-01-01T10:00"}
    )
    assert response.status_code == 302
    assert Task.objects.count() == 1


# Won and lost deals close their tasks


def test_losing_a_deal_closes_its_open_tasks(client_a, deal_a, task_a, manager_a, manager_b):
    late = Task.objects.create(
        deal=deal_a,
        assignee=manager_b,
        text="Просроченная",
        due_at=timezone.now() - timedelta(days=1),
    )
    lost = Stage.objects.get(kind=Stage.Kind.LOST)
    reason = LossReason.objects.first()
    response = client_a.post(
        reverse("deals:move", args=[deal_a.pk]),
        {"stage": lost.pk, "loss_reason": reason.pk, "comment": "Ушли к конкурентам"},
    )
    assert response.status_code == 302
    for task in (task_a, late):
        task.refresh_from_db()
        assert task.is_done and task.result == "Сделка проиграна, задача закрыта без выполнения."
    event = deal_a.events.get(kind="task_done")
    assert event.text == "Открытые задачи закрыты вместе со сделкой (2): Просроченная; Позвонить"
    assert event.actor == manager_a
    assert "Просроченная" not in client_a.get(reverse("deals:my_tasks")).text


def test_a_deal_won_by_an_event_closes_its_tasks(deal_a, task_a):
    won = Stage.objects.get(kind=Stage.Kind.WON)
    automation = StageAutomation.load()
    automation.invoice_paid_stage = won
    automation.save()
    services.deal_advance(deal=deal_a, to_stage=won, reason="счёт оплачен")
    task_a.refresh_from_db()
    assert task_a.result == "Сделка успешно закрыта, задача больше не нужна."


# Handing a deal over


def test_a_deal_handed_over_is_written_and_the_new_manager_told(client_a, deal_a, manager_b):
    response = client_a.post(
        reverse("deals:edit", args=[deal_a.pk]),
        {
            "title": deal_a.title,
            "source": deal_a.source,
            "manager": manager_b.pk,
            "budget": "100000",
            "description": "",
        },
    )
    assert response.status_code == 302
    assert "Ответственный: Анна → Борис" in timeline(deal_a)
    mailed = OutgoingEmail.objects.get(template="deal_reassigned")
    assert mailed.recipient == "manager_b@example.ru"
    assert "Теперь вы ответственный по сделке" in mailed.body_text


# The head's team view


def _tasks(deal, person, n, hours):
    Task.objects.bulk_create(
        Task(
            deal=deal,
            assignee=person,
            text=f"{person.username} {hours} {i}",
            due_at=timezone.now() + timedelta(hours=hours, minutes=i),
        )
        for i in range(n)
    )


def test_the_team_view_lists_people_with_overdue_first(
    client_head, client_a, make_deal, manager_a, manager_b
):
    deal_a, deal_b = make_deal(manager_a), make_deal(manager_b)
    _tasks(deal_a, manager_a, 1, -5)
    _tasks(deal_a, manager_a, 3, 48)
    _tasks(deal_b, manager_b, 2, -5)
    response = client_head.get(reverse("deals:team_tasks"))
    assert response.status_code == 200
    summary = response.text.split('id="team-summary"')[1].split("</table>")[0]
    assert summary.index("Борис") < summary.index("Анна")
    boris_row = summary.split("Борис")[1].split("</tr>")[0]
    assert [c.split(">")[-1] for c in boris_row.split("</td>")[:-1]][1:] == ["2", "0", "0", "2"]
    assert "manager_a -5 0" in response.text and "task-overdue" in response.text
    assert client_a.get(reverse("deals:team_tasks")).status_code == 403
    team_link = f'href="{reverse("deals:team_tasks")}"'
    assert team_link in client_head.get(reverse("deals:my_tasks")).text
    assert team_link not in client_a.get(reverse("deals:my_tasks")).text


def test_the_team_view_queries_do_not_grow(
    client_head, make_deal, manager_a, manager_b, django_assert_num_queries
):
    deal_a = make_deal(manager_a)
    _tasks(deal_a, manager_a, 2, -1)
    with CaptureQueriesContext(connection) as few:
        first = client_head.get(reverse("deals:team_tasks"))
    assert first.status_code == 200
    deal_b = make_deal(manager_b)
    _tasks(deal_b, manager_b, views.TEAM_TASKS_PER_PERSON + 5, 2)
    _tasks(deal_a, manager_a, 20, -3)
    with django_assert_num_queries(len(few)):
        response = client_head.get(reverse("deals:team_tasks"))
    assert response.status_code == 200
    n = views.TEAM_TASKS_PER_PERSON
    assert f"Показаны первые {n} из {n + 5}." in response.text


# The calendar


def test_the_week_calendar_shows_my_tasks_on_their_days(
    client_a, client_b, deal_a, manager_a, manager_b
):
    Task.objects.create(
        deal=deal_a, assignee=manager_a, text="Мой звонок", due_at=msk(2026, 3, 11, 15, 0)
    )
    Task.objects.create(
        deal=deal_a, assignee=manager_a, text="Поздний", due_at=msk(2026, 3, 15, 23, 30)
    )
    Task.objects.create(
        deal=deal_a, assignee=manager_b, text="Чужой", due_at=msk(2026, 3, 11, 16, 0)
    )
    url = reverse("deals:task_calendar")
    response = client_a.get(url, {"date": "2026-03-10"})
    assert response.status_code == 200
    page = response.text
    assert "9–15 марта 2026" in page
    assert page.index(">Пн<") < page.index(">Вт<") < page.index(">Вс<")
    day = page.split('data-date="2026-03-11"')[1].split("</td>")[0]
    assert "Мой звонок" in day and "15:00" in day
    assert "Поздний" in page.split('data-date="2026-03-15"')[1].split("</td>")[0]
    assert "Чужой" not in page
    assert 'href="?view=week&amp;&amp;date=2026-03-03"' in page
    assert 'href="?view=week&amp;&amp;date=2026-03-17"' in page
    # A manager cannot ask for the team.
    assert "Чужой" not in client_a.get(url, {"date": "2026-03-10", "scope": "team"}).text
    assert "Чужой" in client_b.get(url, {"date": "2026-03-10"}).text


def test_the_month_calendar_starts_on_monday_and_crosses_the_year(client_a, deal_a, manager_a):
    Task.objects.create(
        deal=deal_a, assignee=manager_a, text="Новогодний", due_at=msk(2027, 1, 1, 0, 30)
    )
    response = client_a.get(reverse("deals:task_calendar"), {"view": "month", "date": "2026-12-15"})
    assert response.status_code == 200
    page = response.text
    assert "Декабрь 2026" in page
    assert page.split('data-date="')[1].startswith("2026-11-30")  # the Monday before 1 December
    assert "Новогодний" in page.split('data-date="2027-01-01"')[1].split("</td>")[0]
    assert 'date=2027-01-01"' in page and 'date=2026-11-01"' in page
    week = client_a.get(reverse("deals:task_calendar"), {"date": "2026-12-30"}).text
    assert "28 декабря 2026 – 3 января 2027" in week


def test_the_head_sees_the_team_calendar_and_one_person(client_head, deal_a, manager_a, manager_b):
    Task.objects.create(
        deal=deal_a, assignee=manager_a, text="Звонок Анны", due_at=msk(2026, 3, 11, 15, 0)
    )
    Task.objects.create(
        deal=deal_a, assignee=manager_b, text="Звонок Бориса", due_at=msk(2026, 3, 12, 15, 0)
    )
    url = reverse("deals:task_calendar")
    mine = client_head.get(url, {"date": "2026-03-10"})
    assert mine.status_code == 200 and "Звонок Анны" not in mine.text
    team = client_head.get(url, {"date": "2026-03-10", "scope": "team"}).text
    assert "Звонок Анны" in team and "Звонок Бориса" in team
    one = client_head.get(
        url, {"date": "2026-03-10", "scope": "team", "manager": manager_b.pk}
    ).text
    assert "Звонок Бориса" in one and "Звонок Анны" not in one


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_calendar_queries_do_not_grow(
    view, client_head, deal_a, manager_a, manager_b, django_assert_num_queries
):
    url = reverse("deals:task_calendar")
    params = {"view": view, "date": "2026-03-10", "scope": "team"}
    Task.objects.create(deal=deal_a, assignee=manager_a, text="Один", due_at=msk(2026, 3, 11, 9))
    with CaptureQueriesContext(connection) as few:
        first = client_head.get(url, params)
    assert first.status_code == 200
    Task.objects.bulk_create(
        Task(
            deal=deal_a,
            assignee=manager_b if i % 2 else manager_a,
            text=f"Задача {i}",
            due_at=msk(2026, 3, 9 + i % 7, 9) + timedelta(minutes=i),
        )
        for i in range(60)
    )
    with django_assert_num_queries(len(few)):
        response = client_head.get(url, params)
    assert response.status_code == 200
    if view == "month":
        assert "ещё " in response.text


def test_the_edit_page_queries_do_not_grow(
    client_a, deal_a, task_a, manager_a, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as few:
        first = client_a.get(edit_url(task_a))
    assert first.status_code == 200
    _tasks(deal_a, manager_a, 30, 5)
    with django_assert_num_queries(len(few)):
        response = client_a.get(edit_url(task_a))
    assert response.status_code == 200


def test_my_tasks_shows_typed_markup_as_text_and_each_rows_links(
    client_a, manager_a, manager_b, make_deal, future
):
    deal = make_deal(manager_a, title="<b>Сайт</b> & Co")
    task = Task.objects.create(
        deal=deal, assignee=manager_a, author=manager_b, text="<script>x()</script>", due_at=future
    )
    response = client_a.get(reverse("deals:my_tasks"))
    assert response.status_code == 200
    assert (
        "&lt;script&gt;x()&lt;/script&gt;" in response.text and "<script>x()" not in response.text
    )
    assert "&lt;b&gt;Сайт&lt;/b&gt; &amp; Co" in response.text
    my = reverse("deals:my_tasks")
    assert (
        f'href="{reverse("deals:task_edit", args=[deal.pk, task.pk])}?next={my}"' in response.text
    )
    assert f'href="{reverse("deals:detail", args=[deal.pk])}"' in response.text
    assert f"от {manager_b}" in response.text
    assert timezone.localtime(future).strftime("%d.%m.%Y %H:%M") in response.text

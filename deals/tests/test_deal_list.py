"""The deal list as its users see it: open deals by default, totals for the filter, sortable
headers that page, the next task's due, CSV and XLSX exports with the list's visibility, the
«Ответственный» filter, and the head of sales' bulk actions."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contacts.models import Contact
from crm.models import User
from deals import services
from deals.listing import SORT_COLUMNS
from deals.models import Deal, DealEvent, LossReason, Stage, StageChange, Task

LIST = reverse("deals:list")
BULK = reverse("deals:bulk")


def export(client, fmt, params=None):
    return client.get(reverse("deals:export", args=[fmt]), params or {})


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response.streaming
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def titles_in(html: str) -> list[str]:
    return re.findall(r'<td class="deal-title"><a href="/deals/\d+/">([^<]+)</a>', html)


def stage_of(kind):
    return Stage.objects.filter(kind=kind).first()


@pytest.fixture
def two_desks(make_deal, manager_a, manager_b, head, future):
    """Anna's two deals and Boris' one; one of Anna's has a contact with a phone."""
    mine = make_deal(manager_a, title="Сайт пекарни", budget=Decimal("100000.50"))
    mine2 = make_deal(manager_a, title="Лендинг автосервиса", budget=Decimal("20000"))
    theirs = make_deal(manager_b, title="Портал Бориса", budget=Decimal("999999"))
    services.contact_save(
        contact=Contact(name="Пётр"), phones=["+79161234567"], emails=[], deal=mine
    )
    return mine, mine2, theirs


# Who sees what: the list, its totals, its exports


def test_a_manager_sees_only_own_deals_in_the_list_the_totals_and_the_exports(client_a, two_desks):
    mine, mine2, theirs = two_desks
    response = client_a.get(LIST)
    assert response.status_code == 200
    assert set(titles_in(response.text)) == {mine.title, mine2.title}
    assert "2 сделки на сумму 120\xa0000,50 ₽" in response.text
    rows = csv_rows(export(client_a, "csv"))
    assert rows[0][:2] == ["№", "Сделка"]
    assert sorted(r[1] for r in rows[1:]) == sorted([mine.title, mine2.title])
    sheet = xlsx_rows(export(client_a, "xlsx"))
    assert sorted(r[1] for r in sheet[1:]) == sorted([mine.title, mine2.title])
    assert theirs.title not in str(rows) + str(sheet)


def test_the_head_sees_every_deal_and_the_sum_of_all(client_head, two_desks):
    response = client_head.get(LIST)
    assert response.status_code == 200
    assert len(titles_in(response.text)) == 3
    assert "3 сделки на сумму 1\xa0119\xa0999,50 ₽" in response.text
    assert len(csv_rows(export(client_head, "csv"))) == 4


def test_another_managers_deal_never_reaches_an_export_whatever_the_filter(
    client_b, two_desks, manager_a
):
    mine, mine2, theirs = two_desks
    for params in ({}, {"manager": manager_a.pk}, {"q": "Сайт"}, {"status": "all"}):
        for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
            found = {row[1] for row in read(export(client_b, fmt, params))[1:]}
            assert mine.title not in found and mine2.title not in found, (fmt, params)


def test_the_export_follows_the_filter_and_the_sort(client_a, two_desks):
    mine, mine2, _ = two_desks
    rows = csv_rows(export(client_a, "csv", {"sort": "budget"}))
    assert [r[1] for r in rows[1:]] == [mine2.title, mine.title]
    assert rows[2][5] == "100000,50"
    assert rows[2][9] == "+7 916 123-45-67"
    only = csv_rows(export(client_a, "csv", {"q": "пекарни"}))
    assert [r[1] for r in only[1:]] == [mine.title]
    sheet = xlsx_rows(export(client_a, "xlsx", {"sort": "-budget"}))
    assert sheet[1][1] == mine.title and sheet[1][5] == pytest.approx(100000.5)
    assert sheet[1][10].date() == timezone.localdate(mine.created_at)


def test_an_export_with_a_wrong_filter_returns_to_the_list_and_an_unknown_type_is_404(
    client_a, two_desks
):
    response = export(client_a, "csv", {"date_from": "2026-05-10", "date_to": "2026-05-01"})
    assert response.status_code == 302
    assert response["Location"].startswith(LIST + "?")
    assert client_a.get(reverse("deals:export", args=["pdf"])).status_code == 404


@pytest.mark.parametrize(
    "title",
    ["=cmd|' /C calc'!A0", "+SUM(1;2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A2)"],
)
def test_text_a_spreadsheet_would_run_is_written_as_text(client_a, make_deal, manager_a, title):
    deal = make_deal(manager_a, title=title)
    services.contact_save(
        contact=Contact(name='=HYPERLINK("http://evil.example")'),
        phones=["+79161234567"],
        emails=[],
        deal=deal,
    )
    row = csv_rows(export(client_a, "csv"))[1]
    assert row[1] == "'" + title
    assert row[8] == '\'=HYPERLINK("http://evil.example")'
    assert row[9] == "+7 916 123-45-67"  # a phone is figures, not a formula
    cells = xlsx_rows(export(client_a, "xlsx"))[1]
    assert cells[1] == "'" + title
    assert cells[8].startswith("'=")


# What the list shows


def test_the_list_opens_on_open_deals_and_won_and_lost_are_one_click_away(
    client_a, make_deal, manager_a
):
    open_deal = make_deal(manager_a, title="Открытая")
    won = make_deal(manager_a, title="Выигранная")
    lost = make_deal(manager_a, title="Проигранная")
    services.deal_move(deal=won, stage=stage_of(Stage.Kind.WON), by=manager_a)
    reason = LossReason.objects.first()
    services.deal_move(
        deal=lost,
        stage=stage_of(Stage.Kind.LOST),
        by=manager_a,
        loss_reason=reason,
        comment="Дорого",
    )
    page = client_a.get(LIST).text
    assert titles_in(page) == [open_deal.title]
    links = dict(re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', page))
    by_label = {label: url.replace("&amp;", "&") for url, label in links.items()}
    assert titles_in(client_a.get(LIST + by_label["Успешные"]).text) == [won.title]
    assert titles_in(client_a.get(LIST + by_label["Проигранные"]).text) == [lost.title]
    assert len(titles_in(client_a.get(LIST + by_label["Все"]).text)) == 3
    # A closed stage picked by its own filter (the board's «все в списке…») shows its deals.
    won_stage = stage_of(Stage.Kind.WON).pk
    assert titles_in(client_a.get(LIST, {"stage": won_stage}).text) == [won.title]
    assert titles_in(client_a.get(LIST, {"loss_reason": reason.pk}).text) == [lost.title]


def test_the_next_task_column_shows_the_earliest_open_task(client_a, make_deal, manager_a):
    deal = make_deal(manager_a, title="С задачами")
    idle = make_deal(manager_a, title="Без задач")
    soon = timezone.now() + timedelta(days=1)
    for due in (soon + timedelta(days=3), soon):
        services.task_create(
            deal=deal, author=manager_a, assignee=manager_a, kind="call", text="t", due_at=due
        )
    done = Task.objects.create(
        deal=idle, assignee=manager_a, text="Было", due_at=soon - timedelta(days=5)
    )
    done.done_at = timezone.now()
    done.save()
    page = client_a.get(LIST).text
    assert f"{timezone.localtime(soon):%d.%m.%Y %H:%M}" in page
    row = re.search(r"Без задач</a>.*?</tr>", page, re.S).group(0)
    assert "нет задачи" in row


def test_a_phone_in_the_list_never_breaks_across_lines(client_a, two_desks):
    page = client_a.get(LIST).text
    assert '<span class="text-nowrap">+7 916 123-45-67</span>' in page


def test_the_manager_filter_offers_only_people_who_can_own_deals(
    client_head, manager_a, manager_b, head, stages
):
    User.objects.create_superuser("admin", "admin@example.ru", "admin", first_name="Админ")
    User.objects.create_user("gone", password="x", first_name="Уволенный", is_active=False)
    page = client_head.get(LIST).text
    select = re.search(r'<select name="manager".*?</select>', page, re.S).group(0)
    offered = set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select))
    assert offered == {"Анна", "Борис", "Ольга"}


def test_every_filter_label_is_tied_to_its_field(client_a, stages):
    page = client_a.get(LIST).text
    bar = re.search(r'<form method="get" class="deal-filters.*?</form>', page, re.S).group(0)
    ids = set(re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', bar))
    tied = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', bar))
    visible = {i for i in ids if i not in {"id_status", "id_sort"}}
    assert visible == tied
    assert len(tied) == 8
    assert 'class="form-select"' in bar


def test_totals_come_from_one_aggregate_query_and_the_list_stays_flat(
    client_a, make_deal, manager_a, future, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            deal = make_deal(manager_a, title=f"Сделка {i}", budget=Decimal("10"))
            services.task_create(
                deal=deal,
                author=manager_a,
                assignee=manager_a,
                kind="call",
                text="t",
                due_at=future,
            )
            services.contact_save(
                contact=Contact(name=f"К{i}"), phones=["+79160000000"], emails=[], deal=deal
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        first = client_a.get(LIST)
    assert first.status_code == 200
    assert "2 сделки на сумму 20,00 ₽" in first.text
    aggregates = [q["sql"] for q in few if "SUM(" in q["sql"].upper()]
    assert len(aggregates) == 1 and "COUNT(" in aggregates[0].upper()
    add(60)
    with django_assert_num_queries(len(few)):
        response = client_a.get(LIST)
    assert response.status_code == 200
    assert "62 сделки на сумму 620,00 ₽" in response.text
    assert len(titles_in(response.text)) == 50


# Sorting by each header, page after page


@pytest.fixture
def many(manager_a, manager_b, head, stages, future):
    """95 deals of the head's view with ties on every sorted value."""
    now = timezone.now()
    open_stages = [s for s in stages if s.is_open]
    deals = Deal.objects.bulk_create(
        Deal(
            title=f"Сделка {i % 9:02d}-{i:03d}",
            manager=(manager_a, manager_b, head)[i % 3],
            stage=open_stages[i % len(open_stages)],
            budget=Decimal(i % 5 * 1000),
            created_at=now - timedelta(minutes=i // 4),
        )
        for i in range(95)
    )
    Task.objects.bulk_create(
        Task(deal=d, assignee=d.manager, text="t", due_at=future + timedelta(hours=i % 4))
        for i, d in enumerate(deals)
        if i % 2
    )
    return deals


PAGE_LINK = r'class="page-link" href="\?[^"]*{}=([A-Za-z0-9_-]+)"'


def _walk(client, sort):
    seen, pages, params = [], [], {"sort": sort}
    for _ in range(5):
        html = client.get(LIST, params).text
        page = re.findall(r"Сделка \d\d-\d{3}", html)
        pages.append(page)
        seen += page
        after = re.search(PAGE_LINK.format("after"), html)
        if not after:
            return seen, pages, html
        params = {"sort": sort, "after": after.group(1)}
    raise AssertionError(f"{sort}: the pages never end")


def _expected(sort: str) -> list[str]:
    from deals import listing

    order, _ = listing.sort_order(sort)
    rows = listing.sortable(Deal.objects.open(), sort).order_by(*order)
    return [deal.title for deal in rows]


@pytest.mark.parametrize("sort", [f"{d}{key}" for key in SORT_COLUMNS for d in ("", "-")])
def test_each_header_sorts_and_pages_every_deal_once(client_head, many, sort):
    seen, pages, html = _walk(client_head, sort)
    assert [len(p) for p in pages] == [50, 45]
    assert seen == _expected(sort)
    back = re.search(PAGE_LINK.format("before"), html).group(1)
    again = client_head.get(LIST, {"sort": sort, "before": back}).text
    assert re.findall(r"Сделка \d\d-\d{3}", again) == pages[0]


def test_the_budget_header_sorts_by_budget_and_turns_on_a_second_click(client_head, many):
    html = client_head.get(LIST).text
    budget = re.search(
        r'<th scope="col" class="text-end"><a class="sort-link" href="([^"]+)"', html
    )
    url = budget.group(1).replace("&amp;", "&")
    assert "sort=-budget" in url
    first = client_head.get(LIST + url).text
    assert 'aria-sort="descending"' in first
    turned = re.search(r'aria-sort="descending"><a class="sort-link" href="([^"]+)"', first)
    assert "sort=budget" in turned.group(1)
    amounts = [
        int(a.split(",")[0].replace("\xa0", ""))
        for a in re.findall(r'text-end text-nowrap">([^<]+)</td>', first)
    ]
    assert len(amounts) == 50 and amounts == sorted(amounts, reverse=True)
    assert amounts[0] == 4000


# Bulk actions of the head of sales


def picked(deals, action, **fields):
    return {"deals": [d.pk for d in deals], "action": action, **fields}


def test_the_head_hands_deals_over_and_each_timeline_says_so(
    client_head, two_desks, head, manager_b
):
    mine, mine2, theirs = two_desks
    response = client_head.post(
        BULK + "?status=all",
        picked([mine, mine2, theirs], "reassign", **{"reassign-manager": manager_b.pk}),
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == LIST + "?status=all"
    assert "Новый ответственный — Борис: 2 сделки." in response.text
    assert f"Без изменений (уже у Бориса): №{theirs.pk}." in response.text
    for deal in (mine, mine2):
        deal.refresh_from_db()
        assert deal.manager == manager_b
        event = deal.events.get(kind="manager")
        assert event.actor == head and event.text == "Ответственный: Анна → Борис"
    assert not theirs.events.filter(kind="manager").exists()


def test_the_head_moves_deals_to_a_stage_through_the_stage_service(client_head, two_desks, head):
    mine, mine2, _ = two_desks
    target = Stage.objects.filter(kind=Stage.Kind.OPEN)[2]
    response = client_head.post(BULK, picked([mine, mine2], "move", **{"move-stage": target.pk}))
    assert response.status_code == 302
    for deal in (mine, mine2):
        deal.refresh_from_db()
        assert deal.stage == target
        assert StageChange.objects.filter(deal=deal, to_stage=target, by=head).exists()
        assert deal.events.filter(kind="stage", actor=head, text__contains=target.name).exists()


def test_losing_deals_in_bulk_needs_the_reason_and_the_comment_once(client_head, two_desks):
    mine, mine2, _ = two_desks
    lost = stage_of(Stage.Kind.LOST)
    response = client_head.post(BULK, picked([mine, mine2], "move", **{"move-stage": lost.pk}))
    assert response.status_code == 400
    assert "Укажите причину отказа." in response.text
    assert "Опишите, почему сделка проиграна." in response.text
    assert response.text.count(f'value="{mine.pk}" id="pick-{mine.pk}" checked') == 1
    assert not Deal.objects.filter(stage=lost).exists()
    reason = LossReason.objects.first()
    client_head.post(
        BULK,
        picked(
            [mine, mine2],
            "move",
            **{"move-stage": lost.pk, "move-loss_reason": reason.pk, "move-comment": "Дорого"},
        ),
    )
    assert Deal.objects.filter(stage=lost, loss_reason=reason).count() == 2
    assert mine.comments.get().text == "Дорого"


def test_a_deal_the_stage_service_refuses_is_named_and_the_others_move(
    client_head, two_desks, monkeypatch
):
    mine, mine2, theirs = two_desks
    target = Stage.objects.filter(kind=Stage.Kind.OPEN)[1]
    real_move = services.deal_move

    def refuse_one(*, deal, **kwargs):
        if deal.pk == mine2.pk:
            raise ValidationError({"stage": "Сначала выставьте счёт."})
        return real_move(deal=deal, **kwargs)

    monkeypatch.setattr(services, "deal_move", refuse_one)
    response = client_head.post(
        BULK, picked([mine, mine2, theirs], "move", **{"move-stage": target.pk}), follow=True
    )
    assert "Переведено на этап" in response.text and "2 сделки" in response.text
    assert (
        f"Сделка №{mine2.pk} «{mine2.title}» не изменена: Сначала выставьте счёт." in response.text
    )
    assert set(Deal.objects.filter(stage=target)) == {mine, theirs}
    assert not mine2.events.filter(kind="stage").exclude(text__startswith="Сделка создана").exists()


def test_the_head_sets_a_task_on_each_deal_for_its_manager(
    client_head, two_desks, head, manager_a, manager_b
):
    mine, _, theirs = two_desks
    due = timezone.localtime() + timedelta(days=1)
    response = client_head.post(
        BULK,
        picked(
            [mine, theirs],
            "task",
            **{
                "task-text": "Позвонить по акции",
                "task-kind": "call",
                "task-due_at": due.strftime("%Y-%m-%dT%H:%M"),
            },
        ),
    )
    assert response.status_code == 302
    assert mine.tasks.get(text="Позвонить по акции").assignee == manager_a
    assert theirs.tasks.get(text="Позвонить по акции").assignee == manager_b
    for deal in (mine, theirs):
        event = deal.events.get(kind="task", text__contains="Позвонить по акции")
        assert event.actor == head


def test_a_bulk_action_without_deals_or_with_a_bad_task_says_why_and_keeps_the_input(
    client_head, two_desks
):
    mine, _, _ = two_desks
    response = client_head.post(BULK, {"action": "task", "task-text": "Позвонить"})
    assert response.status_code == 400
    assert "Отметьте в списке сделки, с которыми это сделать." in response.text
    response = client_head.post(
        BULK, picked([mine], "task", **{"task-text": "Позвонить", "task-due_at": "вчера"})
    )
    assert response.status_code == 400
    assert "Введите дату и время срока" in response.text
    assert 'value="Позвонить"' in response.text
    assert not Task.objects.filter(text="Позвонить").exists()


@pytest.mark.parametrize("action", ["reassign", "move", "task"])
def test_a_manager_gets_403_for_bulk_actions_and_nothing_changes(
    client_a, two_desks, manager_a, action
):
    mine, mine2, theirs = two_desks
    events = DealEvent.objects.count()
    data = picked(
        [mine, mine2, theirs],
        action,
        **{
            "reassign-manager": manager_a.pk,
            "move-stage": Stage.objects.filter(kind=Stage.Kind.OPEN)[1].pk,
            "task-text": "Чужая задача",
            "task-kind": "call",
            "task-due_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert client_a.post(BULK, data).status_code == 403
    assert DealEvent.objects.count() == events
    theirs.refresh_from_db()
    assert theirs.manager != manager_a
    assert not Task.objects.filter(text="Чужая задача").exists()
    assert "deal-bulk" not in client_a.get(LIST).text


def test_the_bulk_panel_loads_its_fields_when_opened(client_head, client_a, two_desks):
    page = client_head.get(LIST, {"status": "all"}).text
    assert 'hx-get="/deals/bulk/?status=all"' in page
    assert 'id="deal-bulk"' not in page  # the list itself stays light
    panel = client_head.get(BULK, {"status": "all"}, headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert '<form id="deal-bulk" method="post" action="/deals/bulk/?status=all"' in panel.text
    assert 'name="reassign-manager"' in panel.text and "<html" not in panel.text
    # Without JavaScript the link opens the list with the panel in it.
    full = client_head.get(BULK, {"status": "all"})
    assert full.status_code == 200
    assert 'id="deal-bulk"' in full.text and len(titles_in(full.text)) == 3
    assert client_a.get(BULK, headers={"HX-Request": "true"}).status_code == 403


def test_a_deal_numbered_past_a_thousand_is_ticked_by_its_plain_number(
    client_head, manager_a, manager_b, stages
):
    # The page writes numbers with a thousands separator («4 321»); a box's value must not.
    deal = Deal.objects.create(
        pk=4321, title="Большая сделка", manager=manager_a, stage=Stage.first_open()
    )
    page = client_head.get(LIST).text
    assert 'name="deals" value="4321" id="pick-4321"' in page
    response = client_head.post(
        BULK, {"deals": ["4321"], "action": "reassign", "reassign-manager": manager_b.pk}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.manager == manager_b

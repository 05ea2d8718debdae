"""The deals board through the client: compact cards, moves answered with the two columns,
who may move what, the loss dialog, the invoice warning, the filters, closed columns and
the column totals the database keeps."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals import services
from deals.models import Deal, DealEvent, LossReason, Stage, StageChange, StageTotal

BOARD = reverse("deals:board")
HTMX = {"HTTP_HX_REQUEST": "true"}


def stage(kind=Stage.Kind.OPEN, index=0):
    return list(Stage.objects.filter(kind=kind))[index]


def move(client, deal, to, **data):
    return client.post(
        reverse("deals:board_move", args=[deal.pk]),
        {"stage": to.pk, "from_stage": deal.stage_id, **data},
        **HTMX,
    )


def card_ids(html, stage_pk):
    """The deal ids of the cards in a column of the page."""
    column = html.split(f'id="column-{stage_pk}"', 1)[1].split("</section>", 1)[0]
    return [int(x) for x in re.findall(r'data-deal="(\d+)"', column)]


def issue_invoice(deal, status="sent", number=7):
    from billing.models import Invoice

    return Invoice.objects.create(
        deal=deal,
        status=status,
        number=number,
        year=timezone.localdate().year,
        date=timezone.localdate(),
        due_date=timezone.localdate() + datetime.timedelta(days=5),
        total=Decimal("50000"),
        paid_amount=Decimal("50000") if status == "paid" else Decimal("0"),
        vat_mode="none",
    )


# The page


def test_a_card_is_compact_and_the_stage_menu_is_rendered_once(
    client_a, make_deal, manager_a, future, stages
):
    from contacts.models import Client

    client = Client.objects.create(kind="legal", name="ООО «Ромашка»", created_by=manager_a)
    busy = make_deal(manager_a, title="Сайт для автосервиса", budget=Decimal("150000"))
    busy.client = client
    busy.save()
    services.task_create(
        deal=busy, author=manager_a, assignee=manager_a, kind="call", text="Звонок", due_at=future
    )
    make_deal(manager_a, title="Лендинг без задачи")
    response = client_a.get(BOARD)
    assert response.status_code == 200
    html = response.text
    card = html.split(f'id="deal-{busy.pk}"', 1)[1].split("</article>", 1)[0]
    assert "Сайт для автосервиса" in card
    assert "ООО «Ромашка»" in card
    assert "150\xa0000\xa0₽" in card
    assert timezone.localtime(future).strftime("%d.%m %H:%M") in card
    assert "нет задачи" in html.split("Лендинг без задачи", 1)[1].split("</article>", 1)[0]
    # No form or stage list per card: one menu for the page.
    assert html.count('role="menuitem"') == len(stages)
    assert '<select name="stage"' not in html
    assert card.count("<form") == 0


def test_ids_and_links_are_plain_numbers_whatever_the_thousands(client_head, manager_a, stages):
    deal = Deal.objects.create(
        pk=12345, title="Большой номер", manager=manager_a, stage=stage(), budget=Decimal("1")
    )
    html = client_head.get(BOARD).text
    assert f'id="deal-{deal.pk}"' in html and 'href="/deals/12345/"' in html
    assert "12\xa0345" not in html and "12 345" not in html
    assert f'id="column-{stage().pk}"' in html


def test_won_and_lost_columns_show_count_and_sum_and_open_on_request(
    client_a, make_deal, manager_a, stages
):
    won, lost = stage(Stage.Kind.WON), stage(Stage.Kind.LOST)
    deal = make_deal(manager_a, title="Закрытая успешно", budget=Decimal("2500000"))
    services.deal_move(deal=deal, stage=won, by=manager_a)
    html = client_a.get(BOARD).text
    column = html.split(f'id="column-{won.pk}"', 1)[1].split("</section>", 1)[0]
    assert "Закрытая успешно" not in column
    assert ">1</span>" in column and "2,5\xa0млн\xa0₽" in column
    assert "Показать сделки" in column
    assert f'id="column-{lost.pk}"' in html
    opened = client_a.get(BOARD, {"column": won.pk}, **HTMX)
    assert opened.status_code == 200
    assert "Закрытая успешно" in opened.text and "Свернуть" in opened.text
    assert opened.text.lstrip().count("<section") == 1
    closed = client_a.get(BOARD, {"column": won.pk, "collapse": "1"}, **HTMX)
    assert "Закрытая успешно" not in closed.text and "Показать сделки" in closed.text


def test_filters_by_manager_source_and_without_a_task(
    client_head, make_deal, manager_a, manager_b, future
):
    first = stage()
    phone = make_deal(manager_a, title="Звонок Анны", source="phone")
    site = make_deal(manager_a, title="Сайт Анны", source="website")
    other = make_deal(manager_b, title="Звонок Бориса", source="phone")
    services.task_create(
        deal=phone, author=manager_a, assignee=manager_a, kind="call", text="Звонок", due_at=future
    )

    def shown(**params):
        response = client_head.get(BOARD, params)
        assert response.status_code == 200
        return set(card_ids(response.text, first.pk)), response.text

    assert shown()[0] == {phone.pk, site.pk, other.pk}
    ids, html = shown(manager=manager_a.pk)
    assert ids == {phone.pk, site.pk}
    assert re.search(rf'id="column-{first.pk}".*?>2</span>', html, re.S)
    assert shown(source="website")[0] == {site.pk}
    ids, html = shown(no_task="on")
    assert ids == {site.pk, other.pk}
    assert re.search(rf'id="column-{first.pk}".*?>2</span>', html, re.S)
    assert shown(manager=manager_a.pk, no_task="on")[0] == {site.pk}
    # A move from a filtered board keeps the filter in the columns it answers.
    response = client_head.post(
        reverse("deals:board_move", args=[site.pk]) + f"?manager={manager_a.pk}",
        {"stage": stage(index=1).pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Звонок Бориса" not in response.text and "Звонок Анны" in response.text


# Moves


def test_a_move_answers_the_two_columns_out_of_band(client_a, deal_a, manager_a):
    first, second = stage(), stage(index=1)
    response = move(client_a, deal_a, second)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    html = response.text
    sections = re.findall(r'<section[^>]*id="column-(\d+)"[^>]*hx-swap-oob="true"', html)
    assert sorted(map(int, sections)) == sorted([first.pk, second.pk])
    assert card_ids(html, second.pk) == [deal_a.pk]
    assert card_ids(html, first.pk) == []
    assert 'id="board-status"' in html and f"этап «{second}»" in html
    deal_a.refresh_from_db()
    assert deal_a.stage == second
    # The same history and timeline as the card's stage form.
    assert StageChange.objects.filter(deal=deal_a, from_stage=first, to_stage=second).exists()
    assert DealEvent.objects.filter(deal=deal_a, text=f"Этап: «{first}» → «{second}»").exists()


def test_another_manager_gets_404_and_nothing_changes(client_b, deal_a):
    response = move(client_b, deal_a, stage(index=1))
    assert response.status_code == 404
    deal_a.refresh_from_db()
    assert deal_a.stage == stage()
    assert StageChange.objects.filter(deal=deal_a).count() == 1


def test_a_task_holder_gets_403_with_the_reason_and_nothing_changes(
    client_b, deal_a, manager_a, manager_b, future
):
    services.task_create(
        deal=deal_a, author=manager_a, assignee=manager_b, kind="call", text="Звонок", due_at=future
    )
    assert deal_a.title in client_b.get(BOARD).text
    response = move(client_b, deal_a, stage(index=1))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert "только задача" in response.text
    deal_a.refresh_from_db()
    assert deal_a.stage == stage()


def test_the_head_moves_any_deal(client_head, deal_a):
    response = move(client_head, deal_a, stage(index=2))
    assert response.status_code == 200
    deal_a.refresh_from_db()
    assert deal_a.stage == stage(index=2)


def test_an_unknown_stage_is_refused_with_the_reason(client_a, deal_a):
    response = client_a.post(
        reverse("deals:board_move", args=[deal_a.pk]), {"stage": "999999"}, **HTMX
    )
    assert response.status_code == 422
    assert "Такого этапа нет" in response.text


# Losing


def test_the_loss_dialog_shows_no_errors_until_submitted_then_keeps_the_input(client_a, deal_a):
    lost = stage(Stage.Kind.LOST)
    page = client_a.get(BOARD).text
    dialog = page.split('id="loss-dialog"', 1)[1].split("</dialog>", 1)[0]
    assert 'name="loss_reason"' in dialog and 'name="comment"' in dialog
    assert "Укажите причину отказа." not in page and "is-invalid" not in dialog

    response = move(client_a, deal_a, lost, comment="Заказали у фрилансера")
    assert response.status_code == 400
    assert "Укажите причину отказа." in response.text
    assert "Опишите, почему" not in response.text
    assert "Заказали у фрилансера" in response.text
    reason = LossReason.objects.filter(active=True).first()
    response = move(client_a, deal_a, lost, loss_reason=reason.pk)
    assert response.status_code == 400
    assert "Опишите, почему сделка проиграна." in response.text
    assert re.search(rf'<option value="{reason.pk}" selected>', response.text)
    deal_a.refresh_from_db()
    assert deal_a.stage == stage()

    response = move(client_a, deal_a, lost, loss_reason=reason.pk, comment="Дорого")
    assert response.status_code == 200
    deal_a.refresh_from_db()
    assert deal_a.stage == lost and deal_a.loss_reason == reason
    assert DealEvent.objects.filter(deal=deal_a, text__contains=f"Причина: {reason}").exists()
    assert deal_a.comments.filter(text="Дорого").exists()


# Invoices


def test_a_deal_with_an_issued_invoice_warns_before_it_is_lost(client_a, deal_a):
    issue_invoice(deal_a)
    lost = stage(Stage.Kind.LOST)
    reason = LossReason.objects.filter(active=True).first()
    card = client_a.get(BOARD).text.split(f'id="deal-{deal_a.pk}"', 1)[1].split("</article>")[0]
    assert "счёт выставлен" in card
    assert 'data-warning="По сделке выставлен счёт № 7' in card

    data = {"loss_reason": reason.pk, "comment": "Передумали"}
    response = move(client_a, deal_a, lost, **data)
    assert response.status_code == 409
    assert "выставлен счёт № 7" in response.text and "аннулируйте" in response.text
    deal_a.refresh_from_db()
    assert deal_a.stage == stage()

    response = move(client_a, deal_a, lost, confirmed="1", **data)
    assert response.status_code == 200
    deal_a.refresh_from_db()
    assert deal_a.stage == lost


def test_a_paid_deal_warns_when_sent_back_but_not_when_moved_on(client_a, deal_a, manager_a):
    services.deal_move(deal=deal_a, stage=stage(index=2), by=manager_a)
    issue_invoice(deal_a, status="paid")
    assert "оплачен" in client_a.get(BOARD).text
    assert move(client_a, deal_a, stage(index=3)).status_code == 200
    back = move(client_a, Deal.objects.get(pk=deal_a.pk), stage(index=1))
    assert back.status_code == 409
    assert "деньги клиента уже получены" in back.text
    deal_a.refresh_from_db()
    assert deal_a.stage == stage(index=3)


def test_a_draft_or_annulled_invoice_does_not_warn(client_a, deal_a):
    issue_invoice(deal_a, status="annulled")
    lost = stage(Stage.Kind.LOST)
    reason = LossReason.objects.filter(active=True).first()
    response = move(client_a, deal_a, lost, loss_reason=reason.pk, comment="Нет бюджета")
    assert response.status_code == 200


# Totals and queries


def _direct_totals(user):
    rows = (
        Deal.objects.visible_to(user)
        .order_by()
        .values("stage_id")
        .annotate(n=Count("pk"), total=Sum("budget"))
    )
    return {r["stage_id"]: (r["n"], r["total"]) for r in rows if r["n"]}


def test_column_totals_follow_every_change_of_the_deals(
    make_deal, manager_a, manager_b, head, future
):
    from deals.board import _totals

    deals = [make_deal(manager_a, budget=Decimal(1000 * i)) for i in range(1, 6)]
    theirs = make_deal(manager_b, budget=Decimal("777.50"))
    services.task_create(
        deal=theirs, author=manager_b, assignee=manager_a, kind="call", text="Помочь", due_at=future
    )
    services.deal_move(deal=deals[0], stage=stage(index=2), by=manager_a)
    services.deal_set_budget(deal=deals[1], by=manager_a, amount=Decimal("99999.99"))
    services.deal_reassign(deal=deals[2], by=manager_a, manager=manager_b)
    Deal.objects.filter(pk=deals[3].pk).update(source="website", budget=Decimal("1.01"))
    Deal.objects.filter(pk__in=[deals[4].pk]).update(stage=stage(Stage.Kind.WON))
    Deal.objects.filter(pk=deals[4].pk).delete()
    stage_ids = [s.pk for s in Stage.objects.all()]
    for user in (manager_a, manager_b, head):
        got = {
            k: (n, Decimal(t))
            for k, (n, t) in _totals(user, Deal.objects.visible_to(user), {}, stage_ids).items()
            if n
        }
        assert got == _direct_totals(user), user
    assert StageTotal.objects.filter(deals__lt=0).count() == 0


def test_the_board_reads_the_same_number_of_queries_for_5_and_50_deals(
    client_head, make_deal, manager_a, manager_b, future, django_assert_num_queries
):
    def fill(n, start):
        for i in range(start, start + n):
            deal = make_deal(manager_a if i % 2 else manager_b, title=f"Сделка {i}")
            if i % 3:
                services.task_create(
                    deal=deal,
                    author=manager_a,
                    assignee=manager_a,
                    kind="call",
                    text="Звонок",
                    due_at=future + datetime.timedelta(hours=i),
                )
            if i % 4 == 0:
                issue_invoice(deal, number=i)
            services.deal_move(deal=deal, stage=stage(index=i % 3), by=manager_a)

    fill(5, 0)
    with CaptureQueriesContext(connection) as few:
        first = client_head.get(BOARD)
    assert first.status_code == 200
    assert "Сделка 4" in first.text
    fill(45, 5)
    with django_assert_num_queries(len(few)):
        response = client_head.get(BOARD)
    assert response.status_code == 200
    assert "Сделка 49" in response.text


@pytest.mark.parametrize("persona", ["manager_a", "head"])
def test_a_move_reads_the_same_number_of_queries_for_5_and_50_deals(
    persona, request, make_deal, manager_a, django_assert_num_queries
):
    from django.test import Client

    user = request.getfixturevalue(persona)
    browser = Client()
    browser.force_login(user)
    deals = [make_deal(manager_a, title=f"Сделка {i}") for i in range(5)]
    with CaptureQueriesContext(connection) as few:
        assert move(browser, deals[0], stage(index=1)).status_code == 200
    deals += [make_deal(manager_a, title=f"Сделка {i}") for i in range(5, 50)]
    with django_assert_num_queries(len(few)):
        assert move(browser, deals[1], stage(index=1)).status_code == 200

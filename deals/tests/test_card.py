"""The deal card: the stage stepper, the key facts, the timeline's filters and pages, the
comments their author corrects or deletes for a while, and what the card costs in queries."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from deals import services, timeline
from deals.models import Comment, DealEvent, LossReason, Stage

HX = {"HX-Request": "true"}


def stage(kind=Stage.Kind.OPEN, index=0) -> Stage:
    return list(Stage.objects.filter(kind=kind))[index]


def task(deal, assignee, text="Позвонить", days=1):
    return services.task_create(
        deal=deal,
        author=deal.manager,
        assignee=assignee,
        kind="call",
        text=text,
        due_at=timezone.now() + timedelta(days=days),
    )


def stepper(html: str) -> str:
    return re.search(r'<nav class="stage-stepper.*?</nav>', html, re.S).group(0)


# The stepper


def test_the_stepper_shows_the_pipeline_with_the_current_stage(client_a, deal_a):
    response = client_a.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    steps = stepper(response.text)
    names = re.findall(r'class="stage-label"[^>]*>([^<]+)<', steps)
    assert names == [s.name for s in Stage.objects.filter(kind="open")] + [
        s.name for s in Stage.objects.filter(kind="won")
    ] + [s.name for s in Stage.objects.filter(kind="lost")]
    current = re.search(
        r'<li class="stage-step stage-current[^"]*" aria-current="step">\s*'
        r'<span class="stage-label">([^<]+)<',
        steps,
    )
    assert current.group(1) == deal_a.stage.name


def test_a_step_moves_the_deal_as_the_stage_form_did(client_a, deal_a, manager_a):
    target = stage(index=2)
    card = client_a.get(deal_a.get_absolute_url()).text
    assert f'name="stage" value="{target.pk}"' in stepper(card)
    response = client_a.post(reverse("deals:move", args=[deal_a.pk]), {"stage": target.pk})
    assert response.status_code == 302
    deal_a.refresh_from_db()
    assert deal_a.stage == target
    event = DealEvent.objects.filter(deal=deal_a, kind="stage").get()
    assert event.text == f"Этап: «{stage(index=0)}» → «{target}»"
    assert event.actor == manager_a
    steps = stepper(client_a.get(deal_a.get_absolute_url()).text)
    assert steps.count("stage-passed") == 2


def test_losing_from_the_stepper_asks_for_reason_and_comment(client_a, deal_a):
    lost = stage(Stage.Kind.LOST)
    reason = LossReason.objects.filter(active=True).first()
    move = reverse("deals:move", args=[deal_a.pk])
    assert f'href="{move}?stage={lost.pk}"' in stepper(client_a.get(deal_a.get_absolute_url()).text)
    form = client_a.get(f"{move}?stage={lost.pk}", headers=HX)
    assert form.status_code == 200
    assert 'name="loss_reason"' in form.text and 'name="comment"' in form.text
    assert f'name="stage" value="{lost.pk}"' in form.text

    refused = client_a.post(move, {"stage": lost.pk, "from": "card", "comment": "Дорого"})
    assert refused.status_code == 400
    assert "Укажите причину отказа." in refused.text
    assert "Дорого</textarea>" in refused.text  # what was typed is kept, on the card
    assert 'id="stage-stepper"' in refused.text
    deal_a.refresh_from_db()
    assert deal_a.stage.is_open

    done = client_a.post(
        move, {"stage": lost.pk, "from": "card", "loss_reason": reason.pk, "comment": "Дорого"}
    )
    assert done.status_code == 302
    deal_a.refresh_from_db()
    assert deal_a.stage == lost and deal_a.loss_reason == reason
    texts = list(DealEvent.objects.filter(deal=deal_a).values_list("text", flat=True))
    assert f"Сделка проиграна на этапе «{stage(index=0)}». Причина: {reason}" in texts
    assert "Дорого" in texts


def test_a_task_holder_sees_the_steps_but_no_step_moves(client_b, deal_a, manager_b):
    task(deal_a, manager_b)
    response = client_b.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    steps = stepper(response.text)
    assert "<form" not in steps and "<a " not in steps
    target = stage(index=1)
    assert (
        client_b.post(reverse("deals:move", args=[deal_a.pk]), {"stage": target.pk}).status_code
        == 403
    )


# Key facts


def test_the_key_facts_name_client_budget_next_task_and_contacts(client_a, deal_a, manager_a):
    from contacts.models import Client

    deal_a.client = Client.objects.create(kind="legal", name="ООО «Ромашка»", created_by=manager_a)
    deal_a.budget = Decimal("250000")
    deal_a.save()
    task(deal_a, manager_a, text="Отправить КП", days=3)
    task(deal_a, manager_a, text="Позвонить директору", days=1)
    services.contact_save(
        contact=Contact(name="Иван Петров"), phones=["+79161234567"], emails=[], deal=deal_a
    )
    response = client_a.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    facts = re.search(
        r'<div class="key-facts.*?</div>\s*</div>\s*</div>\s*</div>', response.text, re.S
    )
    facts = response.text[response.text.index('id="key-facts"') :]
    facts = facts[: facts.index('id="deal-panels"')]
    assert "ООО «Ромашка»" in facts
    assert "250\xa0000,00 ₽" in facts
    assert "Позвонить директору" in facts and "Отправить КП" not in facts
    assert "ещё 1" in facts
    assert "Иван Петров" in facts and 'href="tel:+79161234567"' in facts


def test_without_an_open_task_the_key_facts_ask_for_one(client_a, deal_a):
    response = client_a.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    assert 'id="no-task-warning"' in response.text


# Folded sections and their forms on demand


def test_the_sections_are_folding_panels_and_their_forms_come_on_demand(
    client_a, deal_a, manager_a
):
    response = client_a.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    panels = re.findall(
        r'<details class="card mb-3 deal-panel" id="[^"]+" data-panel="([^"]+)"', response.text
    )
    assert {"tasks", "contacts", "timeline", "client", "documents", "invoices"} <= set(panels)
    assert 'name="due_at"' not in response.text  # the task form is not rendered up front
    url = reverse("deals:task_create", args=[deal_a.pk])
    assert f'hx-get="{url}"' in response.text
    form = client_a.get(url, headers=HX)
    assert form.status_code == 200 and 'name="due_at"' in form.text
    page = client_a.get(url)
    assert page.status_code == 200 and "Новая задача" in page.text
    contact_url = reverse("deals:contact_create", args=[deal_a.pk])
    contact_form = client_a.get(contact_url, headers=HX)
    assert contact_form.status_code == 200 and 'name="phones_text"' in contact_form.text


def test_a_task_form_sent_back_with_errors_is_open_on_the_card(client_a, deal_a):
    response = client_a.post(reverse("deals:task_create", args=[deal_a.pk]), {"text": ""})
    assert response.status_code == 400
    assert re.search(r'<details class="mt-2 lazy-form" open>', response.text)
    assert 'name="due_at"' in response.text


def test_a_task_holder_gets_no_forms_of_the_folded_sections(client_b, deal_a, manager_b):
    task(deal_a, manager_b)
    for name in ("deals:task_create", "deals:contact_create"):
        response = client_b.get(reverse(name, args=[deal_a.pk]), headers=HX)
        assert response.status_code == 403, name


# The timeline: filters and pages


def _events_of_every_kind(deal, user):
    services.comment_add(deal=deal, author=user, text="Клиент просил перезвонить")
    task(deal, user, text="Перезвонить клиенту")
    services.deal_move(deal=deal, stage=stage(index=1), by=user)
    services.deal_set_budget(deal=deal, amount=Decimal("5000"), by=user, reason="вручную")
    services.timeline_add(deal=deal, kind="invoice.paid", text="Счёт № 7 оплачен", actor=user)
    services.timeline_add(deal=deal, kind="proposal.sent", text="КП № 3 отправлено", actor=user)
    services.timeline_add(deal=deal, kind="contact", text="Добавлено контактное лицо", actor=user)
    services.timeline_add(deal=deal, kind="email.received", text="Письмо от клиента: «Да»")


@pytest.mark.parametrize(
    "show, present, absent",
    [
        ("comments", ["Клиент просил перезвонить"], ["Перезвонить клиенту", "Счёт № 7"]),
        ("tasks", ["Перезвонить клиенту"], ["Клиент просил", "КП № 3"]),
        ("documents", ["КП № 3 отправлено"], ["Счёт № 7", "Клиент просил"]),
        (
            "money",
            ["Бюджет: 100\xa0000,00 → 5\xa0000,00 ₽", "Счёт № 7 оплачен"],
            ["КП № 3", "Этап:"],
        ),
        ("stages", ["Этап: «", "Сделка создана"], ["Бюджет:", "Клиент просил"]),
        ("mail", ["Письмо от клиента"], ["Клиент просил", "Счёт № 7", "Этап:"]),
        (
            "",
            ["Клиент просил", "Счёт № 7", "КП № 3", "Добавлено контактное лицо", "Письмо от"],
            [],
        ),
    ],
)
def test_the_timeline_shows_one_kind_at_a_time(client_a, deal_a, manager_a, show, present, absent):
    _events_of_every_kind(deal_a, manager_a)
    url = reverse("deals:timeline", args=[deal_a.pk])
    piece = client_a.get(url, {"show": show}, headers=HX)
    card = client_a.get(deal_a.get_absolute_url(), {"timeline": show})
    for response in (piece, card):
        assert response.status_code == 200
        feed = response.text[response.text.index('id="timeline-events"') :]
        for text in present:
            assert text in feed, (show, text)
        for text in absent:
            assert text not in feed, (show, text)
    if show:
        assert re.search(rf'data-filter="{show}" aria-current="true"', piece.text)


def test_the_timeline_comes_in_pages(client_a, deal_a, manager_a):
    for i in range(timeline.PAGE_SIZE + 5):
        services.comment_add(deal=deal_a, author=manager_a, text=f"Заметка {i:02d}")
    card = client_a.get(deal_a.get_absolute_url())
    assert card.status_code == 200
    assert f"Заметка {timeline.PAGE_SIZE + 4:02d}" in card.text
    assert "Заметка 04" not in card.text
    more = f"{reverse('deals:timeline', args=[deal_a.pk])}?show=&amp;offset={timeline.PAGE_SIZE}"
    assert more in card.text
    rest = client_a.get(
        reverse("deals:timeline", args=[deal_a.pk]), {"offset": timeline.PAGE_SIZE}, headers=HX
    )
    assert rest.status_code == 200
    assert "Заметка 04" in rest.text and "Заметка 00" in rest.text
    assert "Сделка создана" in rest.text and "Показать ещё" not in rest.text


def test_a_comment_keeps_the_filter_it_was_written_under(client_a, deal_a):
    response = client_a.post(
        reverse("deals:comment_create", args=[deal_a.pk]),
        {"text": "Только комментарии", "show": "comments"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Только комментарии" in response.text and "Сделка создана" not in response.text


# Comments: corrected or deleted by their author, for a while


@pytest.fixture
def comment_a(deal_a, manager_a):
    return services.comment_add(deal=deal_a, author=manager_a, text="Встреча во вторник")


def _edit(client, comment, text, **extra):
    url = reverse("deals:comment_edit", args=[comment.deal_id, comment.pk])
    return client.post(url, {"text": text}, **extra)


def _delete(client, comment, **extra):
    return client.post(reverse("deals:comment_delete", args=[comment.deal_id, comment.pk]), **extra)


def test_the_author_corrects_a_comment_and_the_timeline_says_so(client_a, deal_a, comment_a):
    card = client_a.get(deal_a.get_absolute_url()).text
    assert reverse("deals:comment_edit", args=[deal_a.pk, comment_a.pk]) in card
    form = client_a.get(reverse("deals:comment_edit", args=[deal_a.pk, comment_a.pk]), headers=HX)
    assert form.status_code == 200 and "Встреча во вторник</textarea>" in form.text
    response = _edit(client_a, comment_a, "Встреча в среду")
    assert response.status_code == 302
    comment_a.refresh_from_db()
    assert comment_a.text == "Встреча в среду" and comment_a.edited_at is not None
    feed = client_a.get(deal_a.get_absolute_url()).text
    assert "Встреча в среду" in feed and "Встреча во вторник" not in feed
    assert "изменён" in feed
    assert DealEvent.objects.get(comment=comment_a).text == "Встреча в среду"


def test_an_empty_correction_is_refused_with_the_text_kept(client_a, comment_a):
    response = _edit(client_a, comment_a, "   ", headers=HX)
    assert response.status_code == 400
    assert "Напишите текст комментария." in response.text
    comment_a.refresh_from_db()
    assert comment_a.text == "Встреча во вторник"


def test_the_author_deletes_a_comment_and_a_trace_stays(client_a, deal_a, comment_a, manager_a):
    response = _delete(client_a, comment_a, headers=HX)
    assert response.status_code == 200
    assert "Комментарий удалён" in response.text and str(manager_a) in response.text
    assert "Встреча во вторник" not in response.text
    comment_a.refresh_from_db()
    assert comment_a.is_deleted and comment_a.deleted_by == manager_a and comment_a.text == ""
    card = client_a.get(deal_a.get_absolute_url()).text
    trace = re.search(r'<div class="text-muted fst-italic comment-deleted">([^<]+)</div>', card)
    local = timezone.localtime(comment_a.deleted_at).strftime("%d.%m.%Y %H:%M")
    assert trace.group(1) == f"Комментарий удалён · {manager_a} · {local}"
    assert _edit(client_a, comment_a, "Снова").status_code == 404
    assert _delete(client_a, comment_a).status_code == 404


@pytest.mark.parametrize("minutes", [15, 5])
def test_after_the_window_the_buttons_are_gone_and_the_server_refuses(
    client_a, deal_a, comment_a, settings, minutes
):
    settings.COMMENT_EDIT_MINUTES = minutes
    Comment.objects.filter(pk=comment_a.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes, seconds=1)
    )
    card = client_a.get(deal_a.get_absolute_url())
    assert card.status_code == 200
    assert reverse("deals:comment_edit", args=[deal_a.pk, comment_a.pk]) not in card.text
    assert reverse("deals:comment_delete", args=[deal_a.pk, comment_a.pk]) not in card.text
    edit_url = reverse("deals:comment_edit", args=[deal_a.pk, comment_a.pk])
    assert client_a.get(edit_url).status_code == 403
    refused = _edit(client_a, comment_a, "Поздно")
    assert refused.status_code == 403
    assert f"{minutes} мин." in refused.text
    assert _delete(client_a, comment_a).status_code == 403
    comment_a.refresh_from_db()
    assert comment_a.text == "Встреча во вторник" and not comment_a.is_deleted


def test_within_the_window_the_author_still_may(client_a, comment_a, settings):
    settings.COMMENT_EDIT_MINUTES = 15
    Comment.objects.filter(pk=comment_a.pk).update(
        created_at=timezone.now() - timedelta(minutes=14)
    )
    assert _edit(client_a, comment_a, "Успел").status_code == 302


def test_nobody_else_corrects_or_deletes_a_comment(
    client_b, client_head, deal_a, comment_a, manager_b
):
    # Another manager does not see the deal at all.
    assert _edit(client_b, comment_a, "Чужое").status_code == 404
    assert _delete(client_b, comment_a).status_code == 404
    # The head of sales sees it, but the words are the author's.
    card = client_head.get(deal_a.get_absolute_url())
    assert card.status_code == 200
    assert reverse("deals:comment_edit", args=[deal_a.pk, comment_a.pk]) not in card.text
    assert _edit(client_head, comment_a, "Руководитель").status_code == 403
    assert _delete(client_head, comment_a).status_code == 403
    # Nor the task holder, who sees the card because of a task.
    task(deal_a, manager_b)
    assert client_b.get(deal_a.get_absolute_url()).status_code == 200
    assert _edit(client_b, comment_a, "Исполнитель").status_code == 403
    assert _delete(client_b, comment_a).status_code == 403
    comment_a.refresh_from_db()
    assert comment_a.text == "Встреча во вторник" and not comment_a.is_deleted


def test_a_task_holder_corrects_their_own_comment(client_b, deal_a, manager_b):
    task(deal_a, manager_b)
    response = client_b.post(
        reverse("deals:comment_create", args=[deal_a.pk]), {"text": "Дозвонился"}
    )
    assert response.status_code == 302
    own = Comment.objects.get(author=manager_b)
    assert _edit(client_b, own, "Дозвонился, ждут КП").status_code == 302
    assert _delete(client_b, own).status_code == 302
    own.refresh_from_db()
    assert own.is_deleted


# What the card costs


@pytest.mark.parametrize("persona", ["client_a", "client_head"])
def test_the_card_runs_as_many_queries_with_50_tasks_as_with_5(
    request, persona, deal_a, manager_a, django_assert_num_queries
):
    from contacts.models import Client

    viewer = request.getfixturevalue(persona)
    deal_a.client = Client.objects.create(kind="legal", name="ООО «Ромашка»", created_by=manager_a)
    deal_a.save()

    def add(n, start):
        for i in range(start, start + n):
            task(deal_a, manager_a, text=f"Задача {i}")
            services.contact_save(
                contact=Contact(name=f"Контакт {i}"),
                phones=[f"+7916000{i:04d}"],
                emails=[f"c{i}@example.ru"],
                deal=deal_a,
            )
            services.comment_add(deal=deal_a, author=manager_a, text=f"Комментарий {i}")

    add(5, 0)
    with CaptureQueriesContext(connection) as few:
        first = viewer.get(deal_a.get_absolute_url())
    assert first.status_code == 200
    assert "Задача 4" in first.text and "Комментарий 4" in first.text
    assert "Показать все задачи" not in first.text
    add(45, 5)
    with django_assert_num_queries(len(few)):
        response = viewer.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    assert "Комментарий 49" in response.text
    assert "Показать все задачи (50)" in response.text
    assert "Показать все контакты (50)" in response.text
    sqls = [q["sql"] for q in few.captured_queries]
    assert len(sqls) == len(set(sqls)), "a query of the card runs twice"


def test_a_heavy_card_shows_the_nearest_tasks_and_brings_the_rest_on_request(
    client_a, deal_a, manager_a
):
    for i in range(12):
        task(deal_a, manager_a, text=f"Задача {i:02d}", days=i + 1)
    for i in range(7):
        services.contact_save(
            contact=Contact(name=f"Контакт {i}"),
            phones=[f"+7916000{i:04d}"],
            emails=[],
            deal=deal_a,
        )
    card = client_a.get(deal_a.get_absolute_url())
    assert card.status_code == 200
    listed = card.text[card.text.index('id="tasks-list"') : card.text.index('id="contacts-list"')]
    assert "Задача 09" in listed and "Задача 10" not in listed
    assert "Показать все задачи (12)" in card.text
    assert "Показать все контакты (7)" in card.text
    every = client_a.get(deal_a.get_absolute_url(), {"tasks": "all", "contacts": "all"})
    assert every.status_code == 200
    assert "Задача 11" in every.text and "Показать все задачи" not in every.text
    assert "Контакт 6" in every.text and "Показать все контакты" not in every.text


def test_a_long_entry_with_a_link_reads_as_text_with_the_link_below(client_a, deal_a, manager_a):
    """A letter's whole text in the timeline is read, not one long link: the link is «Открыть»."""
    text = "Письмо клиенту «Счёт»\n" + "Добрый день! Высылаем счёт. " * 10
    services.timeline_add(deal=deal_a, kind="email.sent", text=text, url="/mail/1/")
    services.timeline_add(deal=deal_a, kind="invoice.paid", text="Счёт № 7 оплачен", url="/i/7/")
    response = client_a.get(deal_a.get_absolute_url())
    assert response.status_code == 200
    assert '<a href="/i/7/">Счёт № 7 оплачен</a>' in response.text
    assert '<a href="/mail/1/">Письмо клиенту' not in response.text
    assert '<a href="/mail/1/">Открыть</a>' in response.text

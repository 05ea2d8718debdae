"""Tasks, contacts and comments on the deal card."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, ContactPhone
from deals import digest, services
from deals.models import DealEvent, Task


def task_data(assignee, when, **extra):
    return {
        "text": "Позвонить и обсудить бриф",
        "kind": "call",
        "assignee": assignee.pk,
        "due_at": when.strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }


# Tasks


def test_task_for_a_colleague_shows_in_their_my_tasks(
    client_a, client_b, deal_a, manager_b, future
):
    response = client_a.post(
        reverse("deals:task_create", args=[deal_a.pk]), task_data(manager_b, future)
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignee == manager_b and task.author.username == "manager_a"
    page = client_b.get(reverse("deals:my_tasks")).text
    assert "Позвонить и обсудить бриф" in page
    assert "Предстоящие" in page
    assert DealEvent.objects.filter(deal=deal_a, kind="task").exists()


def test_task_form_errors_are_russian_and_keep_input(client_a, deal_a, manager_a):
    past = timezone.now() - timedelta(days=1)
    response = client_a.post(
        reverse("deals:task_create", args=[deal_a.pk]),
        task_data(manager_a, past, text=""),
    )
    assert response.status_code == 400
    assert "Опишите, что нужно сделать." in response.text
    assert "Срок уже прошёл" in response.text
    response = client_a.post(
        reverse("deals:task_create", args=[deal_a.pk]),
        {"text": "Встреча", "kind": "meeting", "assignee": manager_a.pk, "due_at": "завтра"},
    )
    assert "Введите дату и время срока" in response.text
    assert 'value="Встреча"' in response.text
    assert not Task.objects.exists()


def test_completing_a_task_needs_a_result(client_a, deal_a, manager_a, future):
    task = services.task_create(
        deal=deal_a, author=manager_a, assignee=manager_a, kind="call", text="Звонок", due_at=future
    )
    url = reverse("deals:task_complete", args=[deal_a.pk, task.pk])
    response = client_a.post(url, {"result": ""})
    assert response.status_code == 400
    assert "Опишите результат" in response.text
    response = client_a.post(url, {"result": "Договорились о встрече"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at and task.result == "Договорились о встрече"
    assert "Задача выполнена: Звонок" in client_a.get(deal_a.get_absolute_url()).text


def test_my_tasks_groups_overdue_today_and_upcoming(client_a, deal_a, manager_a):
    now = timezone.localtime()
    for text, due in [
        ("Вчерашняя", now - timedelta(days=1)),
        ("Через неделю", now + timedelta(days=7)),
    ]:
        Task.objects.create(deal=deal_a, assignee=manager_a, text=text, due_at=due)
    page = client_a.get(reverse("deals:my_tasks")).text
    overdue_part = page.split("Просроченные")[1].split("Сегодня")[0]
    assert "Вчерашняя" in overdue_part and "task-overdue" in overdue_part
    assert "Через неделю" in page.split("Предстоящие")[1]


def test_overdue_task_is_red_on_the_card(client_a, deal_a, manager_a):
    Task.objects.create(
        deal=deal_a, assignee=manager_a, text="Старая", due_at=timezone.now() - timedelta(hours=1)
    )
    card = client_a.get(deal_a.get_absolute_url()).text
    assert "task-overdue" in card and "просрочена" in card
    assert "нет открытой задачи" not in card


# Contacts


def test_contact_is_added_with_normalised_phones(client_a, deal_a):
    response = client_a.post(
        reverse("deals:contact_create", args=[deal_a.pk]),
        {
            "name": "Мария Петрова",
            "position": "маркетолог",
            "phones_text": "8 (916) 123-45-67, +7 495 123 45 67",
            "emails_text": "Maria@Example.RU",
        },
    )
    assert response.status_code == 302
    contact = deal_a.contacts.get()
    assert sorted(contact.phones.values_list("number", flat=True)) == [
        "+74951234567",
        "+79161234567",
    ]
    assert contact.emails.get().email == "maria@example.ru"
    card = client_a.get(deal_a.get_absolute_url()).text
    assert "+7 916 123-45-67" in card
    assert "Добавлено контактное лицо: Мария Петрова, маркетолог" in card


def test_contact_with_bad_phone_keeps_input(client_a, deal_a):
    response = client_a.post(
        reverse("deals:contact_create", args=[deal_a.pk]),
        {"name": "Иван", "phones_text": "12ab", "emails_text": "не-почта"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Не похоже на номер телефона: 12ab" in response.text
    assert "Неверный адрес e-mail: не-почта" in response.text
    assert 'value="Иван"' in response.text
    assert not Contact.objects.exists()


def test_existing_contact_is_offered_instead_of_a_duplicate(client_a, make_deal, manager_a):
    first = make_deal(manager_a, title="Первая")
    second = make_deal(manager_a, title="Вторая")
    existing = services.contact_save(
        contact=Contact(name="Сергей Иванов"), phones=["+79161234501"], emails=[], deal=first
    )
    data = {"name": "С. Иванов", "phones_text": "+7 916 123-45-01", "emails_text": ""}
    response = client_a.post(
        reverse("deals:contact_create", args=[second.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "Уже есть контакт с таким телефоном" in response.text
    assert "Сергей Иванов" in response.text
    assert Contact.objects.count() == 1

    response = client_a.post(
        reverse("deals:contact_link", args=[second.pk]),
        {**data, "contact": existing.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert list(second.contacts.all()) == [existing]
    assert Contact.objects.count() == 1
    assert set(existing.deals.all()) == {first, second}


def test_duplicate_can_still_be_created_on_purpose(client_a, deal_a):
    services.contact_save(contact=Contact(name="Тёзка"), phones=["+79161234501"], emails=[])
    data = {"name": "Другой человек", "phones_text": "+79161234501", "emails_text": ""}
    url = reverse("deals:contact_create", args=[deal_a.pk])
    client_a.post(url, data)
    client_a.post(url, {**data, "create_anyway": "on"})
    assert Contact.objects.count() == 2
    assert deal_a.contacts.get().name == "Другой человек"


def test_link_only_accepts_a_contact_matching_the_typed_phone(client_a, deal_a):
    stranger = services.contact_save(
        contact=Contact(name="Чужой"), phones=["+79169999999"], emails=[]
    )
    response = client_a.post(
        reverse("deals:contact_link", args=[deal_a.pk]),
        {"name": "x", "phones_text": "+79161234501", "contact": stranger.pk},
    )
    assert response.status_code == 404
    assert not deal_a.contacts.exists()


def test_contact_is_edited_and_unlinked_from_the_card(client_a, deal_a):
    contact = services.contact_save(
        contact=Contact(name="Анна"), phones=["+79161230000"], emails=[], deal=deal_a
    )
    url = reverse("deals:contact_edit", args=[deal_a.pk, contact.pk])
    form = client_a.get(url, HTTP_HX_REQUEST="true")
    assert "+7 916 123-00-00" in form.text
    response = client_a.post(
        url,
        {"name": "Анна Львова", "position": "директор", "phones_text": "+79161230001"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#contacts-block"
    assert "Анна Львова" in response.text
    assert list(ContactPhone.objects.values_list("number", flat=True)) == ["+79161230001"]
    client_a.post(
        reverse("deals:contact_unlink", args=[deal_a.pk, contact.pk]), HTTP_HX_REQUEST="true"
    )
    assert not deal_a.contacts.exists()
    assert Contact.objects.filter(pk=contact.pk).exists()


# Comments


def test_comment_is_added_without_reload(client_a, deal_a):
    response = client_a.post(
        reverse("deals:comment_create", args=[deal_a.pk]),
        {"text": "Клиент просит скидку 5 %"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="timeline-block"' in response.text
    assert "<html" not in response.text
    assert "Клиент просит скидку 5 %" in response.text
    assert deal_a.comments.get().text == "Клиент просит скидку 5 %"


def test_empty_comment_gets_a_message(client_a, deal_a):
    response = client_a.post(
        reverse("deals:comment_create", args=[deal_a.pk]), {"text": "   "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "Напишите текст комментария." in response.text
    assert not deal_a.comments.exists()


def test_timeline_is_newest_first_and_shows_text_not_html(client_a, deal_a, manager_a):
    services.comment_add(deal=deal_a, author=manager_a, text="<script>alert(1)</script>")
    services.comment_add(deal=deal_a, author=manager_a, text="Последний")
    card = client_a.get(deal_a.get_absolute_url()).text
    timeline = card.split('id="timeline-block"')[1]
    assert timeline.index("Последний") < timeline.index("&lt;script&gt;")
    assert "<script>alert(1)</script>" not in card


# Morning digest


def test_digest_goes_only_to_people_with_something_to_do(
    deal_a, manager_a, manager_b, make_deal, future, django_capture_on_commit_callbacks
):
    Task.objects.create(
        deal=deal_a,
        assignee=manager_a,
        text="Просроченный звонок",
        due_at=timezone.now() - timedelta(days=1),
    )
    busy = make_deal(manager_b, title="Занятая сделка")
    services.task_create(
        deal=busy, author=manager_b, assignee=manager_b, kind="call", text="t", due_at=future
    )
    idle = make_deal(manager_a, title="Забытая сделка")
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.send_morning_digests() == 1
    message = mail.outbox[0]
    assert message.to == ["manager_a@example.ru"]
    assert "Просроченный звонок" in message.body
    assert idle.title in message.body
    assert "Занятая сделка" not in message.body


def test_my_tasks_queries_do_not_grow_and_long_groups_are_cut(
    client_a, deal_a, manager_a, django_assert_num_queries, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deals import views

    def add(n, days):
        Task.objects.bulk_create(
            Task(
                deal=deal_a,
                assignee=manager_a,
                text=f"Задача {days}-{i}",
                due_at=timezone.now() + timedelta(days=days, minutes=i),
            )
            for i in range(n)
        )

    add(2, 3)
    with CaptureQueriesContext(connection) as few:
        first = client_a.get(reverse("deals:my_tasks"))
    assert first.status_code == 200
    assert "Задача 3-1" in first.text
    add(views.MY_TASKS_GROUP_SIZE + 10, 5)
    with django_assert_num_queries(len(few)):
        response = client_a.get(reverse("deals:my_tasks"))
    assert response.status_code == 200
    page = response.text
    assert (
        f"Показаны первые {views.MY_TASKS_GROUP_SIZE} из {views.MY_TASKS_GROUP_SIZE + 12}" in page
    )

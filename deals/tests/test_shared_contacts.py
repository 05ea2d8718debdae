"""A contact person can serve several deals. Nobody learns about a contact, or the deals it
serves, that they may not see: not through the duplicate check, linking, the website intake
or an edit; and an edit of a shared contact is written in every deal it serves."""

import json

import pytest
from django.urls import reverse

from contacts.models import Contact
from deals import services
from deals.models import Deal, LeadSource

SECRET = {
    "name": "Сергей Тайнов",
    "position": "финансовый директор",
    "messengers": "@tainov_tg",
    "note": "Звонить только после 18:00, жена не в курсе",
}


@pytest.fixture
def deal_b(make_deal, manager_b):
    return make_deal(manager_b, title="Сделка Бориса")


@pytest.fixture
def secret(deal_a):
    """manager_a's contact on manager_a's deal."""
    return services.contact_save(
        contact=Contact(**SECRET),
        phones=["+79161110001", "+74950001122"],
        emails=["tainov@example.ru"],
        deal=deal_a,
    )


def _typed(phone="+7 916 111-00-01", email=""):
    return {"name": "Новый человек", "phones_text": phone, "emails_text": email}


def _assert_nothing_of(text: str, contact: Contact):
    for value in (*SECRET.values(), "+7 495 000-11-22", "tainov@example.ru"):
        assert value not in text
    assert f'name="contact" value="{contact.pk}"' not in text


# The duplicate check on the deal card


def test_another_managers_contact_is_not_shown_by_the_duplicate_check(
    client_b, deal_b, secret, manager_a
):
    response = client_b.post(
        reverse("deals:contact_create", args=[deal_b.pk]), _typed(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    _assert_nothing_of(response.text, secret)
    assert "уже есть в сделке другого менеджера" in response.text
    assert "Ответственный: Анна" in response.text
    assert "может руководитель" in response.text
    assert not deal_b.contacts.exists()


def test_the_duplicate_check_by_e_mail_hides_it_too(client_b, deal_b, secret):
    response = client_b.post(
        reverse("deals:contact_create", args=[deal_b.pk]),
        _typed(phone="", email="TAINOV@example.ru"),
    )
    assert response.status_code == 400
    _assert_nothing_of(response.text, secret)
    assert "Ответственный: Анна" in response.text


def test_a_contact_without_a_deal_names_its_creator_and_nothing_else(client_b, deal_b, manager_a):
    hidden = services.contact_save(
        contact=Contact(**SECRET), phones=["+79161110001"], emails=[], by=manager_a
    )
    response = client_b.post(reverse("deals:contact_create", args=[deal_b.pk]), _typed())
    _assert_nothing_of(response.text, hidden)
    assert "Ответственный: Анна" in response.text


def test_a_contact_nobody_owns_is_still_not_shown(client_b, deal_b):
    hidden = services.contact_save(contact=Contact(**SECRET), phones=["+79161110001"], emails=[])
    response = client_b.post(reverse("deals:contact_create", args=[deal_b.pk]), _typed())
    _assert_nothing_of(response.text, hidden)
    assert "уже есть в сделке другого менеджера" in response.text
    assert "Ответственный:" not in response.text


def test_a_contact_of_a_visible_deal_is_still_offered_with_its_fields(
    client_a, make_deal, manager_a, secret
):
    second = make_deal(manager_a, title="Вторая сделка Анны")
    response = client_a.post(
        reverse("deals:contact_create", args=[second.pk]), _typed(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "Сергей Тайнов, финансовый директор" in response.text
    assert f'name="contact" value="{secret.pk}"' in response.text
    assert "другого менеджера" not in response.text


def test_a_contact_the_manager_created_without_a_deal_is_offered_to_them(
    client_b, deal_b, manager_b
):
    own = services.contact_save(
        contact=Contact(name="Свой контакт"), phones=["+79162220002"], emails=[], by=manager_b
    )
    response = client_b.post(
        reverse("deals:contact_create", args=[deal_b.pk]), _typed(phone="+79162220002")
    )
    assert f'name="contact" value="{own.pk}"' in response.text
    link = client_b.post(
        reverse("deals:contact_link", args=[deal_b.pk]),
        {**_typed(phone="+79162220002"), "contact": own.pk},
    )
    assert link.status_code == 302
    assert list(deal_b.contacts.all()) == [own]


def test_a_new_contact_can_still_be_created_beside_the_hidden_one(client_b, deal_a, deal_b, secret):
    url = reverse("deals:contact_create", args=[deal_b.pk])
    client_b.post(url, _typed())
    response = client_b.post(url, {**_typed(), "create_anyway": "on"})
    assert response.status_code == 302
    mine = deal_b.contacts.get()
    assert mine.name == "Новый человек" and mine.pk != secret.pk
    assert list(secret.deals.all()) == [deal_a]


# Linking


def test_a_crafted_link_to_another_managers_contact_is_refused(client_b, deal_a, deal_b, secret):
    events_before = deal_a.events.count()
    response = client_b.post(
        reverse("deals:contact_link", args=[deal_b.pk]), {**_typed(), "contact": secret.pk}
    )
    assert response.status_code == 404
    assert not deal_b.contacts.exists()
    assert list(secret.deals.all()) == [deal_a]
    assert deal_a.events.count() == events_before


def test_the_head_sees_the_contact_and_links_it_to_another_managers_deal(
    client_head, deal_a, deal_b, secret
):
    offer = client_head.post(reverse("deals:contact_create", args=[deal_b.pk]), _typed())
    assert "Сергей Тайнов, финансовый директор" in offer.text
    response = client_head.post(
        reverse("deals:contact_link", args=[deal_b.pk]), {**_typed(), "contact": secret.pk}
    )
    assert response.status_code == 302
    assert set(secret.deals.all()) == {deal_a, deal_b}


def test_a_task_holder_may_link_a_contact_of_the_deal_they_see(
    client_b, deal_a, deal_b, secret, manager_a, manager_b, future
):
    services.task_create(
        deal=deal_a,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Позвонить",
        due_at=future,
    )
    response = client_b.post(
        reverse("deals:contact_link", args=[deal_b.pk]), {**_typed(), "contact": secret.pk}
    )
    assert response.status_code == 302
    assert set(secret.deals.all()) == {deal_a, deal_b}


def test_anonymous_visitor_cannot_link_or_check_duplicates(anon, deal_b, secret):
    for name in ("deals:contact_create", "deals:contact_link"):
        response = anon.post(reverse(name, args=[deal_b.pk]), {**_typed(), "contact": secret.pk})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not deal_b.contacts.exists()


# Edits of a shared contact


@pytest.fixture
def shared(secret, deal_b, head):
    """The head has linked manager_a's contact to manager_b's deal as well."""
    services.contact_link(deal=deal_b, contact=secret, by=head)
    return secret


def test_an_edit_of_a_shared_contact_is_written_in_every_deal_it_serves(
    client_a, client_b, deal_a, deal_b, shared
):
    response = client_b.post(
        reverse("deals:contact_edit", args=[deal_b.pk, shared.pk]),
        {
            "name": "Сергей Тайнов",
            "position": "генеральный директор",
            "phones_text": "+79161110001",
            "emails_text": "attacker@example.ru",
            "messengers": SECRET["messengers"],
            "note": SECRET["note"],
        },
    )
    assert response.status_code == 302
    expected = (
        "Контактное лицо «Сергей Тайнов» изменено: "
        "должность: финансовый директор → генеральный директор; "
        "телефоны: +7 916 111-00-01, +7 495 000-11-22 → +7 916 111-00-01; "
        "e-mail: tainov@example.ru → attacker@example.ru"
    )
    for deal in (deal_a, deal_b):
        event = deal.events.get(text=expected)
        assert event.actor.username == "manager_b"
    card = client_a.get(deal_a.get_absolute_url()).text
    assert "tainov@example.ru → attacker@example.ru" in card
    assert "Борис" in card


def test_a_renamed_contact_names_the_old_and_new_name_and_an_edited_note(
    client_a, deal_a, deal_b, shared
):
    client_a.post(
        reverse("deals:contact_edit", args=[deal_a.pk, shared.pk]),
        {
            "name": "Сергей Тайнов-Старший",
            "position": SECRET["position"],
            "phones_text": "+79161110001, +74950001122",
            "emails_text": "tainov@example.ru",
            "messengers": "",
            "note": "Другая заметка",
        },
    )
    text = deal_b.events.filter(kind="contact").latest("pk").text
    assert text == (
        "Контактное лицо «Сергей Тайнов-Старший» изменено: "
        "имя: Сергей Тайнов → Сергей Тайнов-Старший; мессенджеры: @tainov_tg → —; "
        "заметка изменена"
    )


def test_saving_a_contact_unchanged_writes_nothing(client_a, deal_a, deal_b, shared):
    before = deal_b.events.count()
    client_a.post(
        reverse("deals:contact_edit", args=[deal_a.pk, shared.pk]),
        {
            **SECRET,
            "phones_text": "+7 495 000-11-22, +79161110001",
            "emails_text": "TAINOV@example.ru",
        },
    )
    assert deal_b.events.count() == before


def test_another_manager_cannot_open_or_edit_the_contact_through_their_own_deal(
    client_b, deal_b, secret
):
    url = reverse("deals:contact_edit", args=[deal_b.pk, secret.pk])
    assert client_b.get(url).status_code == 404
    assert client_b.post(url, {"name": "Чужой", "emails_text": "x@example.ru"}).status_code == 404
    secret.refresh_from_db()
    assert secret.name == SECRET["name"]
    assert list(secret.emails.values_list("email", flat=True)) == ["tainov@example.ru"]


# The website intake


@pytest.fixture
def site_b(manager_b, stages):
    # Each lead opens a deal of its own here: a lead that joins an open deal instead is
    # covered in test_lead_routing.py.
    return LeadSource.objects.create(
        name="Сайт Бориса",
        manager=manager_b,
        site_url="https://b.example.ru",
        attach_repeat_leads=False,
    )


def _lead(anon, site, data):
    response = anon.post(
        "/api/leads/",
        json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site.key}",
    )
    assert response.status_code == 201
    return Deal.objects.get(pk=response.json()["id"])


def test_a_lead_matching_another_managers_contact_gets_its_own_contact(
    anon, client_b, site_b, deal_a, secret
):
    deal = _lead(anon, site_b, {"name": "Сергей", "phone": "8 916 111-00-01"})
    contact = deal.contacts.get()
    assert contact.pk != secret.pk
    assert contact.name == "Сергей"
    assert list(contact.phones.values_list("number", flat=True)) == ["+79161110001"]
    assert list(secret.deals.all()) == [deal_a]
    card = client_b.get(deal.get_absolute_url()).text
    _assert_nothing_of(card, secret)
    assert f"№{deal_a.pk}" not in card
    assert "уже есть в сделке другого менеджера (ответственный: Анна)" in card


def test_a_lead_matching_by_e_mail_does_not_attach_the_contact_either(anon, site_b, deal_a, secret):
    deal = _lead(anon, site_b, {"name": "С.", "email": "Tainov@example.ru"})
    assert deal.contacts.get().pk != secret.pk
    assert list(secret.deals.all()) == [deal_a]


def test_a_lead_matching_the_same_managers_contact_is_linked_to_it(anon, site_b, deal_b, manager_b):
    known = services.contact_save(
        contact=Contact(name="Постоянный клиент"), phones=["+79163330003"], emails=[], deal=deal_b
    )
    deal = _lead(anon, site_b, {"name": "П.", "phone": "+79163330003"})
    assert list(deal.contacts.all()) == [known]
    assert not deal.events.filter(text__contains="другого менеджера").exists()

import json

import pytest
from django.urls import reverse

from contacts.models import Contact
from deals import services
from deals.models import Deal, LeadRequest, LeadSource, Source, Stage

URL = "/api/leads/"


@pytest.fixture
def site(manager_a, stages):
    return LeadSource.objects.create(
        name="Сайт студии", manager=manager_a, site_url="https://studio.example.ru"
    )


def post_json(client, site, data, **headers):
    return client.post(
        URL,
        json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site.key}",
        **headers,
    )


def test_json_lead_creates_a_deal_at_the_first_stage_with_contact_and_comment(anon, site):
    response = post_json(
        anon,
        site,
        {
            "name": "Иван Петров",
            "phone": "8 916 555-44-33",
            "email": "ivan@example.ru",
            "message": "Нужен интернет-магазин",
            "source_page": "https://studio.example.ru/shop",
            "utm_source": "yandex",
        },
    )
    assert response.status_code == 201
    deal = Deal.objects.get(pk=response.json()["id"])
    assert deal.stage == Stage.first_open()
    assert deal.source == Source.WEBSITE and deal.lead_source == site
    assert deal.manager == site.manager
    contact = deal.contacts.get()
    assert contact.name == "Иван Петров"
    assert contact.phones.get().number == "+79165554433"
    assert deal.comments.get().text == "Сообщение с сайта:\nНужен интернет-магазин"
    assert "utm_source: yandex" in deal.description
    assert LeadRequest.objects.get().status == LeadRequest.Status.CREATED


def test_known_sender_is_linked_to_the_existing_contact(anon, site, deal_a):
    known = services.contact_save(
        contact=Contact(name="Мария"), phones=[], emails=["maria@example.ru"], deal=deal_a
    )
    response = post_json(anon, site, {"name": "Мария П.", "email": "Maria@example.ru"})
    deal = Deal.objects.get(pk=response.json()["id"])
    assert list(deal.contacts.all()) == [known]
    assert Contact.objects.count() == 1


def test_lead_without_phone_or_email_is_refused_and_kept(anon, site):
    response = post_json(anon, site, {"name": "Аноним", "message": "перезвоните"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"non_field": ["Укажите телефон или e-mail, чтобы мы могли ответить."]}
    }
    assert not Deal.objects.exists()
    kept = LeadRequest.objects.get()
    assert kept.status == LeadRequest.Status.INVALID
    assert kept.payload["message"] == "перезвоните"


def test_bad_fields_are_named_in_the_errors(anon, site):
    response = post_json(anon, site, {"phone": "abc", "email": "not-an-email"})
    errors = response.json()["errors"]
    assert response.status_code == 400
    assert "phone" in errors and "email" in errors
    assert not Deal.objects.exists()


def test_not_json_is_a_clear_400(anon, site):
    response = anon.post(
        URL, "{oops", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {site.key}"
    )
    assert response.status_code == 400
    assert "не JSON" in response.json()["errors"]["non_field"][0]


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Token x"])
def test_missing_or_wrong_key_is_401(anon, site, auth):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    response = anon.post(
        URL, json.dumps({"phone": "+79161234567"}), content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert not Deal.objects.exists()


def test_inactive_source_is_refused(anon, site):
    site.active = False
    site.save()
    assert post_json(anon, site, {"phone": "+79161234567"}).status_code == 401


def test_same_idempotency_key_returns_the_first_deal(anon, site):
    first = post_json(anon, site, {"phone": "+79161234567"}, HTTP_IDEMPOTENCY_KEY="order-7")
    again = post_json(anon, site, {"phone": "+79161234567"}, HTTP_IDEMPOTENCY_KEY="order-7")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Deal.objects.count() == 1


def test_rate_limit_answers_429(anon, site, settings):
    settings.INTAKE_RATE_PER_MINUTE = 3
    codes = [post_json(anon, site, {"phone": f"+7916123456{i}"}).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    assert Deal.objects.count() == 3


def test_html_form_post_redirects_back_to_the_site(anon, site):
    site.thanks_url = "https://studio.example.ru/spasibo"
    site.save()
    response = anon.post(URL, {"key": site.key, "name": "Оля", "phone": "+79161234567"})
    assert response.status_code == 302
    assert response["Location"] == "https://studio.example.ru/spasibo"
    assert Deal.objects.count() == 1


def test_html_form_post_without_thanks_page_shows_ours(anon, site):
    response = anon.post(URL, {"key": site.key, "name": "Оля", "email": "olya@example.ru"})
    assert response.status_code == 200
    assert "Спасибо! Заявка принята." in response.text


def test_html_form_with_errors_shows_them_in_russian(anon, site):
    response = anon.post(URL, {"key": site.key, "name": "Оля"})
    assert response.status_code == 400
    assert "Укажите телефон или e-mail" in response.text


def test_honeypot_is_accepted_silently_and_creates_nothing(anon, site):
    response = anon.post(
        URL,
        {"key": site.key, "name": "bot", "phone": "+79161234567", "website": "http://spam"},
    )
    assert response.status_code == 200
    assert not Deal.objects.exists()
    assert LeadRequest.objects.get().status == LeadRequest.Status.SPAM


def test_intake_needs_no_csrf_token(site):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post_json(strict, site, {"phone": "+79161234567"})
    assert response.status_code == 201


def test_intake_accepts_only_post(anon):
    assert anon.get(URL).status_code == 405


def test_admin_shows_the_key_and_a_form_snippet(client, site, db):
    from crm.models import User

    admin = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(admin)
    page = client.get(reverse("admin:deals_leadsource_change", args=[site.pk])).text
    assert site.key in page
    assert "/api/leads/" in page and "name=&quot;website&quot;" in page


def test_a_nul_character_is_kept_visibly_and_answered_clearly(anon, site):
    response = post_json(anon, site, {"name": "Ив\x00ан", "phone": "+79161234567"})
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
    assert LeadRequest.objects.get().payload["name"] == "Ив\ufffdан"


# Hostile input: a clear answer, never a server error, and every request kept


def test_a_deeply_nested_body_is_a_clear_400_and_kept(anon, site):
    body = '{"name": ' + "[" * 20000 + "]" * 20000 + ', "phone": "+79161234567"}'
    response = anon.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {site.key}"
    )
    assert response.status_code == 400
    assert "вложенность" in response.json()["errors"]["non_field"][0]
    kept = LeadRequest.objects.get()
    assert kept.status == LeadRequest.Status.INVALID
    assert kept.payload["_body"] == body
    assert not Deal.objects.exists()


def test_a_body_over_the_limit_is_refused_and_kept_cut_to_the_limit(anon, site, settings):
    settings.INTAKE_MAX_BODY_KB = 2
    body = '{"phone": "+79161234567", "message": "' + "ы" * 5000 + '"}'
    response = anon.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {site.key}"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"non_field": ["Заявка больше 2 КБ: сократите сообщение и отправьте ещё раз."]}
    }
    kept = LeadRequest.objects.get()
    assert kept.status == LeadRequest.Status.INVALID
    assert kept.payload["_body"].startswith('{"phone": "+79161234567", "message": "ыыы')
    assert len(kept.payload["_body"].encode()) <= 2048
    assert not Deal.objects.exists()


def test_an_oversized_form_post_from_a_browser_gets_a_page(anon, site, settings):
    settings.INTAKE_MAX_BODY_KB = 1
    response = anon.post(URL, {"key": site.key, "phone": "+79161234567", "message": "ы" * 2000})
    assert response.status_code == 400
    assert "Заявка больше 1 КБ" in response.text
    assert LeadRequest.objects.get().status == LeadRequest.Status.INVALID


def test_a_form_body_the_server_cannot_parse_is_a_clear_400(anon, site):
    response = anon.post(
        URL,
        b"junk",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {site.key}",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["non_field"]
    assert LeadRequest.objects.get().payload["_body"] == "junk"


def test_junk_posts_do_not_starve_the_real_leads(anon, site):
    # Sixty junk posts a minute, each from its own address, with the key from the page.
    for n in range(60):
        assert post_json(anon, site, {"name": "x"}, REMOTE_ADDR=f"10.0.0.{n}").status_code in (
            400,
            429,
        )
    response = post_json(anon, site, {"name": "Оля", "phone": "+79161234567"})
    assert response.status_code == 201
    assert Deal.objects.count() == 1
    assert LeadRequest.objects.count() == 61


def test_one_address_is_limited_whatever_it_posts(anon, site, settings):
    settings.INTAKE_IP_RATE_PER_MINUTE = 3
    codes = [
        post_json(anon, site, {"phone": "+79161234567"}, REMOTE_ADDR="10.0.0.1").status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    other = post_json(anon, site, {"phone": "+79161234568"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 201
    limited = LeadRequest.objects.get(status=LeadRequest.Status.LIMITED)
    assert limited.payload == {"phone": "+79161234567"}
    assert limited.remote_addr == "10.0.0.1"


def test_refused_posts_have_their_own_limit(anon, site, settings):
    settings.INTAKE_REFUSED_RATE_PER_MINUTE = 2
    codes = [
        post_json(anon, site, {"name": "x"}, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]
    assert codes == [400, 400, 429]
    assert post_json(anon, site, {"phone": "+79161234567"}).status_code == 201
    assert LeadRequest.objects.filter(status=LeadRequest.Status.INVALID).count() == 3


def test_the_key_limit_counts_only_accepted_leads(anon, site, settings):
    settings.INTAKE_RATE_PER_MINUTE = 2
    for n in range(5):
        post_json(anon, site, {"name": "x"}, REMOTE_ADDR=f"10.0.0.{n}")
    codes = [post_json(anon, site, {"phone": "+79161234567"}).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert response_json_error(post_json(anon, site, {"phone": "+79161234567"})) == (
        "Слишком много заявок, повторите через минуту."
    )


def response_json_error(response):
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    return response.json()["errors"]["non_field"][0]


def test_a_lead_refused_by_the_limit_is_taken_when_retried_with_its_key(anon, site, settings):
    settings.INTAKE_RATE_PER_MINUTE = 1
    post_json(anon, site, {"phone": "+79161234567"})
    limited = post_json(anon, site, {"phone": "+79161234568"}, HTTP_IDEMPOTENCY_KEY="lead-2")
    assert limited.status_code == 429
    settings.INTAKE_RATE_PER_MINUTE = 5
    retried = post_json(anon, site, {"phone": "+79161234568"}, HTTP_IDEMPOTENCY_KEY="lead-2")
    assert retried.status_code == 201
    assert Deal.objects.count() == 2
    assert LeadRequest.objects.get(idempotency_key="lead-2").status == (LeadRequest.Status.CREATED)


def test_a_limited_lead_can_be_turned_into_a_deal_from_the_admin(client, anon, site, settings):
    from crm.models import User

    settings.INTAKE_RATE_PER_MINUTE = 0
    post_json(anon, site, {"name": "Оля", "phone": "+79161234567"})
    limited = LeadRequest.objects.get(status=LeadRequest.Status.LIMITED)
    admin = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(admin)
    response = client.post(
        reverse("admin:deals_leadrequest_changelist"),
        {"action": "process_leads", "_selected_action": [limited.pk]},
        follow=True,
    )
    assert response.status_code == 200
    limited.refresh_from_db()
    assert limited.status == LeadRequest.Status.CREATED
    assert limited.deal.contacts.get().name == "Оля"


def test_a_browser_gets_pages_not_json(anon, site, settings):
    page = "https://studio.example.ru/contacts"
    browser = {"HTTP_ACCEPT": "text/html,application/xhtml+xml", "HTTP_REFERER": page}
    wrong = anon.post(URL, {"key": site.key, "name": "Оля", "phone": "abc"}, **browser)
    assert wrong.status_code == 400
    assert wrong["Content-Type"].startswith("text/html")
    assert "Заявка не отправлена" in wrong.text and "Не похоже на номер телефона" in wrong.text
    assert f'href="{page}"' in wrong.text

    settings.INTAKE_IP_RATE_PER_MINUTE = 1
    limited = anon.post(URL, {"key": site.key, "phone": "+79161234567"}, **browser)
    assert limited.status_code == 429
    assert limited["Content-Type"].startswith("text/html")
    assert "Слишком много заявок" in limited.text
    assert LeadRequest.objects.filter(status=LeadRequest.Status.LIMITED).count() == 1


def test_a_browser_form_with_the_key_in_a_header_still_gets_a_page(anon, site):
    response = anon.post(
        URL,
        {"name": "Оля"},
        HTTP_AUTHORIZATION=f"Bearer {site.key}",
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 400
    assert "Укажите телефон или e-mail" in response.text


def test_a_script_posting_a_form_gets_json(anon, site):
    response = anon.post(
        URL, {"name": "Оля"}, HTTP_AUTHORIZATION=f"Bearer {site.key}", HTTP_ACCEPT="*/*"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"non_field": ["Укажите телефон или e-mail, чтобы мы могли ответить."]}
    }


def test_a_wrong_key_in_a_browser_form_gets_a_page(anon, site):
    response = anon.post(URL, {"key": "wrong", "phone": "+79161234567"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 401
    assert "ключ" in response.text
    assert response["Content-Type"].startswith("text/html")


def test_an_idempotency_key_replayed_with_another_body_is_422(anon, site):
    first = post_json(anon, site, {"phone": "+79161234567"}, HTTP_IDEMPOTENCY_KEY="order-7")
    other = post_json(anon, site, {"phone": "+79169999999"}, HTTP_IDEMPOTENCY_KEY="order-7")
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json() == {
        "errors": {
            "idempotency_key": [
                "Idempotency-Key «order-7» уже использован для другой заявки: "
                "для новой заявки нужен новый ключ."
            ]
        }
    }
    assert Deal.objects.count() == 1
    kept = LeadRequest.objects.exclude(pk=LeadRequest.objects.get(idempotency_key="order-7").pk)
    assert kept.get().payload == {"phone": "+79169999999"}


def test_the_same_body_in_another_order_is_the_same_request(anon, site):
    first = post_json(
        anon, site, {"phone": "+79161234567", "name": "Оля"}, HTTP_IDEMPOTENCY_KEY="k"
    )
    again = anon.post(
        URL,
        '{"name":"Оля","phone":"+79161234567"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site.key}",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_a_lone_surrogate_is_kept_visibly(anon, site):
    response = anon.post(
        URL,
        '{"name": "\\ud800 Оля", "phone": "+79161234567"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {site.key}",
    )
    assert response.status_code == 201
    assert LeadRequest.objects.get().payload["name"] == "\ufffd Оля"
    assert Deal.objects.get().contacts.get().name == "\ufffd Оля"


def test_a_lead_notifies_the_sites_manager(anon, site, manager_a, client_a):
    from crm.models import Notification

    response = post_json(anon, site, {"name": "Иван Петров", "phone": "8 916 555-44-33"})
    deal = Deal.objects.get(pk=response.json()["id"])
    notification = Notification.objects.get()
    assert notification.user == manager_a and notification.event == "lead.assigned"
    assert notification.text == "Заявка с сайта Сайт студии: Иван Петров"
    assert notification.url == deal.get_absolute_url()
    assert 'data-unread="1"' in client_a.get(reverse("notifications:bell")).text

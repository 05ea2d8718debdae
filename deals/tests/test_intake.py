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
    codes = [post_json(anon, site, {"phone": "+79161234567"}).status_code for _ in range(4)]
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


def test_a_lead_notifies_the_sites_manager(anon, site, manager_a, client_a):
    from crm.models import Notification

    response = post_json(anon, site, {"name": "Иван Петров", "phone": "8 916 555-44-33"})
    deal = Deal.objects.get(pk=response.json()["id"])
    notification = Notification.objects.get()
    assert notification.user == manager_a and notification.event == "lead.assigned"
    assert notification.text == "Заявка с сайта Сайт студии: Иван Петров"
    assert notification.url == deal.get_absolute_url()
    assert 'data-unread="1"' in client_a.get(reverse("notifications:bell")).text

from datetime import timedelta

import pytest
from django.utils import timezone

from deals import services
from deals.models import Deal, DealEvent, LossReason, Stage, Task

pytestmark = pytest.mark.django_db


def test_a_key_reads_only_the_deals_its_owner_sees(api_a, api_b, make_deal, manager_a, manager_b):
    mine = make_deal(manager_a, title="Моя сделка")
    make_deal(manager_b, title="Чужая сделка")
    response = api_a.get("/api/v1/deals/")
    assert response.status_code == 200
    assert [d["title"] for d in response.json()["results"]] == ["Моя сделка"]
    assert api_a.get(f"/api/v1/deals/{mine.pk}/").json()["stage"]["kind"] == "open"
    assert api_b.get(f"/api/v1/deals/{mine.pk}/").status_code == 404


def test_without_a_key_the_answer_is_401_in_russian(api_anon, deal_a):
    response = api_anon.get("/api/v1/deals/")
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]
    assert "ключ API" in response.json()["errors"]["__all__"][0]


def test_a_revoked_key_is_refused(manager_a, deal_a):
    from rest_framework.test import APIClient

    from crm.api_tokens import api_token_create, api_token_revoke

    token, key = api_token_create(user=manager_a, name="1С")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/deals/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    api_token_revoke(token=token)
    response = client.get("/api/v1/deals/")
    assert response.status_code == 401
    assert "отозван" in response.json()["errors"]["__all__"][0]


def test_a_deal_created_through_the_api_has_its_timeline(api_a, manager_a, stages):
    response = api_a.post(
        "/api/v1/deals/", {"title": "Из 1С", "budget": "1500.50", "source": "phone"}, format="json"
    )
    assert response.status_code == 201, response.json()
    deal = Deal.objects.get(pk=response.json()["id"])
    assert deal.manager == manager_a
    assert str(deal.budget) == "1500.50"
    assert DealEvent.objects.filter(deal=deal, kind="created").exists()


def test_bad_input_answers_400_with_russian_messages_at_the_fields(api_a, stages):
    response = api_a.post("/api/v1/deals/", {"title": "", "budget": "-5"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["title"] == ["Введите название сделки."]
    assert errors["budget"] == ["Бюджет не может быть отрицательным."]
    assert not Deal.objects.exists()


def test_losing_a_deal_needs_a_reason_and_a_comment(api_a, deal_a):
    lost = Stage.objects.get(kind=Stage.Kind.LOST)
    url = f"/api/v1/deals/{deal_a.pk}/move/"
    response = api_a.post(url, {"stage": lost.pk}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"loss_reason", "comment"}
    reason = LossReason.objects.filter(active=True).first()
    response = api_a.post(
        url, {"stage": lost.pk, "loss_reason": reason.pk, "comment": "Дорого"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["stage"]["kind"] == "lost"
    assert response.json()["loss_reason"]["id"] == reason.pk


def test_a_partial_update_keeps_what_was_not_sent_and_logs_the_budget(api_a, deal_a):
    response = api_a.patch(f"/api/v1/deals/{deal_a.pk}/", {"budget": "250000"}, format="json")
    assert response.status_code == 200, response.json()
    deal_a.refresh_from_db()
    assert deal_a.title == "Сайт для стоматологии"
    assert str(deal_a.budget) == "250000.00"
    assert DealEvent.objects.filter(deal=deal_a, kind="budget", text__contains="вручную").exists()


def _hold_task(deal, holder, owner):
    return services.task_create(
        deal=deal,
        author=owner,
        assignee=holder,
        kind="call",
        text="Перезвонить",
        due_at=timezone.now() + timedelta(days=1),
    )


def test_a_task_holder_reads_comments_and_completes_but_cannot_reassign(
    api_b, deal_a, manager_a, manager_b
):
    task = _hold_task(deal_a, manager_b, manager_a)
    assert api_b.get(f"/api/v1/deals/{deal_a.pk}/").status_code == 200
    response = api_b.patch(
        f"/api/v1/tasks/{task.pk}/", {"assignee": manager_b.pk, "text": "Моя"}, format="json"
    )
    assert response.status_code == 403
    assert "только задача" in response.json()["errors"]["__all__"][0]
    response = api_b.patch(f"/api/v1/deals/{deal_a.pk}/", {"manager": manager_b.pk}, format="json")
    assert response.status_code == 403
    deal_a.refresh_from_db()
    assert deal_a.manager == manager_a
    response = api_b.post(
        "/api/v1/comments/", {"deal": deal_a.pk, "text": "Клиент просил позже"}, format="json"
    )
    assert response.status_code == 201
    response = api_b.post(
        f"/api/v1/tasks/{task.pk}/complete/", {"result": "Дозвонился"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_done"] is True


def test_a_task_due_in_the_past_is_refused(api_a, deal_a):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = api_a.post(
        "/api/v1/tasks/", {"deal": deal_a.pk, "text": "Позвонить", "due_at": past}, format="json"
    )
    assert response.status_code == 400
    assert "Срок уже прошёл" in response.json()["errors"]["due_at"][0]
    assert not Task.objects.exists()


def test_a_task_for_a_deal_one_does_not_see_names_the_field(api_b, deal_a, future):
    response = api_b.post(
        "/api/v1/tasks/",
        {"deal": deal_a.pk, "text": "Позвонить", "due_at": future.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "не видна" in response.json()["errors"]["deal"][0]


def test_the_same_idempotency_key_gives_the_same_deal_once(api_a, stages):
    body = {"title": "Повтор", "budget": "10"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-1"}
    first = api_a.post("/api/v1/deals/", body, format="json", **headers)
    second = api_a.post("/api/v1/deals/", body, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Deal.objects.count() == 1
    other = api_a.post("/api/v1/deals/", {"title": "Другое"}, format="json", **headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["errors"]
    assert Deal.objects.count() == 1


def test_a_refused_request_does_not_spend_its_key(api_a, stages):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-2"}
    assert api_a.post("/api/v1/deals/", {"title": ""}, format="json", **headers).status_code == 400
    response = api_a.post("/api/v1/deals/", {"title": "Исправлено"}, format="json", **headers)
    assert response.status_code == 201


def test_pages_follow_the_cursor_without_repeats(api_a, make_deal, manager_a):
    for i in range(5):
        make_deal(manager_a, title=f"Сделка {i}")
    seen, url = [], "/api/v1/deals/?page_size=2"
    while url:
        response = api_a.get(url)
        assert response.status_code == 200
        seen += [d["title"] for d in response.json()["results"]]
        url = response.json()["next"]
    assert seen == [f"Сделка {i}" for i in reversed(range(5))]


def test_the_list_takes_the_pages_filters(api_a, make_deal, manager_a):
    make_deal(manager_a, title="Ремонт офиса")
    make_deal(manager_a, title="Сайт")
    response = api_a.get("/api/v1/deals/", {"q": "Ремонт"})
    assert [d["title"] for d in response.json()["results"]] == ["Ремонт офиса"]
    response = api_a.get("/api/v1/deals/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert response.json()["errors"]["date_to"] == ["Конец периода раньше начала."]


def test_the_deal_list_costs_the_same_queries_for_more_deals(
    api_a, make_deal, manager_a, django_assert_max_num_queries
):
    for i in range(3):
        make_deal(manager_a, title=f"Сделка {i}")
    with django_assert_max_num_queries(4):
        assert api_a.get("/api/v1/deals/").status_code == 200
    for i in range(20):
        make_deal(manager_a, title=f"Ещё {i}")
    with django_assert_max_num_queries(4):
        assert api_a.get("/api/v1/deals/").status_code == 200


def test_requests_over_the_limit_get_429(api_a, settings, stages):
    settings.API_RATE_PER_MINUTE = 3
    codes = [api_a.get("/api/v1/stages/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api_a.get("/api/v1/stages/")
    assert response["Retry-After"] == "60"
    assert "Слишком много" in response.json()["errors"]["__all__"][0]


def test_the_browser_session_works_with_its_csrf_token(manager_a, deal_a):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(manager_a)
    assert browser.get("/api/v1/deals/").status_code == 200
    response = browser.post(
        "/api/v1/comments/", {"deal": deal_a.pk, "text": "Без CSRF"}, format="json"
    )
    assert response.status_code == 403

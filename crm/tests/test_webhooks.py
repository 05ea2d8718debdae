import json
from datetime import timedelta

import pytest
from django.utils import timezone

from crm import webhooks
from crm.models import Notification, OutgoingEmail, WebhookDelivery, WebhookEndpoint
from crm.tasks import send_webhook
from crm.testing_webhooks import start_receiver
from deals import services
from deals.models import Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver, head):
    return WebhookEndpoint.objects.create(
        url=receiver.url,
        owner=head,
        events=["deal.created", "deal.stage_changed", "deal.won", "task.created"],
    )


def test_a_deal_created_is_posted_signed_after_the_commit(
    endpoint, receiver, manager_a, stages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deal = services.deal_create(title="Из API", manager=manager_a, by=manager_a)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = json.loads(request.body)
    assert body["event"] == "deal.created"
    assert body["data"]["deal"]["id"] == deal.pk
    assert request.headers["X-CRM-Event-Id"] == body["id"]
    assert webhooks.verify(endpoint.secret, request.headers["X-CRM-Signature"], request.body)
    assert not webhooks.verify("whsec_other", request.headers["X-CRM-Signature"], request.body)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SENT
    assert delivery.response_code == 200 and delivery.duration_ms is not None


def test_an_old_signature_is_a_replay(endpoint):
    header = webhooks.sign(endpoint.secret, 1_000_000, "{}")
    assert webhooks.verify(endpoint.secret, header, "{}", now=1_000_100)
    assert not webhooks.verify(endpoint.secret, header, "{}", now=1_000_000 + 600)


def test_a_rolled_back_change_sends_nothing(endpoint, receiver, manager_a, stages):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.deal_create(title="Отменена", manager=manager_a, by=manager_a)
        raise RuntimeError
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_only_the_chosen_events_are_sent(endpoint, deal_a, manager_a):
    WebhookDelivery.objects.all().delete()
    won = Stage.objects.get(kind=Stage.Kind.WON)
    services.deal_move(deal=deal_a, stage=won, by=manager_a)
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "deal.stage_changed",
        "deal.won",
    ]
    services.comment_add(deal=deal_a, author=manager_a, text="Без события")
    assert WebhookDelivery.objects.count() == 2


def test_a_failure_is_retried_with_a_growing_pause(endpoint, receiver, deal_a):
    receiver.answers = [500, 503]
    delivery = webhooks.emit("deal.created", {"deal": {"id": deal_a.pk}})[0]
    with pytest.raises(webhooks.RetryLater) as first:
        webhooks.webhook_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.response_code == 500 and "500" in delivery.last_error
    assert 24 <= first.value.seconds <= 30
    with pytest.raises(webhooks.RetryLater) as second:
        webhooks.webhook_send(delivery_id=delivery.pk)
    assert 48 <= second.value.seconds <= 60
    assert webhooks.webhook_send(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SENT and delivery.attempts == 3
    ids = {r.headers["X-CRM-Event-Id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and ids == {delivery.event_id}
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert [webhooks.retry_delay(n) <= webhooks.retry_delay(n + 1) * 1.25 for n in (1, 5)]
    assert webhooks.retry_delay(30) <= webhooks.RETRY_MAX_SECONDS


def test_the_worker_retries_with_celery_countdown(endpoint, receiver, deal_a, monkeypatch):
    receiver.answers = [500]
    delivery = webhooks.emit("deal.created", {"deal": {"id": deal_a.pk}})[0]
    retried = {}

    def fake_retry(*, countdown, exc):
        retried["countdown"] = countdown
        return RuntimeError("retry scheduled")

    monkeypatch.setattr(send_webhook, "retry", fake_retry)
    with pytest.raises(RuntimeError, match="retry scheduled"):
        send_webhook.run(delivery.pk)
    assert 24 <= retried["countdown"] <= 30


def test_running_the_task_twice_posts_once(endpoint, receiver, deal_a):
    delivery = webhooks.emit("deal.created", {"deal": {"id": deal_a.pk}})[0]
    send_webhook.run(delivery.pk)
    send_webhook.run(delivery.pk)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.5", "192.168.1.1", "169.254.169.254", "::1", "fd00::1"]
)
def test_internal_addresses_are_refused(settings, address):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(webhooks.UnsafeAddress):
        webhooks.resolve_public(f"https://{host}/hook")


def test_a_name_that_resolves_to_loopback_is_refused_at_send_time(head, settings, deal_a):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    endpoint = WebhookEndpoint.objects.create(
        url="https://localhost/hook", owner=head, events=["deal.created"]
    )
    delivery = webhooks.emit("deal.created", {"deal": {"id": deal_a.pk}})[0]
    with pytest.raises(webhooks.RetryLater):
        webhooks.webhook_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert "внутреннюю сеть" in delivery.last_error
    assert delivery.response_code is None
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None


def test_only_https_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="https"):
        webhooks.check_url("http://example.com/hook")
    webhooks.check_url("https://example.com/hook")


def test_an_endpoint_failing_for_a_day_is_switched_off_and_its_owner_told(
    endpoint, receiver, deal_a, head
):
    receiver.answers = [500]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=25)
    )
    delivery = webhooks.emit("deal.created", {"deal": {"id": deal_a.pk}})[0]
    webhooks.emit("task.created", {"deal": {"id": deal_a.pk}})
    webhooks.webhook_send(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.active is False and "Ответ 500" in endpoint.disabled_reason
    notification = Notification.objects.get(user=head, event="webhook.disabled")
    assert endpoint.url in notification.text
    assert OutgoingEmail.objects.filter(recipient=head.email, template="webhook_disabled").exists()
    assert not WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists()
    assert webhooks.emit("deal.created", {"deal": {}}) == []


def test_the_sweeper_sends_again_what_a_dead_worker_left(endpoint, receiver, deal_a):
    delivery = webhooks.emit("deal.created", {"deal": {"id": deal_a.pk}})[0]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=10)
    )
    assert webhooks.webhook_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SENT
    assert [r.headers["X-CRM-Event-Id"] for r in receiver.requests] == [delivery.event_id]


# The head of sales' pages


def test_the_head_registers_an_endpoint_and_sees_its_log(client_head, head, settings):
    settings.DEBUG = False
    response = client_head.post(
        "/webhooks/new/", {"url": "http://example.com/hook", "events": ["deal.won"]}
    )
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    response = client_head.post(
        "/webhooks/new/",
        {"url": "https://example.com/hook", "description": "1С", "events": ["deal.won"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == endpoint.get_absolute_url()
    assert endpoint.owner == head and endpoint.secret.startswith("whsec_")
    page = client_head.get(endpoint.get_absolute_url())
    assert page.status_code == 200
    assert endpoint.secret in page.content.decode()


def test_resend_posts_the_same_event_again(client_head, endpoint, receiver, deal_a):
    delivery = webhooks.emit("deal.created", {"deal": {"id": deal_a.pk}})[0]
    webhooks.webhook_send(delivery_id=delivery.pk)
    url = f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/"
    response = client_head.post(url)
    assert response.status_code == 302
    page = client_head.get(endpoint.get_absolute_url())
    assert "Отправить ещё раз" in page.content.decode()


def test_a_manager_cannot_see_or_add_webhooks(client_a, endpoint):
    assert client_a.get("/webhooks/").status_code == 403
    assert client_a.get(endpoint.get_absolute_url()).status_code == 403
    assert (
        client_a.post(
            "/webhooks/new/", {"url": "https://x.ru/", "events": ["deal.won"]}
        ).status_code
        == 403
    )
    assert WebhookEndpoint.objects.count() == 1

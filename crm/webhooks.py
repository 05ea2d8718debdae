"""Outgoing webhooks: the CRM tells other systems (1С, telephony, the website, a messenger bot)
what happened, as signed JSON posted to the addresses the head of sales registered.

emit() stores one delivery row per subscribed endpoint inside the caller's transaction (like
e-mails in crm.mail) and publishes crm.tasks.send_webhook after the commit; a rolled-back
change sends nothing. webhook_send() claims the row with a conditional UPDATE, so the task may
run any number of times and the event is posted once per claim; a worker killed in the middle
of a post leaves the row «sending», and the sweeper sends it again, with the same event id,
which is how the receiver recognises a repeat. Failures are retried with a growing pause;
an endpoint that has failed for WEBHOOK_DISABLE_AFTER_HOURS is switched off and its owner told.

Each request carries
    X-CRM-Event: deal.stage_changed
    X-CRM-Event-Id: 5b0f…          (the same on every attempt)
    X-CRM-Signature: t=1764460000,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>
so a receiver checks the signature and rejects a timestamp older than a few minutes (a
replay), as with Stripe's webhooks."""

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# What can be subscribed to; each app emits its own (deals, billing, documents).
EVENTS = {
    "deal.created": "Создана сделка",
    "deal.stage_changed": "Сделка перешла на другой этап",
    "deal.won": "Сделка выиграна",
    "deal.lost": "Сделка проиграна",
    "task.created": "Поставлена задача",
    "task.done": "Задача выполнена",
    "document.opened": "Клиент открыл документ",
    "document.accepted": "Клиент принял документ",
    "document.declined": "Клиент отклонил документ",
    "invoice.issued": "Выставлен счёт",
    "invoice.paid": "Счёт оплачен",
    "payment.problem": "Проблема с платежом",
}
EVENT_CHOICES = list(EVENTS.items())

SIGNATURE_HEADER = "X-CRM-Signature"
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
SWEEP_BATCH = 500
# A row claimed longer ago than this belongs to a worker that died mid-send (the post
# itself times out long before).
SENDING_STALE = timedelta(minutes=5)
SWEEP_GRACE = timedelta(seconds=60)
REQUEUE_AFTER = timedelta(minutes=10)
ERROR_LENGTH = 500


class RetryLater(Exception):
    def __init__(self, seconds: int, error: str):
        super().__init__(error)
        self.seconds = seconds


# Addresses


LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


class UnsafeAddress(ValueError):
    pass


def check_url(url: str) -> None:
    """What an endpoint's address may be: https (http only with DEBUG on), a host name or
    address, no user name or password in it. Raises ValidationError in Russian."""
    parts = urlsplit(url)
    local = settings.WEBHOOK_ALLOW_LOOPBACK and parts.hostname in LOOPBACK_NAMES
    allowed = ("https", "http") if settings.DEBUG or local else ("https",)
    if parts.scheme not in allowed:
        raise ValidationError("Адрес должен начинаться с https://.")
    if not parts.hostname:
        raise ValidationError("В адресе нет имени сервера.")
    if parts.username or parts.password:
        raise ValidationError("Не указывайте логин и пароль в адресе: проверяйте подпись.")


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip.is_loopback and settings.WEBHOOK_ALLOW_LOOPBACK:
        return True
    return ip.is_global and not ip.is_multicast


def resolve_public(url: str) -> list[str]:
    """The addresses the URL's host resolves to, if every one of them is a public address:
    never loopback, private, link-local or reserved (a webhook must not reach the CRM's own
    network). Resolved at send time, since a name can point elsewhere tomorrow."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(f"Имя сервера не найдено: {parts.hostname}") from exc
    addresses = sorted({info[4][0] for info in infos})
    refused = [a for a in addresses if not _address_allowed(a)]
    if not addresses or refused:
        raise UnsafeAddress(
            f"Адрес {parts.hostname} ведёт во внутреннюю сеть ({', '.join(refused)}): "
            "туда вебхуки не отправляются."
        )
    return addresses


# Signing


def sign(secret: str, timestamp: int, body: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: str, *, tolerance: int = 300, now=None) -> bool:
    """What a receiver does (and the tests): the signature matches and is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    now = int(now if now is not None else time.time())
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


# Storing and publishing


def emit(event: str, payload: dict | Callable[[], dict]) -> list[WebhookDelivery]:
    """Store `event` with its JSON `payload` for every active endpoint subscribed to it and
    send them after the caller's transaction commits. Call it inside that transaction.
    `payload` may be a function, called only when someone is subscribed."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(active=True) if event in (e.events or [])
    ]
    if not endpoints:
        return []
    event_id = uuid.uuid4().hex
    now = timezone.now()
    data = payload() if callable(payload) else payload
    body = json.dumps(
        {"id": event_id, "event": event, "created_at": now.isoformat(), "data": data},
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=e, event=event, event_id=event_id, body=body, created_at=now)
            for e in endpoints
        ]
    )
    for delivery in deliveries:
        transaction.on_commit(partial(publish, delivery.pk))
    return deliveries


def publish(delivery_id: int, countdown: int = 0) -> bool:
    """Hand the delivery to the broker; a broker that is down is logged and the sweeper
    publishes it later."""
    from .tasks import send_webhook

    try:
        send_webhook.apply_async(args=[delivery_id], countdown=countdown)
    except Exception:
        logger.warning("webhook delivery %s not published; the sweeper will retry", delivery_id)
        return False
    return True


# Sending


def retry_delay(attempts: int) -> int:
    """30 s, 1 min, 2, 4, 8 … up to an hour, with jitter."""
    delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return max(1, int(delay * random.uniform(0.8, 1.0)))


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> httpx.Response:
    check_url(endpoint.url)
    resolve_public(endpoint.url)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CRM-Webhooks/1",
        "X-CRM-Event": delivery.event,
        "X-CRM-Event-Id": delivery.event_id,
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, delivery.body),
    }
    # No redirects: a redirect could point into the internal network.
    with httpx.Client(timeout=settings.WEBHOOK_TIMEOUT, follow_redirects=False) as client:
        return client.post(endpoint.url, content=delivery.body.encode(), headers=headers)


def webhook_send(*, delivery_id: int) -> bool:
    """Post one stored delivery if it is still pending. True when the receiver accepted it
    (2xx). A failure puts it back with its next attempt time and raises RetryLater; after
    WEBHOOK_MAX_ATTEMPTS, or once its endpoint is switched off, the row is failed."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING
    ).update(status=WebhookDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        _finish(delivery, status=WebhookDelivery.Status.FAILED, error="Вебхук отключён.")
        return False
    started = time.monotonic()
    code, error = None, ""
    try:
        response = _post(endpoint, delivery)
        code = response.status_code
        if not 200 <= code < 300:
            error = f"Ответ {code}: {response.text[:200]}"
    except (ValidationError, UnsafeAddress) as exc:
        error = " ".join(getattr(exc, "messages", [str(exc)]))
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    if not error:
        _finish(delivery, status=WebhookDelivery.Status.SENT, code=code, duration=duration)
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
            failing_since=None
        )
        return True
    give_up = delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    delay = retry_delay(delivery.attempts)
    _finish(
        delivery,
        status=WebhookDelivery.Status.FAILED if give_up else WebhookDelivery.Status.PENDING,
        code=code,
        duration=duration,
        error=error,
        retry_in=None if give_up else delay,
    )
    # Switching the endpoint off fails its pending deliveries, this one included.
    still_active = _endpoint_failed(endpoint, error)
    if give_up or not still_active:
        return False
    raise RetryLater(delay, error)


def _finish(delivery, *, status, code=None, duration=None, error="", retry_in=None) -> None:
    now = timezone.now()
    fields = {
        "status": status,
        "response_code": code,
        "duration_ms": duration,
        "last_error": error[:ERROR_LENGTH],
        "last_attempt_at": now,
    }
    if status == WebhookDelivery.Status.SENT:
        fields["delivered_at"] = now
    if retry_in is not None:
        fields["next_attempt_at"] = now + timedelta(seconds=retry_in)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


@transaction.atomic
def _endpoint_failed(endpoint: WebhookEndpoint, error: str) -> bool:
    """Remember when the endpoint started failing; after WEBHOOK_DISABLE_AFTER_HOURS of
    nothing but failures it is switched off and whoever added it is told. Returns whether
    it is still on."""
    now = timezone.now()
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not locked.active:
        return False
    if locked.failing_since is None:
        locked.failing_since = now
        locked.save(update_fields=["failing_since"])
        return True
    if now - locked.failing_since < timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS):
        return True
    reason = f"Сутки без успешной доставки. Последняя ошибка: {error}"
    webhook_disable(endpoint=locked, reason=reason)
    return False


@transaction.atomic
def webhook_disable(*, endpoint: WebhookEndpoint, reason: str) -> WebhookEndpoint:
    from .notifications import Email, notify

    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False, disabled_at=now, disabled_reason=reason[:300]
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, last_error="Вебхук отключён."
    )
    endpoint.refresh_from_db()
    notify(
        user=endpoint.owner,
        event="webhook.disabled",
        text=f"Вебхук отключён: {endpoint.url} — сутки не принимал события",
        url=endpoint.get_absolute_url(),
        dedupe_key=f"webhook_disabled:{endpoint.pk}:{now.timestamp()}",
        email=Email("webhook_disabled", {"endpoint": endpoint, "reason": reason}),
    )
    return endpoint


# Sweeping and resending


def webhook_sweep(*, now=None) -> int:
    """Publish again what is stuck: deliveries left pending past their time (the broker was
    down, a retry was lost) and those whose worker died mid-post."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - SENDING_STALE
    ).update(
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at=now - SWEEP_GRACE,
        last_error="Отправка прервалась (процесс остановлен), событие отправится повторно.",
    )
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not due:
        return 0
    WebhookDelivery.objects.filter(pk__in=due, status=WebhookDelivery.Status.PENDING).update(
        next_attempt_at=now + REQUEUE_AFTER
    )
    published = 0
    for pk in due:
        if not publish(pk):
            break
        published += 1
    return published


@transaction.atomic
def webhook_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """«Отправить ещё раз»: the same event (same id and body) is posted again, now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
        status=WebhookDelivery.Status.SENDING
    ).update(status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    transaction.on_commit(partial(publish, delivery.pk))
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def webhook_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=True, disabled_at=None, disabled_reason="", failing_since=None
    )
    endpoint.refresh_from_db()
    return endpoint

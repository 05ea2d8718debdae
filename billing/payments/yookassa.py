"""YooKassa (API v3) over HTTPS with httpx.

Payments are created with an Idempotence-Key and a redirect confirmation; a server error or a
lost connection is retried with the SAME key (YooKassa then answers with the payment it already
made), a 4xx is not retried. Notifications carry no signature, so ``parse_notification`` trusts
nothing in them but the payment id: the sender must be in YooKassa's published networks, and the
payment is fetched again from the API, whose status, amount and currency are returned.
"""

import ipaddress
import json
import re
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    IDEMPOTENCE_KEY_RE,
    MASTERCARD,
    MIR,
    SBP,
    VISA,
    CreatedPayment,
    PaymentError,
    PaymentNotFound,
    PaymentRejected,
    PaymentState,
    PaymentStatus,
    PaymentUnavailable,
    PayMethod,
    ReceiptState,
    check_payment_request,
    money_value,
)

API_URL = "https://api.yookassa.ru/v3/"

# Where YooKassa sends HTTP notifications from, as published by YooKassa (and listed in its SDK).
NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "185.71.76.0/27",
        "185.71.77.0/27",
        "77.75.153.0/25",
        "77.75.156.11/32",
        "77.75.156.35/32",
        "77.75.154.128/25",
        "2a02:5180:0:1509::/64",
        "2a02:5180:0:2655::/64",
        "2a02:5180:0:1533::/64",
        "2a02:5180:0:2669::/64",
    )
)

# Payment ids go into the request path: letters, digits and dashes only, nothing like "../".
PAYMENT_ID_RE = re.compile(r"[A-Za-z0-9-]{1,64}")


def is_yookassa_address(address: str) -> bool:
    """Whether a notification's sender address belongs to YooKassa's networks."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # An IPv4 peer seen through a dual-stack socket: ::ffff:185.71.76.1
        ip = ip.ipv4_mapped
    return any(ip in network for network in NETWORKS)


class YooKassaProvider:
    code = "yookassa"
    title = "ЮKassa"
    # Where the client is sent to pay: the invoice page's form may lead there (CSP form-action).
    checkout_origins = ("https://yoomoney.ru",)

    def __init__(
        self,
        *,
        shop_id: str,
        secret_key: str,
        api_url: str = API_URL,
        methods: tuple[PayMethod, ...] = (MIR, VISA, MASTERCARD, SBP),
        receipts: bool = False,
        receipt_sms: bool = False,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not shop_id or not secret_key:
            raise ImproperlyConfigured("YooKassa needs YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY")
        self.methods = methods
        # Whether to send a 54-FZ receipt with online payments (the caller builds it with
        # billing.payments.receipt.build_receipt(), naming the tax system of the seller's
        # regime), and whether the shop's register delivers receipts by SMS: «Чеки от ЮKassa»
        # send them by e-mail only.
        self.receipts = receipts
        self.receipt_sms = receipt_sms
        self._auth = httpx.BasicAuth(shop_id, secret_key)
        self._api_url = api_url if api_url.endswith("/") else api_url + "/"
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._transport = transport
        self._sleep = sleep

    @classmethod
    def from_settings(cls, **overrides) -> "YooKassaProvider":
        options = {
            "shop_id": settings.YOOKASSA_SHOP_ID,
            "secret_key": settings.YOOKASSA_SECRET_KEY,
            "api_url": settings.YOOKASSA_API_URL,
            "receipts": settings.YOOKASSA_RECEIPTS,
            "receipt_sms": settings.YOOKASSA_RECEIPT_SMS,
            "timeout": settings.YOOKASSA_TIMEOUT,
        }
        return cls(**(options | overrides))

    # The interface -----------------------------------------------------------------------

    def create_payment(
        self,
        *,
        amount: Decimal,
        currency: str,
        description: str,
        return_url: str,
        idempotence_key: str,
        metadata: dict[str, str],
        receipt: dict | None = None,
    ) -> CreatedPayment:
        check_payment_request(currency=currency, idempotence_key=idempotence_key)
        body = {
            "amount": {"value": money_value(amount), "currency": currency},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url},
            "description": description[:128],
            "metadata": {str(k): str(v) for k, v in metadata.items()},
        }
        if receipt is not None:
            body["receipt"] = receipt
        data = self._request("POST", "payments", body=body, idempotence_key=idempotence_key)
        try:
            return CreatedPayment(
                provider_payment_id=str(data["id"]),
                confirmation_url=str(data["confirmation"]["confirmation_url"]),
                status=PaymentStatus(data["status"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PaymentError(f"Unexpected answer from YooKassa: {exc!r}") from exc

    def fetch_payment(self, provider_payment_id: str) -> PaymentState:
        if not isinstance(provider_payment_id, str) or not PAYMENT_ID_RE.fullmatch(
            provider_payment_id
        ):
            raise PaymentNotFound("Not a YooKassa payment id", code="not_found")
        data = self._request("GET", f"payments/{provider_payment_id}")
        return _state(data)

    def create_receipt(self, *, body: dict, idempotence_key: str) -> ReceiptState:
        """Send a receipt on its own (``POST /v3/receipts``), e.g. the one offsetting
        prepayments. Retried like a payment: the same key after a server error, none after a
        4xx (PaymentRejected)."""
        if not isinstance(idempotence_key, str) or not IDEMPOTENCE_KEY_RE.fullmatch(
            idempotence_key
        ):
            raise ValueError("An idempotence key is 1 to 64 letters, digits and ._:-")
        data = self._request("POST", "receipts", body=body, idempotence_key=idempotence_key)
        try:
            return ReceiptState(id=str(data["id"]), status=str(data["status"]))
        except (KeyError, TypeError) as exc:
            raise PaymentError(f"Unexpected receipt from YooKassa: {exc!r}") from exc

    def parse_notification(self, *, body: bytes, remote_addr: str) -> PaymentState | None:
        """The verified state of the payment a notification speaks of, or None when the sender
        is not YooKassa, the body is not a payment notification, or the payment is not ours.
        Raises PaymentError (PaymentUnavailable when YooKassa is down) when the payment cannot
        be checked now: answer 5xx then, and YooKassa delivers the notification again later."""
        if not is_yookassa_address(remote_addr):
            return None
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or data.get("type") != "notification":
            return None
        event, obj = data.get("event"), data.get("object")
        if (
            not isinstance(event, str)
            or not event.startswith("payment.")
            or not isinstance(obj, dict)
        ):
            return None
        payment_id = obj.get("id")
        if not isinstance(payment_id, str) or not PAYMENT_ID_RE.fullmatch(payment_id):
            return None
        try:
            return self.fetch_payment(payment_id)
        except PaymentRejected as exc:
            if exc.status_code in (400, 404):
                return None  # no such payment in this shop
            raise  # our credentials are wrong: fail loudly, YooKassa will deliver again

    # HTTP --------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, body: dict | None = None, idempotence_key: str = ""
    ) -> dict:
        headers = {"Idempotence-Key": idempotence_key} if idempotence_key else {}
        failure = "no attempt made"
        with httpx.Client(
            base_url=self._api_url,
            auth=self._auth,
            timeout=self._timeout,
            transport=self._transport,
        ) as client:
            for attempt in range(self._attempts):
                if attempt:
                    self._sleep(self._backoff * 2 ** (attempt - 1))
                try:
                    response = client.request(method, path, json=body, headers=headers)
                except httpx.TransportError as exc:
                    # The request may have reached YooKassa: only the same key may repeat it.
                    failure = f"{type(exc).__name__}: {exc}"
                    continue
                if response.status_code in (202, 429) or response.status_code >= 500:
                    # 202: still being processed; 429: too many requests; 5xx: unknown outcome.
                    # All of them: ask again later with the same key.
                    failure = f"HTTP {response.status_code}"
                    continue
                if response.status_code >= 400:
                    raise _rejection(response)
                try:
                    data = response.json()
                except ValueError as exc:
                    raise PaymentError("YooKassa answered with something that is not JSON") from exc
                if not isinstance(data, dict):
                    raise PaymentError("YooKassa answered with something that is not an object")
                return data
        raise PaymentUnavailable(
            f"YooKassa did not answer {method} {path} after {self._attempts} attempts: {failure}"
        )


def _rejection(response: httpx.Response) -> PaymentRejected:
    try:
        error = response.json()
    except ValueError:
        error = {}
    if not isinstance(error, dict):
        error = {}
    code = str(error.get("code", ""))
    message = f"YooKassa refused: HTTP {response.status_code} {code} {error.get('description', '')}"
    cls = PaymentNotFound if response.status_code == 404 else PaymentRejected
    return cls(message.strip(), status_code=response.status_code, code=code)


def _state(data: dict) -> PaymentState:
    try:
        amount = data["amount"]
        metadata = data.get("metadata") or {}
        return PaymentState(
            id=str(data["id"]),
            status=PaymentStatus(data["status"]),
            amount=Decimal(str(amount["value"])),
            currency=str(amount["currency"]),
            paid=data.get("paid") is True,
            metadata={str(k): str(v) for k, v in metadata.items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as exc:
        raise PaymentError(f"Unexpected payment from YooKassa: {exc!r}") from exc

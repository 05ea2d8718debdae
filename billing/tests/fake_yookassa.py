"""A local fake of the YooKassa API v3, served through httpx.MockTransport.

It checks HTTP Basic auth, requires an Idempotence-Key on POST (the same key and body give the
same payment, the same key with another body is refused), serves payments by id, takes receipts
sent on their own (POST /v3/receipts, checked as YooKassa checks them: a known payment, items
adding up to the settlements), and can be told to fail the next requests with a given status or
a dropped connection.
"""

import base64
import json
import uuid
from dataclasses import dataclass, field

import httpx

SHOP_ID = "123456"
SECRET_KEY = "test_secret_key_0123456789"


@dataclass
class FakeYooKassa:
    shop_id: str = SHOP_ID
    secret_key: str = SECRET_KEY
    payments: dict = field(default_factory=dict)
    by_key: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    receipts: dict = field(default_factory=dict)
    receipts_by_key: dict = field(default_factory=dict)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def fail_next(self, *statuses):
        """The next requests answer these HTTP statuses (or raise, for "drop") in turn.
        A failure with status 500 still creates the payment, as a real timeout might."""
        self.failures.extend(statuses)

    def set_status(self, payment_id, status):
        payment = self.payments[payment_id]
        payment["status"] = status
        payment["paid"] = status == "succeeded"

    def add_payment(self, *, value="1500.00", currency="RUB", status="succeeded", metadata=None):
        payment_id = str(uuid.uuid4())
        self.payments[payment_id] = {
            "id": payment_id,
            "status": status,
            "paid": status == "succeeded",
            "amount": {"value": value, "currency": currency},
            "metadata": metadata or {},
            "test": True,
        }
        return payment_id

    @property
    def paths(self):
        return [(r.method, r.url.path) for r in self.requests]

    # The API -------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self._authorised(request):
            return _error(401, "invalid_credentials", "Authentication failed")
        failure = self.failures.pop(0) if self.failures else None
        if failure == "drop":
            raise httpx.ConnectError("connection reset", request=request)
        path = request.url.path
        if request.method == "POST" and path == "/v3/payments":
            response = self._create(request)
        elif request.method == "POST" and path == "/v3/receipts":
            response = self._create_receipt(request)
        elif request.method == "GET" and path.startswith("/v3/payments/"):
            payment = self.payments.get(path.removeprefix("/v3/payments/"))
            response = (
                httpx.Response(200, json=payment)
                if payment
                else _error(404, "not_found", "Payment not found")
            )
        else:
            response = _error(404, "not_found", "No such method")
        if failure is not None:
            return httpx.Response(failure, json={"type": "error", "code": "internal_server_error"})
        return response

    def _authorised(self, request):
        expected = base64.b64encode(f"{self.shop_id}:{self.secret_key}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    def _create(self, request):
        key = request.headers.get("Idempotence-Key")
        if not key:
            return _error(400, "invalid_request", "Idempotence-Key header is required")
        body = json.loads(request.content)
        if key in self.by_key:
            payment_id, first_body = self.by_key[key]
            if first_body != body:
                return _error(400, "invalid_request", "Idempotence key duplicated")
            return httpx.Response(200, json=self.payments[payment_id])
        if body.get("amount", {}).get("value") in (None, "0.00"):
            return _error(400, "invalid_request", "Amount is required")
        payment_id = str(uuid.uuid4())
        self.payments[payment_id] = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": body["amount"],
            "description": body.get("description", ""),
            "metadata": body.get("metadata", {}),
            "confirmation": {
                "type": "redirect",
                "return_url": body["confirmation"]["return_url"],
                "confirmation_url": f"https://yoomoney.example/checkout?orderId={payment_id}",
            },
            "test": True,
        }
        self.by_key[key] = (payment_id, body)
        return httpx.Response(200, json=self.payments[payment_id])

    def _create_receipt(self, request):
        key = request.headers.get("Idempotence-Key")
        if not key:
            return _error(400, "invalid_request", "Idempotence-Key header is required")
        body = json.loads(request.content)
        if key in self.receipts_by_key:
            receipt_id, first_body = self.receipts_by_key[key]
            if first_body != body:
                return _error(400, "invalid_request", "Idempotence key duplicated")
            return httpx.Response(200, json=self.receipts[receipt_id])
        if body.get("type") not in ("payment", "refund"):
            return _error(400, "invalid_request", "type is payment or refund")
        if body.get("payment_id") not in self.payments:
            return _error(400, "invalid_request", "Payment not found")
        customer = body.get("customer") or {}
        if not (customer.get("email") or customer.get("phone")):
            return _error(400, "invalid_request", "customer.email or customer.phone is required")
        items = body.get("items") or []
        settlements = body.get("settlements") or []
        cents = sum(round(float(i["quantity"]) * float(i["amount"]["value"]) * 100) for i in items)
        settled = sum(round(float(s["amount"]["value"]) * 100) for s in settlements)
        if not items or cents != settled:
            return _error(400, "invalid_request", "Items do not add up to the settlements")
        receipt_id = f"rt-{uuid.uuid4()}"
        self.receipts[receipt_id] = {
            "id": receipt_id,
            "type": body["type"],
            "payment_id": body["payment_id"],
            "status": "pending",
            "items": items,
            "settlements": settlements,
        }
        self.receipts_by_key[key] = (receipt_id, body)
        return httpx.Response(200, json=self.receipts[receipt_id])


def _error(status, code, description):
    return httpx.Response(status, json={"type": "error", "code": code, "description": description})

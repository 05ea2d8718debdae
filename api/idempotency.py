"""Idempotency-Key on writes, as the website intake takes it: the same key with the same
request gives the same answer and no second object; the same key with another request is
refused with 422. The key is stored in the transaction of the change, so a retry racing the
first request waits for it on the unique index and then gets its answer."""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from .errors import ALL, error_response
from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEY_REUSED = (
    "Этот Idempotency-Key уже использован для другого запроса. Для нового запроса нужен новый ключ."
)
KEY_TOO_LONG = f"Idempotency-Key — не длиннее {MAX_KEY_LENGTH} знаков."


def request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(stored: IdempotentRequest, digest: str) -> Response:
    if stored.request_hash != digest:
        return error_response(422, {HEADER: [KEY_REUSED]})
    response = Response(stored.response, status=stored.status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(action):
    """For a view method that writes: the whole action runs in one transaction, and with an
    Idempotency-Key its successful answer is stored in that same transaction."""

    @functools.wraps(action)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            with transaction.atomic():
                return action(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return error_response(400, {HEADER: [KEY_TOO_LONG]})
        digest = request_hash(request)
        stored = IdempotentRequest.objects.filter(user=request.user, key=key).first()
        if stored is not None:
            return _replay(stored, digest)
        try:
            with transaction.atomic():
                # Taken first: a concurrent request with this key now waits here until
                # this one commits or rolls back.
                row = IdempotentRequest.objects.create(
                    user=request.user, key=key, request_hash=digest, status=0
                )
                response = action(view, request, *args, **kwargs)
                if response.status_code >= 300:
                    # Nothing was done: roll the key back too, so a corrected request
                    # may use it.
                    transaction.set_rollback(True)
                    return response
                row.status = response.status_code
                row.response = json.loads(json.dumps(response.data, default=str))
                row.save(update_fields=["status", "response"])
                return response
        except IntegrityError:
            stored = IdempotentRequest.objects.filter(user=request.user, key=key).first()
            if stored is None:
                raise
            return _replay(stored, digest)

    wrapper.idempotent = True
    return wrapper


def describe() -> dict:
    """The header as an OpenAPI parameter."""
    return {
        "name": HEADER,
        "description": "Необязательно. Тот же ключ с тем же запросом вернёт тот же ответ "
        "и не создаст второй объект; с другим запросом — 422.",
    }


__all__ = ["ALL", "HEADER", "describe", "idempotent"]

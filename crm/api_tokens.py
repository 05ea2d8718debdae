"""Personal API keys: made and revoked by their owner on «Мой профиль», checked by the REST
API. Only a key's SHA-256 is stored; the key is shown once, when it is made."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import ApiToken

KEY_PREFIX = "crm_"
# The last-used time is written at most this often per key: one UPDATE per request would
# turn every API read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_ACTIVE_PER_USER = 20


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new key for the user: the row and the key itself, which is not kept anywhere."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=key[: len(KEY_PREFIX) + 6], digest=_digest(key)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_token_find(key: str) -> ApiToken | None:
    """The active token with this key, of an active user, with its last use recorded."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

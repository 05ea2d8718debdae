from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """A write sent with an Idempotency-Key: the answer given, to give it again when the
    same request is repeated (a retry after a lost connection) instead of acting twice.
    Stored in the transaction of the change itself, so a key is never kept without it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField("Idempotency-Key", max_length=200)
    # SHA-256 of the method, the path and the body: the same key with anything else is refused.
    request_hash = models.CharField("хеш запроса", max_length=64)
    status = models.PositiveSmallIntegerField("код ответа")
    response = models.JSONField("ответ", null=True)
    created_at = models.DateTimeField("получен", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "запрос API с ключом идемпотентности"
        verbose_name_plural = "запросы API с ключом идемпотентности"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_once"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.key}"

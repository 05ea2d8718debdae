from django.db import models

# ---------------------------------------------------------------------------------------
# Document numbering: one counter row per kind of document and year.
# Used only through billing.numbering.next_number().
# ---------------------------------------------------------------------------------------


class DocumentCounter(models.Model):
    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "Коммерческое предложение"
        CONTRACT = "contract", "Договор"
        INVOICE = "invoice", "Счёт"

    kind = models.CharField("вид документа", max_length=16, choices=Kind)
    year = models.PositiveSmallIntegerField("год")
    last = models.PositiveIntegerField("последний выданный номер", default=0)

    class Meta:
        verbose_name = "счётчик номеров"
        verbose_name_plural = "счётчики номеров"
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="billing_counter_kind_year"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.year}: {self.last}"


# ---------------------------------------------------------------------------------------
# The sandbox payment provider's own ledger (billing.payments.sandbox): what a real
# provider keeps on its side. Invoices and their payments do not point here.
# ---------------------------------------------------------------------------------------


class SandboxPayment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Ожидает оплаты"
        SUCCEEDED = "succeeded", "Оплачен"
        CANCELED = "canceled", "Отменён"

    payment_id = models.CharField("идентификатор", max_length=64, unique=True)
    idempotence_key = models.CharField("ключ идемпотентности", max_length=64, unique=True)
    amount = models.DecimalField("сумма", max_digits=14, decimal_places=2)
    currency = models.CharField("валюта", max_length=3)
    description = models.CharField("назначение", max_length=128)
    return_url = models.CharField("адрес возврата", max_length=2000)
    metadata = models.JSONField("метаданные", default=dict)
    receipt = models.JSONField("чек", null=True, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField("создан", auto_now_add=True)
    finished_at = models.DateTimeField("завершён", null=True, blank=True)

    class Meta:
        verbose_name = "тестовый платёж"
        verbose_name_plural = "тестовые платежи"

    def __str__(self):
        return f"{self.payment_id}: {self.amount} {self.currency}, {self.get_status_display()}"

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

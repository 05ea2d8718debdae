from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property

from crm.formats import money as format_money
from crm.models import TimeStampedModel
from deals.models import Deal

from . import money
from .money import KOPECK, DiscountKind, VatMode

VAT_RATE_CHOICES = [(rate.quantize(KOPECK), money.format_rate(rate)) for rate in money.VAT_RATES]
VAT_MODE_CHOICES = [(mode.value, label) for mode, label in money.VAT_MODE_LABELS.items()]
DISCOUNT_KIND_CHOICES = [(DiscountKind.PERCENT.value, "%"), (DiscountKind.AMOUNT.value, "₽")]


class Unit(models.TextChoices):
    """Units of measure with their codes from ОКЕИ (ОК 015-94), as invoices and УПД print them."""

    PIECE = "796", "шт"
    SERVICE = "876", "усл. ед"
    HOUR = "356", "ч"
    MAN_HOUR = "539", "чел.-ч"
    DAY = "359", "сут"
    WEEK = "360", "нед"
    MONTH = "362", "мес"
    YEAR = "366", "год"
    SET = "839", "компл"
    PACKAGE = "778", "упак"
    PERSON = "792", "чел"
    METRE = "006", "м"
    SQUARE_METRE = "055", "м²"
    KILOGRAM = "166", "кг"
    LITRE = "112", "л"


class CatalogGroup(models.Model):
    name = models.CharField("название", max_length=200, unique=True)
    order = models.PositiveIntegerField("порядок", default=0)

    class Meta:
        verbose_name = "группа каталога"
        verbose_name_plural = "группы каталога"
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class CatalogItemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def search(self, query: str):
        query = (query or "").strip()
        if not query:
            return self
        # SQLite folds case for ASCII only, so «разработка» would miss «Разработка сайта»
        # there; trying the usual spellings of the word finds it on every database.
        match = Q()
        for variant in {query, query.lower(), query.upper(), query.capitalize()}:
            match |= Q(name__icontains=variant) | Q(sku__icontains=variant)
        return self.filter(match)


class CatalogItem(TimeStampedModel):
    class Kind(models.TextChoices):
        GOOD = "good", "Товар"
        SERVICE = "service", "Услуга"

    group = models.ForeignKey(
        CatalogGroup,
        verbose_name="группа",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )
    name = models.CharField("наименование", max_length=500)
    kind = models.CharField("вид", max_length=8, choices=Kind, default=Kind.SERVICE)
    unit = models.CharField("единица", max_length=4, choices=Unit, default=Unit.PIECE)
    price = models.DecimalField(
        "цена, ₽", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    vat_rate = models.DecimalField(
        "ставка НДС",
        max_digits=5,
        decimal_places=2,
        choices=VAT_RATE_CHOICES,
        null=True,
        blank=True,
        help_text="Пусто — ставка продавца по умолчанию.",
    )
    sku = models.CharField("артикул", max_length=64, blank=True)
    description = models.TextField("описание", blank=True)
    active = models.BooleanField("в продаже", default=True)

    objects = CatalogItemQuerySet.as_manager()

    class Meta:
        verbose_name = "позиция каталога"
        verbose_name_plural = "каталог товаров и услуг"
        ordering = ["group__order", "group__name", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku"], condition=~Q(sku=""), name="catalogitem_unique_sku"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def vat_label(self) -> str:
        return money.format_rate(self.vat_rate) if self.vat_rate is not None else "по умолчанию"


class CalculationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(deal__in=Deal.objects.visible_to(user))

    def current_for(self, deal: Deal) -> "Calculation | None":
        """The deal's current calculation (the one its budget follows), or None."""
        return self.filter(deal=deal, is_current=True).first()


class Calculation(TimeStampedModel):
    """A cost calculation of a deal. A deal has several (variants, and versions of a frozen
    one); the budget follows the current one. Mode, rates, amounts and totals are copies
    made when it was saved, so later catalog or tax changes never alter it."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="calculations")
    number = models.PositiveIntegerField("номер в сделке")
    version = models.PositiveIntegerField("версия", default=1)
    parent = models.ForeignKey(
        "self",
        verbose_name="создан из",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="versions",
    )
    title = models.CharField("название", max_length=200, blank=True)
    is_current = models.BooleanField("текущий", default=False)
    is_frozen = models.BooleanField("заморожен", default=False)
    frozen_at = models.DateTimeField("заморожен с", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="автор",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    discount = models.DecimalField(
        "скидка на расчёт", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    discount_kind = models.CharField(
        "скидка в", max_length=8, choices=DISCOUNT_KIND_CHOICES, default=DiscountKind.PERCENT
    )
    vat_mode = models.CharField(
        "НДС", max_length=10, choices=VAT_MODE_CHOICES, default=VatMode.INCLUDED
    )
    vat_rate = models.DecimalField(
        "ставка НДС по умолчанию", max_digits=5, decimal_places=2, default=Decimal("22")
    )
    subtotal = models.DecimalField(
        "сумма до скидки на расчёт", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    discount_total = models.DecimalField(
        "скидка на расчёт, ₽", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    total_without_vat = models.DecimalField(
        "сумма без НДС", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    total_vat = models.DecimalField("НДС, ₽", max_digits=14, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField("итого", max_digits=14, decimal_places=2, default=Decimal("0"))

    objects = CalculationQuerySet.as_manager()

    class Meta:
        verbose_name = "расчёт"
        verbose_name_plural = "расчёты"
        ordering = ["deal", "number", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "number", "version"], name="calculation_number_version"
            ),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(is_current=True), name="calculation_one_current"
            ),
        ]

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("calculations:detail", args=[self.deal_id, self.pk])

    @property
    def label(self) -> str:
        """«Расчёт №2», or «Расчёт №2, версия 3» for a later version."""
        return f"Расчёт {self.short_label}"

    @property
    def short_label(self) -> str:
        return f"№{self.number}" + (f", версия {self.version}" if self.version > 1 else "")

    def vat_mode_label(self) -> str:
        label = money.VAT_MODE_LABELS[VatMode(self.vat_mode)]
        if self.vat_mode == VatMode.NONE:
            return label
        return f"{label}, {money.format_rate(self.vat_rate)}"

    @property
    def discount_label(self) -> str:
        """«10 %» or «5 000,00 ₽»; "" without a discount on the whole calculation."""
        if not self.discount:
            return ""
        if self.discount_kind == DiscountKind.PERCENT:
            return money.format_rate(self.discount)
        return f"{format_money(self.discount)} ₽"

    @cached_property
    def line_list(self) -> list["CalculationLine"]:
        """The lines, read once (from a prefetch when there is one)."""
        return list(self.lines.all())

    @property
    def has_line_discounts(self) -> bool:
        return any(line.discount for line in self.line_list)

    def totals(self) -> money.Totals:
        """The stored amounts as money.Totals."""
        return money.totals_of(self.vat_mode, [line.result() for line in self.line_list])

    @cached_property
    def display_totals(self) -> dict:
        return money.format_totals(self.totals())


class CalculationLine(models.Model):
    calculation = models.ForeignKey(Calculation, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField("№", default=0)
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name="позиция каталога",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField("наименование", max_length=500)
    unit_code = models.CharField("код ОКЕИ", max_length=4, choices=Unit, default=Unit.PIECE)
    unit = models.CharField("единица", max_length=20)
    quantity = models.DecimalField("количество", max_digits=12, decimal_places=3)
    price = models.DecimalField("цена, ₽", max_digits=14, decimal_places=2)
    discount = models.DecimalField("скидка", max_digits=14, decimal_places=2, default=0)
    discount_kind = models.CharField(
        "скидка в", max_length=8, choices=DISCOUNT_KIND_CHOICES, default=DiscountKind.PERCENT
    )
    vat_rate = models.DecimalField("ставка НДС", max_digits=5, decimal_places=2)
    amount = models.DecimalField("сумма", max_digits=14, decimal_places=2)
    discount_share = models.DecimalField(
        "доля скидки на расчёт", max_digits=14, decimal_places=2, default=0
    )
    total_without_vat = models.DecimalField("сумма без НДС", max_digits=14, decimal_places=2)
    vat = models.DecimalField("НДС", max_digits=14, decimal_places=2)
    total = models.DecimalField("итого", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "строка расчёта"
        verbose_name_plural = "строки расчёта"
        ordering = ["calculation", "position", "pk"]

    def __str__(self):
        return self.name

    def result(self) -> money.LineResult:
        return money.LineResult(
            amount=self.amount,
            discount_share=self.discount_share,
            vat_rate=self.vat_rate,
            without_vat=self.total_without_vat,
            vat=self.vat,
            total=self.total,
        )

    @property
    def discount_label(self) -> str:
        if not self.discount:
            return ""
        if self.discount_kind == DiscountKind.PERCENT:
            return money.format_rate(self.discount)
        return f"{format_money(self.discount)} ₽"

    @property
    def quantity_label(self) -> str:
        return money.format_quantity(self.quantity)


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

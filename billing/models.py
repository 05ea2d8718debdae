import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from contacts import parties
from contacts.models import Seller
from crm.formats import date_long
from crm.formats import money as format_money
from crm.models import Annullable, ClientAcceptance, PublicLink, StoredPdf, TimeStampedModel
from crm.numbering import protect_fixed
from deals.models import Deal

from . import money
from .money import KOPECK, DiscountKind, TaxRegime, UsnObject, VatMode

VAT_RATE_CHOICES = [(rate.quantize(KOPECK), money.format_rate(rate)) for rate in money.VAT_RATES]
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
    vat_mode = models.CharField("НДС", max_length=10, choices=VatMode, default=VatMode.INCLUDED)
    vat_rate = models.DecimalField(
        "ставка НДС по умолчанию", max_digits=5, decimal_places=2, default=Decimal("22")
    )
    vat_note = models.CharField(
        "почему без НДС", max_length=300, blank=True, help_text="billing.tax.vat_note"
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
        return money.vat_mode_label(self.vat_mode, self.vat_rate)

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
        return money.format_totals(self.totals(), note=self.vat_note)

    @property
    def shows_vat_column(self) -> bool:
        """Lines at different rates (or some «без НДС»): the table says which is which."""
        return money.shows_vat_column(self.vat_mode, self.line_list)

    @property
    def table_label_span(self) -> int:
        """Columns before «Сумма» in the printed table (its totals' labels span them)."""
        return 5 + self.has_line_discounts + self.shows_vat_column


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
    vat_exempt = models.BooleanField(
        "без НДС (ст. 149 НК РФ)", default=False, help_text="Ставка тогда хранится как 0."
    )
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

    @property
    def line_rate(self) -> Decimal | None:
        """The rate as the arithmetic reads it: None for a line «без НДС»."""
        return None if self.vat_exempt else self.vat_rate

    @property
    def vat_label(self) -> str:
        return money.format_rate(self.line_rate)

    def result(self) -> money.LineResult:
        return money.LineResult(
            amount=self.amount,
            discount_share=self.discount_share,
            vat_rate=self.line_rate,
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
# The seller's tax regime. Read through billing.tax.seller_policy(), changed through
# billing.tax.seller_tax_save().
# ---------------------------------------------------------------------------------------


class SellerTax(TimeStampedModel):
    """The seller's tax regime: billing's, one row per seller (the requisites live in
    contacts). `vat_mode` and `vat_rate` are how prices carry VAT and the default rate of a
    line; a regime without VAT stores NONE and 0. A seller without a row is on ОСН with VAT
    22 % included in prices. The rules are in billing.tax."""

    seller = models.OneToOneField(
        Seller, verbose_name="продавец", on_delete=models.CASCADE, related_name="tax"
    )
    regime = models.CharField(
        "налоговый режим", max_length=10, choices=TaxRegime, default=TaxRegime.OSN
    )
    usn_object = models.CharField(
        "объект налогообложения",
        max_length=16,
        choices=UsnObject,
        default=UsnObject.INCOME,
        help_text="Для УСН и АУСН: от него зависит система налогообложения в кассовом чеке.",
    )
    vat_mode = models.CharField("НДС", max_length=10, choices=VatMode, default=VatMode.INCLUDED)
    vat_rate = models.DecimalField(
        "ставка НДС по умолчанию",
        max_digits=5,
        decimal_places=2,
        choices=VAT_RATE_CHOICES,
        default=money.DEFAULT_VAT_RATE,
        help_text="Не применяется, если работаете без НДС.",
    )
    exemption_basis = models.CharField(
        "основание продаж без НДС",
        max_length=200,
        blank=True,
        help_text="Пункт ст. 149 НК РФ для строк «без НДС», например «пп. 26 п. 2 ст. 149 НК "
        "РФ». Печатается в документах.",
    )

    class Meta:
        verbose_name = "налог продавца"
        verbose_name_plural = "налог продавца"

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """«ОСН, НДС включён в цену, 22 %», «УСН без НДС, доходы»."""
        from .tax import policy_of

        return policy_of(self).label


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


# ---------------------------------------------------------------------------------------
# Invoices («счёт на оплату») and their payments.
# ---------------------------------------------------------------------------------------


def new_pay_nonce() -> str:
    # Part of every idempotence key of the invoice's online payments: keys stay unique at the
    # provider even when a database is reset and invoice ids repeat.
    return secrets.token_hex(6)


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(deal__in=Deal.objects.visible_to(user))

    def issued(self):
        return self.exclude(status=Invoice.Status.DRAFT)

    def overdue(self, today: datetime.date | None = None):
        """Issued, not (fully) paid, and past the due date."""
        today = today or timezone.localdate()
        return self.filter(status__in=Invoice.OPEN_STATUSES, due_date__lt=today)


class Invoice(PublicLink, StoredPdf, Annullable, TimeStampedModel):
    """A «счёт на оплату» of a deal. Its lines, amounts and both parties' requisites are
    copies made when it is created and issued, so later changes of the calculation, the
    catalog or the requisites never alter an issued invoice. `paid_amount` is the sum of
    the applied payments, kept under a lock on this row (see billing.services).

    A draft has no number; it gets one when issued, from the year of its date (the day it
    is issued, unless the manager set another). An issued invoice is never deleted: it is
    annulled, keeping its number."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Черновик"
        SENT = "sent", "Выставлен"
        PARTLY_PAID = "partly_paid", "Оплачен частично"
        PAID = "paid", "Оплачен"
        ANNULLED = "annulled", "Аннулирован"

    OPEN_STATUSES = (Status.SENT, Status.PARTLY_PAID)
    KIND = "invoice"  # the numbering kind (crm.numbering)

    deal = models.ForeignKey(Deal, on_delete=protect_fixed, related_name="invoices")
    year = models.PositiveSmallIntegerField("год", null=True, blank=True)
    number = models.PositiveIntegerField("номер", null=True, blank=True)
    date = models.DateField(
        "дата", null=True, blank=True, help_text="Пусто у черновика — день выставления."
    )
    due_date = models.DateField("оплатить до", null=True, blank=True)
    basis = models.CharField(
        "основание",
        max_length=300,
        blank=True,
        help_text="Например, «Договор № 15 от 5 марта 2026 г.».",
    )
    calculation = models.ForeignKey(
        Calculation,
        verbose_name="по расчёту",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invoices",
    )
    status = models.CharField(
        "статус", max_length=12, choices=Status, default=Status.DRAFT, db_index=True
    )
    currency = models.CharField("валюта", max_length=3, default="RUB")
    vat_mode = models.CharField("НДС", max_length=10, choices=VatMode)
    vat_note = models.CharField(
        "почему без НДС", max_length=300, blank=True, help_text="billing.tax.vat_note"
    )
    subtotal = models.DecimalField(
        "итого по строкам", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    total_vat = models.DecimalField("НДС, ₽", max_digits=14, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField("всего к оплате", max_digits=14, decimal_places=2)
    paid_amount = models.DecimalField("оплачено", max_digits=14, decimal_places=2, default=0)
    seller_data = models.JSONField("продавец (копия реквизитов)", default=dict)
    buyer_data = models.JSONField("покупатель (копия реквизитов)", default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField("выставлен", null=True, blank=True)
    paid_at = models.DateTimeField("оплачен", null=True, blank=True)
    # The goods and services are handed over (the closing document): payments from now on
    # are no prepayments, and the receipts of earlier ones are offset (billing.services).
    delivered_at = models.DateTimeField("передано покупателю", null=True, blank=True)
    pay_nonce = models.CharField(max_length=12, default=new_pay_nonce, editable=False)
    pay_attempt = models.PositiveIntegerField("попытка оплаты онлайн", default=1, editable=False)

    public_url_name = "billing:invoice_public"

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "счёт"
        verbose_name_plural = "счета"
        ordering = ["-date", "-number", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="invoice_year_number"),
            # A draft has no number; every other invoice has its number, year and dates.
            models.CheckConstraint(
                condition=Q(status="draft", year__isnull=True, number__isnull=True)
                | (
                    ~Q(status="draft")
                    & Q(
                        year__isnull=False,
                        number__isnull=False,
                        date__isnull=False,
                        due_date__isnull=False,
                    )
                ),
                name="invoice_numbered_unless_draft",
            ),
        ]
        indexes = [
            models.Index(fields=["deal", "-date"], name="invoice_deal_date"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("billing:invoice_detail", args=[self.deal_id, self.pk])

    # A client document (crm.models.PublicLink, StoredPdf)

    def link_deal(self) -> Deal:
        return self.deal

    def link_title(self) -> str:
        """«счёт № 12 от 5 марта 2026 г.»; a draft: «счёт без номера (черновик)»."""
        if self.number is None:
            return "счёт без номера (черновик)"
        return f"счёт № {self.number} от {date_long(self.date)}"

    def pdf_html(self) -> str:
        from django.template.loader import render_to_string

        return render_to_string("pdf/invoice.html", {"invoice": self})

    def pdf_filename(self) -> str:
        return f"schet-{self.year}-{self.number}.pdf"

    # Reading

    @property
    def title(self) -> str:
        """«Счёт № 12 от 5 марта 2026 г.», a draft «Счёт без номера (черновик)»."""
        text = self.link_title()
        return text[:1].upper() + text[1:]

    @property
    def heading(self) -> str:
        """«Счёт на оплату № 12 от 5 марта 2026 г.», the title printed on the document."""
        if self.number is None:
            return "Счёт на оплату без номера (черновик)"
        return f"Счёт на оплату № {self.number} от {date_long(self.date)}"

    @property
    def short_label(self) -> str:
        """«№ 12 от 05.03.2026» in lists; a draft «без номера (черновик)»."""
        if self.number is None:
            return "без номера (черновик)"
        return f"№ {self.number} от {self.date:%d.%m.%Y}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        """Issued and waiting for (the rest of) the money."""
        return self.status in self.OPEN_STATUSES

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID

    @property
    def is_annulled(self) -> bool:
        return self.status == self.Status.ANNULLED

    @property
    def outstanding(self) -> Decimal:
        """What is left to pay (never below zero)."""
        return max(self.total - self.paid_amount, Decimal("0.00"))

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    def paid_on(self) -> datetime.date | None:
        """The day of the last payment that counts: the invoice is (partly) paid as of then."""
        return self.payments.applied().aggregate(day=Max("paid_on"))["day"]

    @property
    def status_color(self) -> str:
        if self.is_overdue:
            return "danger"
        return {
            self.Status.DRAFT: "secondary",
            self.Status.SENT: "primary",
            self.Status.PARTLY_PAID: "warning",
            self.Status.PAID: "success",
            self.Status.ANNULLED: "dark",
        }[self.status]

    @cached_property
    def line_list(self) -> list["InvoiceLine"]:
        return list(self.lines.all())

    @property
    def has_discounts(self) -> bool:
        return any(line.discount for line in self.line_list)

    def vat_lines(self) -> list[dict]:
        """The VAT rows under the table (billing.money.document_vat_lines)."""
        return money.document_vat_lines(self.vat_mode, self.line_list)

    @property
    def shows_vat_column(self) -> bool:
        return money.shows_vat_column(self.vat_mode, self.line_list)

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None

    @property
    def vat_on_top(self) -> bool:
        return self.vat_mode == VatMode.ON_TOP

    @property
    def total_in_words(self) -> str:
        from .words import amount_in_words_capitalized

        return amount_in_words_capitalized(self.total)

    @property
    def seller_line(self) -> str:
        """«ООО «Пиксель», ИНН …, КПП …, адрес, тел.: …» after «Поставщик (Исполнитель):»."""
        return parties.requisites_line(self.seller_data)

    @property
    def buyer_line(self) -> str:
        """The same for the buyer; an individual shows the name and address only."""
        return parties.requisites_line(self.buyer_data)

    @property
    def buyer_name(self) -> str:
        return self.buyer_data.get("name", "")

    def signatures(self) -> list[tuple[str, str]]:
        """(who, «Фамилия И. О.») under the document, from the seller's copy."""
        return parties.payment_signatures(self.seller_data)

    @property
    def lines_summary(self) -> str:
        """«Всего наименований 3, на сумму 12 345,67 руб.»"""
        total = format_money(self.total)
        return f"Всего наименований {len(self.line_list)}, на сумму {total}\xa0руб."


class PrintedLine(models.Model):
    """A line of a document as printed (an invoice, an act): its columns and their labels.
    `amount` is the «Сумма» column after discounts, `vat` the VAT in it."""

    position = models.PositiveIntegerField("№", default=0)
    name = models.CharField("наименование", max_length=500)
    unit_code = models.CharField("код ОКЕИ", max_length=4, choices=Unit, default=Unit.PIECE)
    unit = models.CharField("единица", max_length=20)
    quantity = models.DecimalField("количество", max_digits=12, decimal_places=3)
    price = models.DecimalField("цена, ₽", max_digits=14, decimal_places=2)
    discount = models.DecimalField("скидка, ₽", max_digits=14, decimal_places=2, default=0)
    amount = models.DecimalField("сумма", max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField("ставка НДС", max_digits=5, decimal_places=2)
    vat_exempt = models.BooleanField(
        "без НДС (ст. 149 НК РФ)", default=False, help_text="Ставка тогда хранится как 0."
    )
    vat = models.DecimalField("НДС", max_digits=14, decimal_places=2)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def quantity_label(self) -> str:
        return money.format_quantity(self.quantity)

    @property
    def line_rate(self) -> Decimal | None:
        """The rate as receipts and tables read it: None for a line «без НДС»."""
        return None if self.vat_exempt else self.vat_rate

    @property
    def vat_label(self) -> str:
        return money.format_rate(self.line_rate)


class InvoiceLine(PrintedLine):
    """A line as printed on the invoice. `amount` is the «Сумма» column (after discounts; with
    VAT on top it is without VAT), `total` what the buyer pays for the line."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    is_good = models.BooleanField("товар", default=False)
    total = models.DecimalField("к оплате", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "строка счёта"
        verbose_name_plural = "строки счёта"
        ordering = ["invoice", "position", "pk"]


class PaymentQuerySet(models.QuerySet):
    def applied(self):
        return self.filter(applied=True)


class Payment(TimeStampedModel):
    """Money received (or expected) for an invoice: an online payment through a provider,
    or cash / a bank transfer marked by a manager. Only applied payments count towards the
    invoice; a payment that arrived with another amount or currency, or for an invoice that
    no longer waits for it, is kept with the reason and counts for nothing."""

    class Method(models.TextChoices):
        ONLINE = "online", "Онлайн"
        CASH = "cash", "Наличными"
        TRANSFER = "transfer", "Банковским переводом"

    class Status(models.TextChoices):
        PENDING = "pending", "Ожидает оплаты"
        SUCCEEDED = "succeeded", "Получен"
        CANCELED = "canceled", "Не прошёл"

    MANUAL_METHODS = (Method.CASH, Method.TRANSFER)

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField("способ", max_length=10, choices=Method)
    status = models.CharField("статус", max_length=10, choices=Status, default=Status.PENDING)
    amount = models.DecimalField("сумма", max_digits=14, decimal_places=2)
    currency = models.CharField("валюта", max_length=3, default="RUB")
    applied = models.BooleanField("засчитан в оплату счёта", default=False)
    problem = models.CharField("почему не засчитан", max_length=300, blank=True)
    paid_on = models.DateField("дата оплаты", null=True, blank=True)
    comment = models.TextField("комментарий", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="отметил",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Online payments: the provider's payment, what we asked for, where the client pays.
    provider = models.CharField("платёжный сервис", max_length=16, blank=True)
    provider_payment_id = models.CharField("номер платежа в сервисе", max_length=64, blank=True)
    idempotence_key = models.CharField("ключ идемпотентности", max_length=64, blank=True)
    requested_amount = models.DecimalField(
        "запрошенная сумма", max_digits=14, decimal_places=2, null=True, blank=True
    )
    confirmation_url = models.CharField("страница оплаты", max_length=2000, blank=True)
    # The 54-ФЗ receipt sent with the payment, as sent: a prepayment's is offset from it.
    receipt = models.JSONField("кассовый чек", null=True, blank=True)
    # A manual payment undone by the head of sales stays, marked with who and when.
    undone_at = models.DateTimeField("отменён", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="отменил",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "платёж"
        verbose_name_plural = "платежи"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="payment_provider_id_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_method_display()}: {format_money(self.amount)} {self.currency}"

    @property
    def is_manual(self) -> bool:
        return self.method in self.MANUAL_METHODS

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None

    @property
    def provider_title(self) -> str:
        return {"sandbox": "тестовая оплата", "yookassa": "ЮKassa"}.get(
            self.provider, self.provider
        )


class FiscalReceipt(TimeStampedModel):
    """A 54-ФЗ receipt sent on its own, after the payment: the closing receipt («полный
    расчёт») that offsets an invoice's online prepayments when its goods and services are
    handed over. Stored before it is sent and sent by a task that may run any number of
    times; one failing to reach the provider stays pending and is sent again by the sweeper
    (billing.services.receipts)."""

    class Kind(models.TextChoices):
        CLOSING = "closing", "Зачёт предоплаты"

    class Status(models.TextChoices):
        PENDING = "pending", "Ждёт отправки"
        SENDING = "sending", "Отправляется"
        SENT = "sent", "Передан в кассу"
        SUCCEEDED = "succeeded", "Зарегистрирован"
        CANCELED = "canceled", "Касса отказала"
        FAILED = "failed", "Не отправлен"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField("вид", max_length=10, choices=Kind, default=Kind.CLOSING)
    provider = models.CharField("платёжный сервис", max_length=16)
    payments = models.ManyToManyField(
        Payment, verbose_name="зачтённые предоплаты", related_name="closing_receipts"
    )
    body = models.JSONField("чек")
    amount = models.DecimalField("сумма", max_digits=14, decimal_places=2)
    idempotence_key = models.CharField("ключ идемпотентности", max_length=64, unique=True)
    status = models.CharField(
        "статус", max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    provider_receipt_id = models.CharField("номер чека в сервисе", max_length=64, blank=True)
    attempts = models.PositiveIntegerField("попыток", default=0)
    next_attempt_at = models.DateTimeField("следующая попытка", default=timezone.now)
    claimed_at = models.DateTimeField("взят в отправку", null=True, blank=True)
    sent_at = models.DateTimeField("отправлен", null=True, blank=True)
    last_error = models.TextField("ошибка", blank=True)

    class Meta:
        verbose_name = "кассовый чек"
        verbose_name_plural = "кассовые чеки"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="fiscalreceipt_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} по счёту № {self.invoice.number}: {self.amount}"


# ---------------------------------------------------------------------------------------
# Acts («акт выполненных работ (оказанных услуг)»): the closing document of invoices.
# Workflows in billing.services.acts.
# ---------------------------------------------------------------------------------------


class ActQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(deal__in=Deal.objects.visible_to(user))

    def live(self):
        """Not annulled: a draft, or a fixed act that stands."""
        return self.exclude(status=Act.Status.ANNULLED)


class Act(PublicLink, ClientAcceptance, Annullable, TimeStampedModel):
    """An «акт выполненных работ (оказанных услуг)» of a deal, from an invoice (closing it)
    or from a contract's calculation (closing the deal's invoices of that calculation). Its
    lines and amounts are copies made when it is created. A draft has no number; fixing it
    gives it the next number of the year of its date, copies both parties' requisites as they
    are then and renders its PDF, and from then on it is never deleted, only annulled. The
    client signs it by its link (crm.acceptance), or the manager marks it signed on paper;
    either way the invoices it closes are handed over."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Черновик"
        SENT = "sent", "Отправлен"
        ACCEPTED = "accepted", "Подписан клиентом"
        SIGNED = "signed", "Подписан на бумаге"
        ANNULLED = "annulled", "Аннулирован"

    KIND = "act"  # the numbering kind (crm.numbering)
    SIGNED_STATUSES = (Status.ACCEPTED, Status.SIGNED)
    STATEMENT = (
        "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объему, "
        "качеству и срокам оказания услуг не имеет."
    )

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="acts")
    invoices = models.ManyToManyField(
        Invoice, verbose_name="закрывает счета", related_name="acts", blank=True
    )
    calculation = models.ForeignKey(
        Calculation,
        verbose_name="по расчёту",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acts",
    )
    year = models.PositiveSmallIntegerField("год", null=True, blank=True)
    number = models.PositiveIntegerField("номер", null=True, blank=True)
    date = models.DateField("дата")
    period_start = models.DateField("услуги оказаны с", null=True, blank=True)
    period_end = models.DateField("услуги оказаны по", null=True, blank=True)
    basis = models.CharField("основание", max_length=300, blank=True)
    status = models.CharField(
        "статус", max_length=10, choices=Status, default=Status.DRAFT, db_index=True
    )
    vat_mode = models.CharField("НДС", max_length=10, choices=VatMode)
    vat_note = models.CharField(
        "почему без НДС", max_length=300, blank=True, help_text="billing.tax.vat_note"
    )
    subtotal = models.DecimalField(
        "итого по строкам", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    total_vat = models.DecimalField("НДС, ₽", max_digits=14, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField("всего", max_digits=14, decimal_places=2, default=Decimal("0"))
    seller_data = models.JSONField("исполнитель (копия реквизитов)", default=dict)
    buyer_data = models.JSONField("заказчик (копия реквизитов)", default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fixed_at = models.DateTimeField("зафиксирован", null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="зафиксировал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Signed on paper: the date on the signed copy, who marked it and when.
    signed_on = models.DateField("подписан на бумаге", null=True, blank=True)
    signed_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="отметил подписание",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_marked_at = models.DateTimeField("подписание отмечено", null=True, blank=True)

    public_url_name = "billing:act_public"

    objects = ActQuerySet.as_manager()

    class Meta:
        verbose_name = "акт"
        verbose_name_plural = "акты"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"],
                condition=Q(number__isnull=False),
                name="act_year_number",
            ),
        ]
        indexes = [models.Index(fields=["deal", "-date"], name="act_deal_date")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("billing:act_detail", args=[self.deal_id, self.pk])

    def card_url(self) -> str:
        return f"{reverse('deals:detail', args=[self.deal_id])}#act-{self.pk}"

    # A client document (crm.models.PublicLink, ClientAcceptance)

    def link_deal(self) -> Deal:
        return self.deal

    def link_title(self) -> str:
        """«акт № 5 от 10 марта 2026 г.»; a draft has no number yet."""
        if self.number is None:
            return f"черновик акта от {date_long(self.date)}"
        return f"акт № {self.number} от {date_long(self.date)}"

    def pdf_html(self, *, draft: bool = False) -> str:
        from django.template.loader import render_to_string

        return render_to_string("pdf/act.html", {"act": self, "draft": draft})

    def pdf_filename(self) -> str:
        return f"akt-{self.year}-{self.number}.pdf"

    def download_name(self, suffix: str = "") -> str:
        """«Акт № 5 от 10.03.2026.pdf», the name the browser saves."""
        number = f" № {self.number}" if self.number is not None else ""
        return f"Акт{number} от {self.date:%d.%m.%Y}{suffix}.pdf"

    # Reading

    @property
    def title(self) -> str:
        """«Акт № 5 от 10 марта 2026 г.», «Черновик акта от 10 марта 2026 г.»"""
        text = self.link_title()
        return text[:1].upper() + text[1:]

    @property
    def heading(self) -> str:
        """The title printed on the document."""
        number = f"№ {self.number} " if self.number is not None else ""
        return f"Акт выполненных работ (оказанных услуг) {number}от {date_long(self.date)}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_fixed(self) -> bool:
        return self.number is not None

    @property
    def is_signed(self) -> bool:
        return self.status in self.SIGNED_STATUSES

    @property
    def is_annulled(self) -> bool:
        return self.status == self.Status.ANNULLED

    @property
    def awaits_client(self) -> bool:
        """Fixed, neither signed nor annulled: the client may sign it by the link."""
        return self.status == self.Status.SENT

    @property
    def status_color(self) -> str:
        return {
            self.Status.DRAFT: "secondary",
            self.Status.SENT: "primary",
            self.Status.ACCEPTED: "success",
            self.Status.SIGNED: "success",
            self.Status.ANNULLED: "dark",
        }[self.status]

    @property
    def period_label(self) -> str:
        """«Период оказания услуг: с 1 марта 2026 г. по 31 марта 2026 г.», or «Дата оказания
        услуг: 10 марта 2026 г.» (the act's date when no period is given)."""
        start, end = self.period_start, self.period_end
        if start and end and start != end:
            return f"Период оказания услуг: с {date_long(start)} по {date_long(end)}"
        return f"Дата оказания услуг: {date_long(end or start or self.date)}"

    @cached_property
    def line_list(self) -> list["ActLine"]:
        return list(self.lines.all())

    @property
    def has_discounts(self) -> bool:
        return any(line.discount for line in self.line_list)

    def vat_lines(self) -> list[dict]:
        """The VAT rows under the table (billing.money.document_vat_lines)."""
        return money.document_vat_lines(self.vat_mode, self.line_list)

    @property
    def shows_vat_column(self) -> bool:
        return money.shows_vat_column(self.vat_mode, self.line_list)

    @property
    def total_in_words(self) -> str:
        from .words import amount_in_words_capitalized

        return amount_in_words_capitalized(self.total)

    @property
    def lines_summary(self) -> str:
        """«Всего оказано услуг 3, на сумму 12 345,67 руб.»"""
        count = len(self.line_list)
        return f"Всего оказано услуг {count}, на сумму {format_money(self.total)} руб."

    @property
    def seller_line(self) -> str:
        return parties.requisites_line(self.seller_data)

    @property
    def buyer_line(self) -> str:
        return parties.requisites_line(self.buyer_data)

    @property
    def buyer_name(self) -> str:
        return self.buyer_data.get("name", "")

    def signatures(self) -> list[tuple[str, list[str]]]:
        """(role, lines to sign on) of both parties, from their copies."""
        return [
            ("Исполнитель", parties.snapshot_signature(self.seller_data)),
            ("Заказчик", parties.snapshot_signature(self.buyer_data)),
        ]


class ActLine(PrintedLine):
    """A line as printed on the act, copied from the invoice or the calculation it closes."""

    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="lines")
    total = models.DecimalField("всего", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "строка акта"
        verbose_name_plural = "строки акта"
        ordering = ["act", "position", "pk"]

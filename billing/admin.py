from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from import_export import fields, widgets
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from crm.admin import ModelAdmin, Names
from crm.spreadsheets import SafeExportResource
from deals.admin import NumberedDocumentAdmin

from . import services, tax
from .forms import SellerTaxForm
from .models import (
    Calculation,
    CalculationLine,
    CatalogGroup,
    CatalogItem,
    FiscalReceipt,
    Invoice,
    InvoiceLine,
    Payment,
    SellerTax,
    Unit,
)
from .money import VAT_RATES


class GroupWidget(widgets.ForeignKeyWidget):
    """A group by its name; a file may bring new groups."""

    def __init__(self):
        super().__init__(CatalogGroup, field="name")

    def clean(self, value, row=None, **kwargs):
        name = (value or "").strip()
        if not name:
            return None
        group, _ = CatalogGroup.objects.get_or_create(name=name)
        return group


class ChoiceWidget(widgets.Widget):
    """Exports the Russian label; imports the label or the stored code (a unit code that a
    spreadsheet turned into a number, 55 for «055», is padded back)."""

    def __init__(self, choices, *, pad: int = 0):
        self.by_label = {str(label).lower(): code for code, label in choices}
        self.labels = dict(choices)
        self.pad = pad
        super().__init__()

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if text.endswith(".0"):
            text = text[:-2]
        if text.lower() in self.by_label:
            return self.by_label[text.lower()]
        if self.pad and text.isdigit():
            text = text.zfill(self.pad)
        if text in self.labels:
            return text
        allowed = ", ".join(str(label) for label in self.labels.values())
        raise ValueError(f"Неизвестное значение «{text}»: возможны {allowed}.")

    def render(self, value, obj=None, **kwargs):
        return str(self.labels.get(value, value or ""))


class VatRateWidget(widgets.Widget):
    """«22» or «22 %»; empty means the seller's default rate. A rate the seller's regime
    does not allow is refused, saying why (billing.tax)."""

    policy: tax.TaxPolicy | None = None  # read once per import (CatalogItemResource)

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").replace("%", "").replace(",", ".").strip()
        if not text:
            return None
        try:
            rate = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"Ставка НДС «{value}» — не число.") from exc
        if rate not in VAT_RATES:
            allowed = ", ".join(f"{r}" for r in VAT_RATES)
            raise ValueError(f"Ставка НДС {rate} не действует: возможны {allowed} или пусто.")
        problem = (self.policy or tax.seller_policy()).rate_problem(rate)
        if problem:
            raise ValueError(problem)
        return rate

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{Decimal(value).normalize():f}"


class CatalogItemResource(SafeExportResource):
    group = fields.Field(attribute="group", column_name="group", widget=GroupWidget())
    kind = fields.Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(CatalogItem.Kind.choices)
    )
    unit = fields.Field(
        attribute="unit", column_name="unit", widget=ChoiceWidget(Unit.choices, pad=3)
    )
    vat_rate = fields.Field(attribute="vat_rate", column_name="vat_rate", widget=VatRateWidget())

    class Meta:
        model = CatalogItem
        fields = ("id", "sku", "name", "group", "kind", "unit", "price", "vat_rate", "active")
        export_order = ("id", "sku", "name", "group", "kind", "unit", "price", "vat_rate", "active")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        self.fields["vat_rate"].widget.policy = tax.seller_policy()


@admin.register(CatalogGroup)
class CatalogGroupAdmin(ModelAdmin):
    names = Names("группу каталога", "группы каталога", "групп каталога")
    list_display = ["name", "order"]
    list_editable = ["order"]
    search_fields = ["name"]


@admin.register(CatalogItem)
class CatalogItemAdmin(ImportExportModelAdmin, ModelAdmin):
    names = Names("позицию каталога", "позиции каталога", "позиций каталога")
    resource_classes = [CatalogItemResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    list_display = ["name", "sku", "group", "kind", "unit", "price", "vat_rate", "active"]
    list_filter = ["active", "kind", "group"]
    list_editable = ["active"]
    search_fields = ["name", "sku"]
    list_select_related = ["group"]


class CalculationLineInline(admin.TabularInline):
    model = CalculationLine
    extra = 0
    can_delete = False
    fields = [
        "position",
        "name",
        "quantity",
        "unit",
        "price",
        "discount",
        "discount_kind",
        "vat_rate",
        "vat",
        "total",
    ]
    readonly_fields = fields


@admin.register(Calculation)
class CalculationAdmin(ModelAdmin):
    """Read-only: a calculation is changed only through the calculator, which keeps the
    deal budget and frozen versions right."""

    names = Names("расчёт", "расчёта", "расчётов")
    list_display = ["__str__", "deal", "title", "total", "is_current", "is_frozen", "created_at"]
    list_filter = ["is_current", "is_frozen"]
    search_fields = ["title", "deal__title"]
    list_select_related = ["deal"]
    inlines = [CalculationLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SellerTaxAdminForm(SellerTaxForm):
    class Meta(SellerTaxForm.Meta):
        fields = ["seller", *SellerTaxForm.Meta.fields]


@admin.register(SellerTax)
class SellerTaxAdmin(ModelAdmin):
    """The seller's regime, as on the «Налог» page: saved through the same service, so a
    change shows in the seller's change log."""

    names = Names("налог продавца", "налога продавца", "налогов продавца")
    form = SellerTaxAdminForm
    list_display = ["seller", "regime", "vat_mode", "vat_rate"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = tax.seller_tax_save(
            seller=obj.seller,
            regime=data["regime"],
            usn_object=data["usn_object"],
            vat_mode=data["vat_mode"],
            vat_rate=data["vat_rate"],
            exemption_basis=data["exemption_basis"],
            by=request.user,
        )
        for name in ("pk", "regime", "usn_object", "vat_mode", "vat_rate", "exemption_basis"):
            setattr(obj, name, getattr(saved, name))


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "name", "quantity", "unit", "price", "discount", "amount", "vat_rate"]
    readonly_fields = fields


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["created_at", "method", "status", "amount", "currency", "applied", "problem"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(NumberedDocumentAdmin):
    """Read-only: invoices change through the deal card, which keeps numbers, payments and
    the deal's timeline right. A draft may be deleted; an issued invoice only annulled."""

    names = Names("счёт", "счёта", "счетов")
    list_display = ["__str__", "deal", "status", "total", "paid_amount", "due_date"]
    list_filter = ["status", "year"]
    search_fields = ["number", "deal__title"]
    list_select_related = ["deal"]
    inlines = [InvoiceLineInline, PaymentInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def annul_document(self, document, *, by, reason):
        services.invoice_annul(invoice=document, by=by, reason=reason)


@admin.register(Payment)
class PaymentAdmin(ModelAdmin):
    names = Names("платёж", "платежа", "платежей")
    list_display = [
        "__str__",
        "invoice",
        "status",
        "applied",
        "provider_name",
        "provider_payment_id",
        "created_at",
    ]
    list_filter = ["method", "status", "applied"]
    search_fields = ["provider_payment_id", "invoice__number"]
    list_select_related = ["invoice"]
    show_full_result_count = False

    @admin.display(description="платёжный сервис", ordering="provider")
    def provider_name(self, obj):
        return obj.provider_title if obj.provider else ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FiscalReceipt)
class FiscalReceiptAdmin(ModelAdmin):
    """Receipts sent on their own (the offset of prepayments): read-only, with the action
    that sends a failed one again."""

    names = Names("кассовый чек", "кассовых чека", "кассовых чеков")
    list_display = ["__str__", "status", "attempts", "provider_receipt_id", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["invoice__number", "provider_receipt_id"]
    list_select_related = ["invoice"]
    readonly_fields = [f.name for f in FiscalReceipt._meta.fields] + ["payments"]
    actions = ["send_again"]
    show_full_result_count = False

    @admin.action(description="Отправить снова")
    def send_again(self, request, queryset):
        from .services import receipts

        count = receipts.receipt_resend(receipts=queryset)
        self.message_user(request, f"Поставлено в отправку: {count}.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Calculations, invoices and payments through the API, by billing's own forms and services:
a calculation's total becomes the deal budget when it is current, an invoice is numbered when
it is issued, a payment marked by hand settles the invoice and moves the deal on."""

import datetime

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from billing import services as billing
from billing.forms import CalculationForm, InvoiceForm, LineForm, LineFormSet, PaymentForm
from billing.models import Calculation, CalculationLine, CatalogItem, Invoice, InvoiceLine, Payment
from deals import roles

from .base import IDEMPOTENCY_PARAMETER, ApiViewSet, read, write
from .errors import ALL, error_response
from .forms import form_data, form_serializer, valid_form
from .idempotency import idempotent
from .pagination import NEWEST
from .views import _deal_from_body, _int_param, _list

LINES_PREFIX = "lines"
NOT_PAYABLE = 409


class CalculationLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalculationLine
        exclude = ["calculation"]


class CalculationSerializer(serializers.ModelSerializer):
    lines = CalculationLineSerializer(many=True, read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Calculation
        fields = [
            "id",
            "deal",
            "number",
            "version",
            "label",
            "title",
            "is_current",
            "is_frozen",
            "discount",
            "discount_kind",
            "vat_mode",
            "vat_rate",
            "subtotal",
            "discount_total",
            "total_without_vat",
            "total_vat",
            "total",
            "lines",
            "created_at",
        ]


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        exclude = ["invoice"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "method",
            "status",
            "amount",
            "currency",
            "applied",
            "problem",
            "paid_on",
            "comment",
            "provider",
            "created_at",
            "undone_at",
        ]


class InvoiceSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    client_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "deal",
            "title",
            "year",
            "number",
            "date",
            "due_date",
            "basis",
            "calculation",
            "status",
            "currency",
            "vat_mode",
            "subtotal",
            "total_vat",
            "total",
            "paid_amount",
            "outstanding",
            "issued_at",
            "paid_at",
            "client_url",
            "lines",
            "payments",
            "created_at",
        ]

    def get_client_url(self, invoice) -> str | None:
        """The client's page of an issued invoice, as the deal card shows it."""
        if invoice.is_draft or not invoice.is_link_active:
            return None
        return invoice.public_url()


LineIn = form_serializer(
    LineForm,
    "CalculationLineIn",
    partial=True,
    extra={
        "catalog_item": serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="Позиция каталога: наименование, единица, цена и ставка НДС берутся "
            "из неё, если не переданы.",
        ),
    },
)
CalculationBody = form_serializer(
    CalculationForm,
    "CalculationCreate",
    extra={"deal": serializers.IntegerField(), "lines": LineIn(many=True)},
)
InvoiceBody = form_serializer(
    InvoiceForm,
    "InvoiceCreate",
    extra={
        "deal": serializers.IntegerField(),
        "calculation": serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="Расчёт сделки, строки которого войдут в счёт. Без него и без "
            "lines — текущий расчёт сделки.",
        ),
        "lines": LineIn(many=True, required=False),
    },
)
PaymentBody = form_serializer(PaymentForm, "PaymentCreate")


def _catalog_defaults(line: dict, items: dict[int, CatalogItem]) -> dict:
    """What the calculator fills in when a catalog item is chosen, unless sent."""
    item = items.get(line.get("catalog_item"))
    if item is None:
        return line
    filled = {"name": item.name, "unit_code": item.unit, "price": str(item.price)}
    if item.vat_rate is not None:
        filled["vat_rate"] = f"{item.vat_rate:.2f}"
    return {**filled, **{k: v for k, v in line.items() if v is not None}}


def _lines(request) -> list:
    """The lines of the body, checked by the calculator's own formset."""
    raw = request.data.get("lines")
    if not isinstance(raw, list):
        raise ValidationError({"lines": ["Ожидается список строк."]})
    if not all(isinstance(line, dict) for line in raw):
        raise ValidationError({"lines": ["Каждая строка — объект с полями."]})
    ids = {line.get("catalog_item") for line in raw if isinstance(line.get("catalog_item"), int)}
    items = {i.pk: i for i in CatalogItem.objects.filter(pk__in=ids)}
    data = {
        f"{LINES_PREFIX}-TOTAL_FORMS": str(len(raw)),
        f"{LINES_PREFIX}-INITIAL_FORMS": "0",
    }
    for index, line in enumerate(raw):
        line = _catalog_defaults(line, items)
        if line.get("catalog_item") is not None and line["catalog_item"] not in items:
            raise ValidationError({f"lines[{index}].catalog_item": ["Нет такой позиции каталога."]})
        # What the page's row holds before anyone types: quantity 1, pieces, percent.
        initial = {
            name: field.initial
            for name, field in LineForm.base_fields.items()
            if field.initial is not None
        }
        for key, value in form_data(line, initial=initial).items():
            data[f"{LINES_PREFIX}-{index}-{key}"] = value
    formset = LineFormSet(data, prefix=LINES_PREFIX)
    if not formset.is_valid():
        errors = {}
        for index, form_errors in enumerate(formset.errors):
            for field, messages in form_errors.items():
                errors[f"lines[{index}].{field}"] = list(messages)
        if formset.non_form_errors():
            errors["lines"] = list(formset.non_form_errors())
        raise ValidationError(errors)
    return [form.line_data() for form in formset.line_forms()]


@extend_schema_view(
    list=_list(
        serializer=CalculationSerializer(many=True),
        parameters=[OpenApiParameter("deal", int, description="Расчёты одной сделки.")],
    ),
    retrieve=extend_schema(responses=read(CalculationSerializer)),
)
class CalculationViewSet(ApiViewSet):
    """Расчёты сделок, которые вы видите. Текущий расчёт задаёт бюджет сделки."""

    serializer_class = CalculationSerializer

    def get_queryset(self):
        return Calculation.objects.visible_to(self.request.user).prefetch_related("lines")

    def keyset(self, request):
        return NEWEST

    def list(self, request):
        calculations = self.get_queryset()
        if (deal := _int_param(request, "deal")) is not None:
            calculations = calculations.filter(deal_id=deal)
        page = self.paginate_queryset(calculations)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=CalculationBody,
        responses=write(CalculationSerializer, 201),
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Новый расчёт по строкам — из каталога (catalog_item) или своим. "
        "make_current=true (или первый расчёт сделки) делает его текущим: бюджет сделки "
        "становится равен его итогу.",
    )
    @idempotent
    def create(self, request):
        deal = _deal_from_body(request)
        roles.require_deal_edit(request.user, deal)
        head = {k: v for k, v in request.data.items() if k not in ("deal", "lines")}
        data = form_data(head)
        data.setdefault("discount_kind", "percent")
        cleaned = valid_form(CalculationForm(data))
        calculation = billing.calculation_save(
            deal=deal,
            by=request.user,
            lines=_lines(request),
            title=cleaned["title"],
            discount=cleaned["discount"],
            discount_kind=cleaned["discount_kind"],
            make_current=cleaned["make_current"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=calculation.pk)).data, 201)


@extend_schema_view(
    list=_list(
        serializer=InvoiceSerializer(many=True),
        parameters=[
            OpenApiParameter("deal", int, description="Счета одной сделки."),
            OpenApiParameter("status", str, enum=[s for s, _ in Invoice.Status.choices]),
        ],
    ),
    retrieve=extend_schema(responses=read(InvoiceSerializer)),
)
class InvoiceViewSet(ApiViewSet):
    """Счета сделок, которые вы видите: черновики, выставленные, оплаченные."""

    serializer_class = InvoiceSerializer

    def get_queryset(self):
        return Invoice.objects.visible_to(self.request.user).prefetch_related("lines", "payments")

    def keyset(self, request):
        return NEWEST

    def list(self, request):
        invoices = self.get_queryset()
        if (deal := _int_param(request, "deal")) is not None:
            invoices = invoices.filter(deal_id=deal)
        status = request.query_params.get("status")
        if status:
            if status not in Invoice.Status.values:
                raise ValidationError({"status": ["Нет такого статуса счёта."]})
            invoices = invoices.filter(status=status)
        page = self.paginate_queryset(invoices)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _answer(self, invoice, status=200):
        return Response(self.get_serializer(self.get_queryset().get(pk=invoice.pk)).data, status)

    def _for_edit(self) -> Invoice:
        invoice = self.get_object()
        roles.require_deal_edit(self.request.user, invoice.deal)
        return invoice

    @extend_schema(
        request=InvoiceBody,
        responses=write(InvoiceSerializer, 201),
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Черновик счёта: из расчёта сделки (calculation; без него и без "
        "lines — текущий расчёт) или из своих строк (lines). Номер счёт получает при "
        "выставлении.",
    )
    @idempotent
    def create(self, request):
        deal = _deal_from_body(request)
        roles.require_deal_edit(request.user, deal)
        head = {k: v for k, v in request.data.items() if k not in ("deal", "lines", "calculation")}
        cleaned = valid_form(InvoiceForm(form_data(head)))
        calculation, lines = None, []
        if request.data.get("lines") is not None:
            lines = _lines(request)
        elif request.data.get("calculation") is not None:
            calculation = deal.calculations.filter(pk=_body_id(request, "calculation")).first()
            if calculation is None:
                raise ValidationError({"calculation": ["У этой сделки нет такого расчёта."]})
        else:
            calculation = Calculation.objects.current_for(deal)
            if calculation is None:
                raise ValidationError(
                    {"lines": ["У сделки нет текущего расчёта: передайте строки счёта."]}
                )
        invoice = billing.invoice_create(
            deal=deal,
            by=request.user,
            calculation=calculation,
            lines=lines,
            date=cleaned["date"],
            due_date=cleaned["due_date"],
            basis=cleaned["basis"],
        )
        return self._answer(invoice, 201)

    @extend_schema(
        request=None,
        responses=write(InvoiceSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Выставить черновик: счёт получает номер и дату, клиентская ссылка "
        "начинает работать. Выставленный счёт возвращается как есть.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def issue(self, request, pk=None):
        invoice = billing.invoice_issue(invoice=self._for_edit(), by=request.user)
        return self._answer(invoice)

    @extend_schema(
        request=PaymentBody,
        responses={**write(PaymentSerializer, 201), 409: write(None)[403]},
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Отметить оплату наличными или переводом (всю или частично). 409 — "
        "счёт не ждёт оплаты (черновик, оплачен, аннулирован).",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def pay(self, request, pk=None):
        invoice = self._for_edit()
        if not invoice.is_open:
            return error_response(
                NOT_PAYABLE,
                {ALL: [f"Счёт не ждёт оплаты: {invoice.get_status_display().lower()}."]},
            )
        data = form_data(request.data)
        data.setdefault("amount", str(invoice.outstanding))
        data.setdefault("paid_on", datetime.date.today().isoformat())
        cleaned = valid_form(PaymentForm(data, outstanding=invoice.outstanding))
        try:
            payment = billing.payment_record(invoice=invoice, by=request.user, **cleaned)
        except billing.InvoiceNotPayable as exc:
            return error_response(NOT_PAYABLE, {ALL: exc.messages})
        return Response(PaymentSerializer(payment).data, status=201)


def _body_id(request, field: str) -> int:
    raw = request.data.get(field)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError({field: ["Ожидается номер (целое число)."]}) from None


@extend_schema_view(
    list=_list(
        serializer=PaymentSerializer(many=True),
        parameters=[OpenApiParameter("invoice", int, description="Платежи одного счёта.")],
    ),
    retrieve=extend_schema(responses=read(PaymentSerializer)),
)
class PaymentViewSet(ApiViewSet):
    """Платежи по счетам сделок, которые вы видите: онлайн и отмеченные вручную."""

    serializer_class = PaymentSerializer

    def get_queryset(self):
        return Payment.objects.filter(invoice__in=Invoice.objects.visible_to(self.request.user))

    def keyset(self, request):
        return NEWEST

    def list(self, request):
        payments = self.get_queryset()
        if (invoice := _int_param(request, "invoice")) is not None:
            payments = payments.filter(invoice_id=invoice)
        page = self.paginate_queryset(payments)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

"""Invoices: the deal card's panel, the staff pages nested under the deal and the list of
invoices. The client's pages are in public_views, the providers' notifications in webhooks."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crm import media
from crm.formats import money as format_money
from crm.pdf import pdf_enqueue
from crm.staff import require_head
from deals import document_links, panels, roles
from deals.clients.views import client_panel_context
from deals.forms import AnnulForm
from deals.models import Deal

from . import bases, services, tax
from .forms import InvoiceFilterForm, InvoiceForm, LineFormSet, PaymentForm, line_vat_initial
from .models import Calculation, Invoice, Payment
from .services import LineData

logger = logging.getLogger(__name__)

LINES_PREFIX = "lines"
LIST_PAGE_SIZE = 50
# Drafts (no date, no number yet) at the top, then the newest invoice first.
DRAFTS_FIRST = (F("date").desc(nulls_first=True), F("number").desc(nulls_first=True), "-pk")


def _deals():
    return Deal.objects.select_related("stage", "manager", "client")


def _get_deal_for_user(request, pk) -> Deal:
    return get_object_or_404(_deals().visible_to(request.user), pk=pk)


def _get_deal_for_edit(request, pk) -> Deal:
    """Invoices and payments change the deal: its owner and the head only (deals.roles)."""
    return roles.get_deal_for_edit(request, pk, _deals())


def _get_invoice_for_user(request, pk, invoice_pk) -> Invoice:
    return _invoice_of(_get_deal_for_user(request, pk), invoice_pk)


def _get_invoice_for_edit(request, pk, invoice_pk) -> Invoice:
    return _invoice_of(_get_deal_for_edit(request, pk), invoice_pk)


def _invoice_of(deal: Deal, invoice_pk) -> Invoice:
    invoice = get_object_or_404(
        deal.invoices.select_related("calculation", "created_by"), pk=invoice_pk
    )
    invoice.deal = deal
    return invoice


def _get_payment_for_edit(request, pk, invoice_pk, payment_pk) -> Payment:
    invoice = _get_invoice_for_edit(request, pk, invoice_pk)
    payment = get_object_or_404(invoice.payments.all(), pk=payment_pk)
    payment.invoice = invoice
    return payment


def _back(invoice: Invoice):
    return redirect(invoice.get_absolute_url())


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# The panel on the deal card


def deal_panel(request, deal: Deal) -> dict:
    """Context of the «Счета и акты» panel: four queries whatever the number of invoices
    and acts."""
    current = panels.shared(
        deal, "current_calculation", lambda: Calculation.objects.current_for(deal)
    )
    return {
        "deal": deal,
        "invoices": list(deal.invoices.order_by(*DRAFTS_FIRST)),
        "acts": list(deal.acts.order_by("-date", "-pk")),
        "current_calculation": current,
        "recipients": panels.recipients(deal),
        "nonce": document_links.new_send_nonce(),
        "today": timezone.localdate(),
    }


# Creating and editing


def _lines_initial(invoice: Invoice) -> list[dict]:
    """A draft's lines as the manual form edits them: the line's whole discount in roubles,
    so the amounts come out the same."""
    policy = tax.seller_policy()
    return [
        {
            "name": line.name,
            "quantity": line.quantity,
            "unit_code": line.unit_code,
            "price": line.price,
            "discount": line.discount,
            "discount_kind": "amount" if line.discount else "percent",
            "vat_rate": line_vat_initial(line.vat_rate, line.vat_exempt, policy),
        }
        for line in invoice.lines.all()
    ]


def _invoice_form_page(request, deal: Deal, invoice: Invoice | None = None):
    """The create/edit page. `?calculation=<pk>` (or the deal's current calculation when
    creating, if there is one) copies that calculation's lines; `?manual=1` takes lines
    typed by hand."""
    calculation = None
    wants_manual = request.GET.get("manual") or request.POST.get("source") == "manual"
    calc_pk = request.POST.get("calculation") or request.GET.get("calculation")
    if not wants_manual:
        if calc_pk:
            if not calc_pk.isdigit():
                raise Http404("Нет такого расчёта.")
            calculation = get_object_or_404(deal.calculations.prefetch_related("lines"), pk=calc_pk)
        elif invoice is None:
            calculation = Calculation.objects.current_for(deal)
    choices = bases.suggestions(deal)
    if invoice is not None:
        initial = {"date": invoice.date, "due_date": invoice.due_date, "basis": invoice.basis}
        lines_initial = _lines_initial(invoice)
    else:
        # No dates: the invoice is dated the day it is issued, due INVOICE_DUE_DAYS later.
        initial = {"basis": choices[0] if choices else ""}
        lines_initial = []
    status = 200
    if request.method == "POST":
        form = InvoiceForm(request.POST, basis_choices=choices)
        formset = None if calculation else LineFormSet(request.POST, prefix=LINES_PREFIX)
        if form.is_valid() and (formset is None or formset.is_valid()):
            data = form.cleaned_data
            lines: list[LineData] = [f.line_data() for f in formset.line_forms()] if formset else []
            try:
                if invoice is None:
                    saved = services.invoice_create(
                        deal=deal,
                        by=request.user,
                        calculation=calculation,
                        lines=lines,
                        date=data["date"],
                        due_date=data["due_date"],
                        basis=data["basis"],
                    )
                else:
                    saved = services.invoice_update(
                        invoice=invoice,
                        by=request.user,
                        calculation=calculation,
                        lines=lines,
                        date=data["date"],
                        due_date=data["due_date"],
                        basis=data["basis"],
                    )
            except ValidationError as exc:
                _add_errors(form, formset, exc)
            else:
                verb = "создан" if invoice is None else "сохранён"
                if deal.client_id is None:
                    messages.warning(
                        request,
                        f"Черновик: {saved.title} {verb}, но у сделки нет клиента: выставить "
                        "счёт можно будет, когда вы его выберете (ниже, в блоке «Действия»).",
                    )
                else:
                    messages.success(
                        request,
                        f"Черновик: {saved.title} {verb}. Проверьте его и нажмите «Выставить».",
                    )
                return _back(saved)
        status = 400
    else:
        form = InvoiceForm(initial=initial, basis_choices=choices)
        formset = None if calculation else LineFormSet(initial=lines_initial, prefix=LINES_PREFIX)
    return render(
        request,
        "billing/invoice_form.html",
        {
            "deal": deal,
            "invoice": invoice,
            "form": form,
            "formset": formset,
            "calculation": calculation,
            "current_calculation": Calculation.objects.current_for(deal),
            "client_panel": _client_needed(request, deal),
        },
        status=status,
    )


def _client_needed(request, deal: Deal) -> dict | None:
    """The client panel for a draft of a deal without a client (None when it has one)."""
    return None if deal.client_id else client_panel_context(request, deal)


def _add_errors(form, formset, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        for error in errors:
            if field == "lines" and formset is not None:
                formset.non_form_errors().append(error)
            elif field in form.fields:
                form.add_error(field, error)
            else:
                form.add_error(None, error)


def invoice_create(request, pk):
    deal = _get_deal_for_edit(request, pk)
    return _invoice_form_page(request, deal)


def invoice_edit(request, pk, invoice_pk):
    invoice = _get_invoice_for_edit(request, pk, invoice_pk)
    if not invoice.is_draft:
        messages.error(request, "Выставленный счёт не меняется: аннулируйте его и создайте новый.")
        return _back(invoice)
    return _invoice_form_page(request, invoice.deal, invoice)


# The invoice's staff page and actions


def invoice_detail(request, pk, invoice_pk):
    invoice = _get_invoice_for_user(request, pk, invoice_pk)
    payment_rows = list(invoice.payments.select_related("created_by", "undone_by"))
    acts = list(invoice.acts.order_by("-pk"))
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "deal": invoice.deal,
            "payments": payment_rows,
            "acts": acts,
            "has_live_act": any(not act.is_annulled for act in acts),
            "problems": services.invoice_issue_problems(invoice) if invoice.is_draft else [],
            "client_panel": _client_needed(request, invoice.deal) if invoice.is_draft else None,
            "recipients": document_links.document_recipients(invoice.deal),
            "nonce": document_links.new_send_nonce(),
            "can_undo": request.user.is_head,
            "can_annul": invoice.deal.may_annul_documents(request.user),
            "annul_form": AnnulForm(),
            "due_days": settings.INVOICE_DUE_DAYS,
        },
    )


@require_POST
def invoice_issue(request, pk, invoice_pk):
    invoice = _get_invoice_for_edit(request, pk, invoice_pk)
    try:
        invoice = services.invoice_issue(invoice=invoice, by=request.user)
    except ValidationError as exc:
        messages.error(request, "Счёт не выставлен. " + _error_text(exc))
    else:
        messages.success(
            request,
            f"{invoice.title} выставлен. Скопируйте ссылку для клиента или отправьте её письмом.",
        )
    return _back(invoice)


@require_POST
def invoice_annul(request, pk, invoice_pk):
    invoice = _get_invoice_for_user(request, pk, invoice_pk)
    if not invoice.deal.may_annul_documents(request.user):
        raise PermissionDenied("Аннулировать счёт может ответственный за сделку или руководитель.")
    form = AnnulForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return _back(invoice)
    try:
        invoice = services.invoice_annul(
            invoice=invoice, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            f"{invoice.title} аннулирован. Номер остаётся за ним, клиент по ссылке видит, что "
            "счёт аннулирован, и оплатить его не может.",
        )
    return _back(invoice)


@require_POST
def invoice_delete(request, pk, invoice_pk):
    invoice = _get_invoice_for_edit(request, pk, invoice_pk)
    try:
        services.invoice_delete(invoice=invoice, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _back(invoice)
    messages.success(request, "Черновик счёта удалён.")
    return redirect(f"{invoice.deal.get_absolute_url()}#panel-invoices")


def _pdf_bytes(invoice: Invoice) -> bytes | None:
    if not invoice.pdf_ready:
        return None
    try:
        with invoice.pdf.open("rb") as file:
            return file.read()
    except FileNotFoundError:
        return None


def _send_invoice(*, document: Invoice, to: str, by, nonce: str):
    if document.is_draft:
        raise ValidationError("Сначала выставьте счёт, потом отправляйте ссылку.")
    if document.is_annulled:
        raise ValidationError("Счёт аннулирован: его ссылку больше не отправляют.")
    pdf = _pdf_bytes(document)
    attachments = [(document.pdf_filename(), pdf, "application/pdf")] if pdf else []
    return document_links.document_send(
        document=document, to=to, by=by, nonce=nonce, attachments=attachments
    )


invoice_send, invoice_revoke, invoice_new_link = document_links.link_views(
    get_document=_get_invoice_for_edit,
    back=lambda request, invoice: _back(invoice),
    what="счёт",
    send=_send_invoice,
    sent_note=lambda email: (
        " с PDF во вложении"
        if email.attachments.exists()
        else " (PDF ещё готовится, в письме только ссылка)"
    ),
)


def _pdf_response(request, invoice: Invoice, back: str):
    if invoice.pdf_ready:
        try:
            return media.download(
                invoice.pdf.name,
                filename=invoice.pdf_filename(),
                attachment=False,
                content_type="application/pdf",
            )
        except FileNotFoundError:
            pass
    pdf_enqueue(invoice)
    messages.info(request, "PDF счёта готовится. Обновите страницу через минуту.")
    return redirect(back)


@require_GET
def invoice_pdf(request, pk, invoice_pk):
    invoice = _get_invoice_for_user(request, pk, invoice_pk)
    if invoice.is_draft:
        messages.info(request, "PDF появится, когда счёт будет выставлен.")
        return _back(invoice)
    return _pdf_response(request, invoice, invoice.get_absolute_url())


# Payments marked by hand


def payment_create(request, pk, invoice_pk):
    invoice = _get_invoice_for_edit(request, pk, invoice_pk)
    if not invoice.is_open:
        messages.error(request, f"Счёт не ждёт оплаты: {invoice.get_status_display().lower()}.")
        return _back(invoice)
    form = PaymentForm(
        request.POST or None,
        outstanding=invoice.outstanding,
        initial={"amount": invoice.outstanding, "paid_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_record(
                invoice=invoice,
                amount=data["amount"],
                paid_on=data["paid_on"],
                method=data["method"],
                comment=data["comment"],
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, None, exc)
        else:
            invoice.refresh_from_db()
            if invoice.is_paid:
                messages.success(request, f"{invoice.title} оплачен.")
            else:
                messages.success(
                    request,
                    f"Оплата отмечена. Осталось оплатить {format_money(invoice.outstanding)} ₽.",
                )
            return _back(invoice)
    return render(
        request,
        "billing/payment_form.html",
        {"invoice": invoice, "deal": invoice.deal, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def payment_undo(request, pk, invoice_pk, payment_pk):
    payment = _get_payment_for_edit(request, pk, invoice_pk, payment_pk)
    require_head(request)
    try:
        services.payment_undo(payment=payment, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Отметка об оплате отменена.")
    return _back(payment.invoice)


# The list of invoices


def invoice_list(request):
    form = InvoiceFilterForm(request.GET or None, user=request.user)
    invoices = Invoice.objects.visible_to(request.user).select_related("deal", "deal__manager")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            invoices = invoices.filter(status=data["status"])
        if data.get("manager"):
            invoices = invoices.filter(deal__manager=data["manager"])
        if data["date_from"]:
            invoices = invoices.filter(date__gte=data["date_from"])
        if data["date_to"]:
            invoices = invoices.filter(date__lte=data["date_to"])
        if data["overdue"]:
            invoices = invoices.overdue()
    today = timezone.localdate()
    summary = invoices.aggregate(
        count=Count("pk"),
        total=Sum("total", filter=~Q(status__in=[Invoice.Status.DRAFT, Invoice.Status.ANNULLED])),
        paid=Sum("paid_amount"),
        overdue=Count("pk", filter=Q(status__in=Invoice.OPEN_STATUSES, due_date__lt=today)),
    )
    paginator = Paginator(invoices.order_by(*DRAFTS_FIRST), LIST_PAGE_SIZE)
    # The count is known from the summary: the paginator need not ask again.
    paginator.count = summary["count"]
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/invoice_list.html",
        {"form": form, "page": page, "summary": summary, "query": query.urlencode()},
    )

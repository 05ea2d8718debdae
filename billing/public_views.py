"""The client's pages under /p/: the invoice by its link, its PDF, online payment, the
sandbox provider's payment page, and the act by its link, its PDF and its signing."""

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from crm import media
from crm.pdf import pdf_enqueue
from crm.public import client_ip, get_by_token_or_404, public_view
from deals import document_links

from . import payments, services
from .forms import ActAcceptForm
from .invoice_views import _error_text, _pdf_response
from .models import Act, Invoice, Payment

logger = logging.getLogger(__name__)


def _with_checkout(request, response, provider):
    """Let the invoice page's form lead to the provider's payment page: browsers apply the
    CSP form-action to the redirect that follows a form's POST."""
    origins = tuple(getattr(provider, "checkout_origins", ()) or ())
    if not origins:
        return response
    config = dict(settings.SECURE_CSP)
    config["form-action"] = [*config.get("form-action", []), *origins]
    return csp_override(config)(lambda request: response)(request)


def _public_invoice(token) -> Invoice:
    return get_by_token_or_404(
        Invoice.objects.issued().select_related("deal", "deal__manager"), token
    )


@public_view
@require_GET
def invoice_public(request, token):
    invoice = _public_invoice(token)
    provider = payments.online_provider()
    returned = request.GET.get("payment") == "return"
    if returned and provider is not None and invoice.is_open:
        # Back from the payment page: ask the provider now rather than wait for its
        # notification, so the client sees the result.
        services.payment_refresh(invoice=invoice)
        invoice.refresh_from_db()
    document_links.document_opened(document=invoice, request=request)
    return _invoice_page(request, invoice, provider, returned=returned)


def _invoice_page(
    request, invoice, provider, *, returned=False, email="", email_error="", status=200
):
    can_pay = provider is not None and invoice.is_open and invoice.outstanding > 0
    response = render(
        request,
        "billing/invoice_public.html",
        document_links.page_context(invoice)
        | {
            "invoice": invoice,
            "provider": provider,
            "can_pay": can_pay,
            # The buyer has no address the register can send the receipt to: ask for one.
            "ask_email": can_pay and services.receipt_email_needed(invoice, provider),
            "email": email,
            "email_error": email_error,
            "returned": returned,
            "paid_on": invoice.paid_on() if invoice.paid_amount else None,
            "online_payment": _returned_payment(invoice) if returned else "",
            "staff_preview": request.user.is_authenticated,
            "sandbox_notice": _sandbox_notice(provider),
        },
        status=status,
    )
    return _with_checkout(request, response, provider) if can_pay else response


def _returned_payment(invoice: Invoice) -> str:
    """How the client's last online payment ended, for the page they come back to from the
    payment page: "failed" (refused or cancelled), "pending" (the provider has not decided
    yet), "held" (paid but not counted: the manager checks it), or "" when the invoice's
    own state says it all."""
    if not invoice.is_open:
        return ""
    last = invoice.payments.filter(method=Payment.Method.ONLINE).order_by("-pk").first()
    if last is None:
        return ""
    if last.status == Payment.Status.CANCELED:
        return "failed"
    if last.status == Payment.Status.PENDING:
        return "pending"
    return "" if last.applied else "held"


@public_view
@require_GET
def invoice_public_logo(request, token):
    _public_invoice(token)
    return document_links.logo_response()


@public_view
@require_GET
def invoice_public_pdf(request, token):
    invoice = _public_invoice(token)
    return _pdf_response(request, invoice, invoice.public_path())


@public_view
@require_POST
def invoice_public_pay(request, token):
    invoice = _public_invoice(token)
    provider = payments.online_provider()
    if provider is None:
        raise Http404
    email = (request.POST.get("email") or "").strip()[:254]
    try:
        url = services.invoice_payment_start(
            invoice=invoice, return_url=invoice.public_url() + "?payment=return", email=email
        )
    except services.ReceiptEmailNeeded as exc:
        return _invoice_page(
            request, invoice, provider, email=email, email_error=_error_text(exc), status=400
        )
    except services.InvoiceNotPayable as exc:
        messages.info(request, _error_text(exc))
        return redirect(invoice.public_path())
    except payments.PaymentError:
        logger.exception("online payment of invoice %s could not start", invoice.pk)
        messages.error(
            request,
            "Платёжный сервис сейчас не отвечает. Попробуйте ещё раз через несколько минут "
            "или оплатите по реквизитам из счёта.",
        )
        return redirect(invoice.public_path())
    return redirect(url)


def _sandbox_notice(provider) -> str:
    """How a page of the sandbox says that no money moves: "loud" (large letters) on a site
    with DEBUG off, "quiet" (a note) on a developer's machine, "" for a real provider."""
    if provider is None or provider.code != "sandbox":
        return ""
    return "loud" if payments.sandbox_in_production() else "quiet"


def _sandbox():
    if not settings.PAYMENT_ONLINE or settings.PAYMENT_PROVIDER != "sandbox":
        raise Http404
    return payments.get_provider("sandbox")


@public_view
def sandbox_payment(request, payment_id):
    """The sandbox provider's payment page: «Оплатить» or «Отказаться», nothing charged.
    A choice goes through the same notification handling as a real provider's."""
    provider = _sandbox()
    ledger = provider.payment(payment_id)
    if ledger is None:
        raise Http404
    payment = (
        Payment.objects.filter(provider=provider.code, provider_payment_id=payment_id)
        .select_related("invoice")
        .first()
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("pay", "cancel"):
            return HttpResponseBadRequest("Выберите «Оплатить» или «Отказаться».")
        body = provider.complete(payment_id, succeeded=action == "pay")
        state = provider.parse_notification(body=body, remote_addr="")
        if state is not None:
            services.payment_notification(provider=provider.code, state=state)
        return redirect(_sandbox_return(request, ledger, payment))
    return render(
        request,
        "billing/sandbox_payment.html",
        {
            "ledger": ledger,
            "payment": payment,
            "return_url": _sandbox_return(request, ledger, payment),
            "provider": provider,
            "sandbox_notice": _sandbox_notice(provider),
        },
        status=200,
    )


def _sandbox_return(request, ledger, payment: Payment | None) -> str:
    """Where the sandbox sends the client back: the invoice's page on this very site (its
    current link, whatever SITE_URL says), else the return address it was given if that is
    ours."""
    invoice = payment.invoice if payment is not None else _ledger_invoice(ledger)
    if invoice is not None and invoice.is_link_active:
        return invoice.public_path() + "?payment=return"
    target = ledger.return_url
    if url_has_allowed_host_and_scheme(target, allowed_hosts=_own_hosts(request)):
        return target
    return "/"


def _ledger_invoice(ledger) -> Invoice | None:
    # A payment whose row is not there yet is ours by the metadata we gave it.
    invoice_id = str(ledger.metadata.get("invoice", ""))
    if not invoice_id.isdigit():
        return None
    nonce = str(ledger.metadata.get("nonce", ""))
    return Invoice.objects.filter(pk=int(invoice_id), pay_nonce=nonce).first()


def _own_hosts(request) -> set[str]:
    from urllib.parse import urlsplit

    return {request.get_host(), urlsplit(settings.SITE_URL).netloc}


# Acts


def _public_act(token) -> Act:
    return get_by_token_or_404(
        Act.objects.exclude(status=Act.Status.DRAFT).select_related("deal", "deal__manager"),
        token,
    )


def _act_page(request, act, *, form, status=200):
    return render(
        request,
        "billing/act_public.html",
        {"act": act, "form": form, "staff_preview": request.user.is_authenticated},
        status=status,
    )


@public_view
@require_GET
def act_public(request, token):
    act = _public_act(token)
    document_links.document_opened(document=act, request=request)
    return _act_page(request, act, form=ActAcceptForm() if act.awaits_client else None)


@public_view
@require_GET
def act_public_pdf(request, token):
    act = _public_act(token)
    if act.pdf_ready:
        try:
            return media.download(
                act.pdf.name,
                filename=act.download_name(),
                attachment=True,
                content_type="application/pdf",
            )
        except FileNotFoundError:
            pass
    pdf_enqueue(act)
    messages.info(request, "PDF акта готовится. Обновите страницу через минуту.")
    return redirect(act.public_path())


@public_view
@require_POST
def act_public_accept(request, token):
    act = _public_act(token)
    if request.user.is_authenticated:
        messages.error(
            request, "Вы вошли как сотрудник: подписать акт может только клиент по своей ссылке."
        )
        return redirect(act.public_path())
    if not act.awaits_client:
        return redirect(act.public_path())
    form = ActAcceptForm(request.POST)
    if not form.is_valid():
        return _act_page(request, act, form=form, status=400)
    try:
        services.act_accept(
            act=act,
            name=form.cleaned_data["full_name"],
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.ActClosed:
        return redirect(act.public_path())
    messages.success(request, "Спасибо! Акт подписан, менеджер уже знает об этом.")
    return redirect(act.public_path())

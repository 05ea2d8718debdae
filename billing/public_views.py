"""The client's pages under /p/: the invoice by its link, its PDF, online payment, and the
sandbox provider's payment page."""

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from crm.public import get_by_token_or_404, public_view
from deals import document_links

from . import payments, services
from .invoice_views import _error_text, _pdf_response
from .models import Invoice, Payment

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
        {
            "invoice": invoice,
            "provider": provider,
            "can_pay": can_pay,
            # The buyer has no address the register can send the receipt to: ask for one.
            "ask_email": can_pay and services.receipt_email_needed(invoice, provider),
            "email": email,
            "email_error": email_error,
            "returned": returned,
            "staff_preview": request.user.is_authenticated,
            "sandbox_notice": _sandbox_notice(provider),
        },
        status=status,
    )
    return _with_checkout(request, response, provider) if can_pay else response


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
        target = ledger.return_url
        if not url_has_allowed_host_and_scheme(target, allowed_hosts=_own_hosts(request)):
            target = "/"
        return redirect(target)
    return render(
        request,
        "billing/sandbox_payment.html",
        {
            "ledger": ledger,
            "payment": payment,
            "provider": provider,
            "sandbox_notice": _sandbox_notice(provider),
        },
        status=200,
    )


def _own_hosts(request) -> set[str]:
    from urllib.parse import urlsplit

    return {request.get_host(), urlsplit(settings.SITE_URL).netloc}

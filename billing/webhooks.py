"""The payment providers' notifications (machine endpoints, no session)."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import payments, services

logger = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
@require_POST
def payment_notify(request, provider):
    """A provider's HTTP notification. Nothing in the body is trusted: the provider module
    verifies the sender (address or signature) and re-reads the payment from its own ledger;
    only that state is applied."""
    if provider not in payments.PROVIDER_CODES:
        raise Http404
    if provider == "sandbox" and settings.PAYMENT_PROVIDER != "sandbox":
        raise Http404
    try:
        handler = payments.get_provider(provider)
    except ImproperlyConfigured:
        raise Http404 from None
    sender = payments.sender_address(request.META, proxy_hops=settings.PAYMENT_WEBHOOK_PROXY_HOPS)
    try:
        state = handler.parse_notification(body=request.body, remote_addr=sender)
    except payments.PaymentError:
        # The payment cannot be checked now: the provider delivers the notification again.
        logger.exception("%s notification could not be verified now", provider)
        return HttpResponse("try again later", status=503, content_type="text/plain")
    if state is None:
        logger.warning("%s notification from %s refused", provider, sender)
        return HttpResponse("not accepted", status=400, content_type="text/plain")
    services.payment_notification(provider=provider, state=state)
    return HttpResponse("ok", content_type="text/plain")

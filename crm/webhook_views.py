"""The head of sales' pages of outgoing webhooks: the endpoints, each with its delivery log,
«Отправить ещё раз», switching it off and on. Sending is crm.webhooks' business."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import webhooks
from .forms import WebhookEndpointForm
from .models import WebhookDelivery, WebhookEndpoint
from .staff import head_required

LOG_SIZE = 100


def _get_endpoint(pk) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.select_related("owner"), pk=pk)


@head_required
def webhook_list(request):
    endpoints = WebhookEndpoint.objects.select_related("owner").order_by("pk")
    return render(
        request,
        "crm/webhook_list.html",
        {"endpoints": endpoints, "labels": webhooks.EVENTS},
    )


@head_required
def webhook_create(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(commit=False)
        endpoint.owner = request.user
        endpoint.save()
        messages.success(request, "Вебхук добавлен. Передайте секрет подписи получателю.")
        return redirect(endpoint)
    status = 400 if form.errors else 200
    return render(request, "crm/webhook_form.html", {"form": form}, status=status)


@head_required
def webhook_edit(request, webhook_pk):
    endpoint = _get_endpoint(webhook_pk)
    form = WebhookEndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Вебхук сохранён.")
        return redirect(endpoint)
    status = 400 if form.errors else 200
    context = {"form": form, "endpoint": endpoint}
    return render(request, "crm/webhook_form.html", context, status=status)


@head_required
def webhook_detail(request, webhook_pk):
    endpoint = _get_endpoint(webhook_pk)
    deliveries = endpoint.deliveries.order_by("-created_at", "-pk")[:LOG_SIZE]
    return render(
        request,
        "crm/webhook_detail.html",
        {
            "endpoint": endpoint,
            "deliveries": deliveries,
            "chosen": [webhooks.EVENTS.get(code, code) for code in endpoint.events],
            "log_size": LOG_SIZE,
        },
    )


@head_required
@require_POST
def webhook_toggle(request, webhook_pk):
    endpoint = _get_endpoint(webhook_pk)
    if endpoint.active:
        webhooks.webhook_disable(endpoint=endpoint, reason="Отключён вручную.")
        messages.success(request, "Вебхук отключён: события для него не отправляются.")
    else:
        webhooks.webhook_enable(endpoint=endpoint)
        messages.success(request, "Вебхук включён.")
    return redirect(endpoint)


@head_required
@require_POST
def webhook_resend(request, webhook_pk, delivery_pk):
    endpoint = _get_endpoint(webhook_pk)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, endpoint=endpoint)
    if not endpoint.active:
        messages.error(request, "Вебхук отключён: включите его, чтобы отправить событие.")
    else:
        webhooks.webhook_resend(delivery=delivery)
        messages.success(request, "Событие отправляется ещё раз, с тем же id.")
    return redirect(endpoint)

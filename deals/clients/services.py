"""A deal's client: attaching one writes the deal's timeline."""

from django.db import transaction
from django.urls import reverse

from contacts.models import Client

from ..models import Deal
from ..services import timeline_add
from .access import may_see_personal_data


@transaction.atomic
def deal_set_client(*, deal: Deal, client: Client | None, by) -> Deal:
    """Attach a client to the deal (None detaches it) and say so in the deal's timeline.
    The client is entrusted to the deal (its manager sees the personal data and changes the
    requisites) only when whoever attaches it may do so themselves: its creator, the head,
    the manager of a deal it is entrusted to; not someone who found it by its ИНН."""
    deal = Deal.objects.select_for_update(of=("self",)).select_related("client").get(pk=deal.pk)
    previous = deal.client
    entrusted = client is not None and by is not None and may_see_personal_data(by, client)
    if (previous and previous.pk) == (client and client.pk):
        if client is not None and entrusted and not deal.client_entrusted:
            deal.client_entrusted = True
            deal.save(update_fields=["client_entrusted", "updated_at"])
            text = f"Клиент {client} доверен ответственному: паспортные данные и реквизиты"
            url = reverse("clients:detail", args=[client.pk])
            timeline_add(deal=deal, kind="client", text=text, actor=by, url=url)
        return deal
    deal.client = client
    deal.client_entrusted = entrusted
    deal.save(update_fields=["client", "client_entrusted", "updated_at"])
    if client is None:
        text = f"Клиент отвязан: {previous}"
    elif previous is None:
        text = f"Клиент: {client} ({client.get_kind_display().lower()})"
    else:
        text = f"Клиент: {previous} → {client}"
    url = reverse("clients:detail", args=[client.pk]) if client else ""
    timeline_add(deal=deal, kind="client", text=text, actor=by, url=url)
    return deal

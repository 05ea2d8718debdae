"""A deal's client: attaching one writes the deal's timeline."""

from django.db import transaction
from django.urls import reverse

from contacts.models import Client

from ..models import Deal
from ..services import timeline_add


@transaction.atomic
def deal_set_client(*, deal: Deal, client: Client | None, by) -> Deal:
    """Attach a client to the deal (None detaches it) and say so in the deal's timeline."""
    deal = Deal.objects.select_for_update(of=("self",)).select_related("client").get(pk=deal.pk)
    previous = deal.client
    if (previous and previous.pk) == (client and client.pk):
        return deal
    deal.client = client
    deal.save(update_fields=["client", "updated_at"])
    if client is None:
        text = f"Клиент отвязан: {previous}"
    elif previous is None:
        text = f"Клиент: {client} ({client.get_kind_display().lower()})"
    else:
        text = f"Клиент: {previous} → {client}"
    url = reverse("clients:detail", args=[client.pk]) if client else ""
    timeline_add(deal=deal, kind="client", text=text, actor=by, url=url)
    return deal

"""The «Клиент» section of the deal card: pick, create or unlink the deal's client."""

from .. import panels
from .views import client_panel_context

panels.register(
    panels.Panel(
        key="client",
        title="Клиент и реквизиты",
        template="deals/clients/includes/_client_panel.html",
        context=client_panel_context,
        order=10,
    )
)

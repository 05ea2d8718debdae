"""Sections of the deal card that later apps contribute (questionnaires, calculations,
documents, invoices). An app registers its panel in AppConfig.ready(); the card renders
each panel's template with the context its function returns. A panel's function must run a
fixed number of queries whatever the number of rows.

The client's page takes sections the same way: register_client() with a context function
(request, client) -> dict, which shows only what comes from deals the user may see."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: Callable  # (request, deal) -> dict
    order: int = 100


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.key] = panel


def render_list(request, deal, shared: dict | None = None) -> list[dict]:
    """`shared`: what the card has already loaded for its panels (see shared())."""
    deal._card_shared = dict(shared or {})
    try:
        return [
            {"panel": panel, "template": panel.template, "ctx": panel.context(request, deal)}
            for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key))
        ]
    finally:
        del deal._card_shared


def shared(deal, key: str, compute: Callable):
    """What several panels of one card show (the document recipients, the current
    calculation, the parties) is computed once while the card is built; outside the card
    (a panel answering htmx on its own) it is simply computed."""
    cache = getattr(deal, "_card_shared", None)
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def recipients(deal) -> list[str]:
    """The addresses a panel offers to send its documents to, once per card."""
    from .document_links import document_recipients

    return shared(deal, "recipients", lambda: document_recipients(deal))


_client_panels: dict[str, Panel] = {}


def register_client(panel: Panel) -> None:
    _client_panels[panel.key] = panel


def render_client_list(request, client) -> list[dict]:
    return [
        {"panel": panel, "template": panel.template, "ctx": panel.context(request, client)}
        for panel in sorted(_client_panels.values(), key=lambda p: (p.order, p.key))
    ]

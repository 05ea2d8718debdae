"""Suggestions for an invoice's «Основание» (Договор № … от …).

The contracts live in documents, which comes after billing, so billing cannot read them:
documents registers Contract.invoice_bases (the deal's accepted contracts) in its
AppConfig.ready(), and the invoice form fills in the first suggestion and offers the rest,
while the manager may still type any basis by hand.

A source takes the deal and returns plain strings, newest first, in a fixed number of
queries.
"""

from collections.abc import Callable

Source = Callable[[object], list[str]]

_sources: list[Source] = []


def register(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def suggestions(deal) -> list[str]:
    """Every registered source's suggestions for the deal, without repeats."""
    seen: dict[str, None] = {}
    for source in _sources:
        for text in source(deal):
            text = (text or "").strip()
            if text:
                seen.setdefault(text, None)
    return list(seen)

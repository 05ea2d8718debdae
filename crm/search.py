"""The search box of the top bar. Each app registers what it finds (deals, contacts,
clients, invoices, documents) in AppConfig.ready(), with a function that looks only among
what the user may open: the app's own access rule, never a second copy of it. This module
knows no business area: it reads the query once and asks every registered kind.

A kind's function takes (user, query, limit) and returns at most `limit` + 1 hits (one more
tells the page there are more), in a fixed number of queries whatever it finds."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from .formats import typed_text
from .phones import InvalidPhone, normalize_phone, search_digits

MIN_LENGTH = 2
MAX_LENGTH = 100
_NUMBER_RE = re.compile(r"^(?:№|#|n|no\.?)?\s*(\d{1,9})$", re.IGNORECASE)


@dataclass(frozen=True)
class Query:
    text: str  # what was typed, trimmed, at most MAX_LENGTH characters
    number: int | None  # «15», «№ 15», «#15»: a number of a deal, an invoice, a document
    phone_digits: str  # digits to find in stored phones; only for a query without letters
    phone: str  # the whole number in E.164 when the query is one: found by equality
    has_letters: bool  # a name or an e-mail is worth looking for

    @classmethod
    def parse(cls, raw: str) -> "Query":
        # As typed: the compatibility form would turn «№» into «No» and miss «Заказ №5».
        text = " ".join((raw or "").split())[:MAX_LENGTH]
        match = _NUMBER_RE.match(typed_text(text))
        has_letters = any(c.isalpha() for c in text.removeprefix("№"))
        return cls(
            text=text,
            number=int(match.group(1)) if match else None,
            # Nobody types letters into a phone number: «замер №12345» is not one.
            phone_digits="" if has_letters else search_digits(text),
            phone="" if has_letters else _whole_phone(text),
            has_letters=has_letters,
        )

    @property
    def is_searchable(self) -> bool:
        return self.number is not None or len(self.text) >= MIN_LENGTH


def _whole_phone(text: str) -> str:
    try:
        return normalize_phone(text) if len(search_digits(text)) >= 10 else ""
    except InvalidPhone:
        return ""


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    note: str = ""  # a second, quieter line: the stage, the phone, the ИНН, the deal


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # the group's heading: «Сделки», «Контакты», …
    find: Callable  # (user, Query, limit) -> list[Hit]
    order: int = 100


@dataclass
class Group:
    kind: Kind
    hits: list[Hit]
    more: bool = False


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _kinds[kind.key] = kind


def contains(field: str, text: str) -> Q:
    """`field` contains `text` whatever the case. PostgreSQL folds every letter (and the
    trigram indexes serve it); SQLite's LIKE folds only Latin ones, so there the usual ways a
    Russian word is written are tried: «иван», «Иван», «ИВАН», «Иван Петров»."""
    if connection.vendor != "sqlite":
        return Q(**{f"{field}__icontains": text})
    match = Q()
    for variant in dict.fromkeys(
        [text, text.lower(), text.capitalize(), text.title(), text.upper()]
    ):
        match |= Q(**{f"{field}__contains": variant})
    return match


def search(user, query: Query, *, limit: int) -> list[Group]:
    """The groups with hits, in their order; nothing for a query too short to search."""
    if not query.is_searchable or not user.is_authenticated:
        return []
    groups = []
    for kind in sorted(_kinds.values(), key=lambda k: (k.order, k.key)):
        hits = kind.find(user, query, limit)
        if hits:
            groups.append(Group(kind=kind, hits=hits[:limit], more=len(hits) > limit))
    return groups

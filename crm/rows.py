"""Helpers for pages that show many rows: what a row needs, computed without the per-call
cost of the general tools.

``row_url(name, *args)`` is ``reverse(name, args=args)`` for a URL whose arguments are whole
numbers: the pattern is reversed once (per name and script prefix) and each row only fills
in its numbers. ``short_datetime`` writes a moment as «31.12.2025 18:30» in the project's
time zone, as ``|date:"d.m.Y H:i"`` does."""

import datetime
from functools import cache

from django.urls import get_script_prefix, reverse
from django.utils import timezone

# Stand-ins reversed in place of the arguments: no route holds such numbers.
_STAND_INS = [987654321000 + i for i in range(4)]


@cache
def _pattern(name: str, arity: int, prefix: str) -> str:
    url = reverse(name, args=_STAND_INS[:arity]).replace("{", "{{").replace("}", "}}")
    for i, stand_in in enumerate(_STAND_INS[:arity]):
        url = url.replace(str(stand_in), "{%d}" % i)  # noqa: UP031
    return url


def row_url(name: str, *args: int) -> str:
    return _pattern(name, len(args), get_script_prefix()).format(*(int(a) for a in args))


def short_datetime(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")

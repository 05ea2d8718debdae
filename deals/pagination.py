"""Keyset ("seek") pagination: a page is the rows after (or before) a cursor in the sort
order, so a page deep in a large list costs the same as the first one, and no COUNT over the
whole table is run."""

import base64
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.prev_cursor)


def encode_cursor(values: list) -> str:
    raw = json.dumps([_plain(v) for v in values], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(cursor: str, kinds: list[type]) -> list | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            return None
        out = []
        for value, kind in zip(values, kinds, strict=True):
            if kind is datetime.datetime:
                out.append(datetime.datetime.fromisoformat(value))
            elif kind is Decimal:
                out.append(Decimal(value))
            elif kind is int:
                out.append(int(value))
            else:
                out.append(str(value))
        return out
    except (ValueError, TypeError, InvalidOperation, json.JSONDecodeError):
        return None


def _after(fields: list[str], values: list, reverse: bool) -> Q:
    """Rows strictly after `values` in the order given by `fields` ("-x" = descending)."""
    condition = Q()
    for i, field in enumerate(fields):
        name = field.lstrip("-")
        descending = field.startswith("-") != reverse
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        for prev_field, prev_value in zip(fields[:i], values[:i], strict=True):
            step &= Q(**{prev_field.lstrip("-"): prev_value})
        condition |= step
    return condition


def paginate(
    queryset: QuerySet,
    *,
    order: list[str],
    kinds: list[type],
    after: str | None,
    before: str | None,
    size: int,
) -> KeysetPage:
    """`order` ends with the primary key so the order is total; `kinds` are the Python types
    of those fields, used to read a cursor back."""
    names = [f.lstrip("-") for f in order]
    backwards = False
    if before and (values := _decode(before, kinds)) is not None:
        reversed_order = [f[1:] if f.startswith("-") else f"-{f}" for f in order]
        rows = list(
            queryset.filter(_after(order, values, reverse=True)).order_by(*reversed_order)[
                : size + 1
            ]
        )
        backwards = True
    elif after and (values := _decode(after, kinds)) is not None:
        rows = list(
            queryset.filter(_after(order, values, reverse=False)).order_by(*order)[: size + 1]
        )
    else:
        rows = list(queryset.order_by(*order)[: size + 1])
        after = None

    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def key(row):
        return [getattr(row, n) for n in names]

    if not rows:
        return KeysetPage(rows=[], next_cursor=None, prev_cursor=None)
    if backwards:
        next_cursor = encode_cursor(key(rows[-1]))
        prev_cursor = encode_cursor(key(rows[0])) if more else None
    else:
        next_cursor = encode_cursor(key(rows[-1])) if more else None
        prev_cursor = encode_cursor(key(rows[0])) if after else None
    return KeysetPage(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)

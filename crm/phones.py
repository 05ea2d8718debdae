"""Phone numbers are stored in E.164 and shown in the Russian national format. The one place
that reads and writes a phone number: staff profiles (crm), clients and contacts (contacts).
"""

from functools import lru_cache

import phonenumbers
from django.db import connection

from .formats import typed_text

DEFAULT_REGION = "RU"


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """Return the number in E.164 (+79161234567) or raise InvalidPhone."""
    text = typed_text(raw).strip()
    if not text:
        raise InvalidPhone("Пустой номер")
    if text.startswith("8") and len([c for c in text if c.isdigit()]) == 11:
        # The Russian trunk prefix: 8 916 … means +7 916 …
        text = "+7" + "".join(c for c in text if c.isdigit())[1:]
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise InvalidPhone("Номер не существует")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def format_phone(e164: str) -> str:
    """A stored number as people read it. Cached: a card or a list shows dozens, and
    parsing one costs as much as rendering its whole row."""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 7:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def fill_display(phone_model, batch: int = 10000) -> None:
    """The shown form of every stored phone that has none yet (phones written before it
    was kept, or loaded by SQL): phone_model is contacts' ContactPhone, or a migration's.
    Written a batch per statement on PostgreSQL (bulk_update's CASE over thousands of rows
    costs the database quadratic time), a prepared UPDATE per phone elsewhere."""
    table = connection.ops.quote_name(phone_model._meta.db_table)
    rows = phone_model.objects.filter(display="").order_by("pk").values_list("pk", "number")
    pending = []

    def write(cursor):
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS p SET display = v.display "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, display) WHERE p.id = v.id",
                [[pk for pk, _ in pending], [shown for _, shown in pending]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET display = %s WHERE id = %s",  # noqa: S608
                [(shown, pk) for pk, shown in pending],
            )
        pending.clear()

    with connection.cursor() as cursor:
        for pk, number in rows.iterator(chunk_size=batch):
            pending.append((pk, format_phone(number)))
            if len(pending) == batch:
                write(cursor)
        if pending:
            write(cursor)

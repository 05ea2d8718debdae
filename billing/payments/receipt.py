"""The 54-FZ receipt objects YooKassa hands to the online cash register: the ``receipt`` of a
payment and the separate receipt of ``POST /v3/receipts`` that offsets prepayments.

Every online payment by card, СБП or wallet needs one when the seller has receipts turned on
(``YOOKASSA_RECEIPTS``): an individual's, and a company's or a sole proprietor's too, since
they present an electronic means of payment (п. 9 ст. 2 54-ФЗ); a bank transfer between
companies needs none. The item amounts must add up to the payment amount, which
``build_receipt`` checks.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .base import KOPECK, money_value

# VAT rate (percent, None = «без НДС») → YooKassa vat_code: (the rate, the calculated rate
# r/(100+r) that prepayments use). Codes 11 and 12 are the 22 % of 2026.
VAT_CODES: dict[int | None, tuple[int, int]] = {
    None: (1, 1),
    0: (2, 2),
    10: (3, 5),
    20: (4, 6),
    5: (7, 9),
    7: (8, 10),
    22: (11, 12),
}
PREPAYMENT_MODES = frozenset({"full_prepayment", "partial_prepayment", "advance"})
PAYMENT_MODES = PREPAYMENT_MODES | {"full_payment", "partial_payment", "credit", "credit_payment"}
PAYMENT_SUBJECTS = frozenset(
    {"commodity", "service", "job", "payment", "intellectual_activity", "property_right", "another"}
)
QUANTITY_STEP = Decimal("0.001")
TAX_SYSTEM_CODES = range(1, 7)  # 1 ОСН, 2 УСН доходы, 3 УСН доходы − расходы, 4 ЕНВД, 5 ЕСХН, 6 ПСН
SETTLEMENT_TYPES = frozenset({"cashless", "prepayment", "postpayment", "consideration"})

# The unit of an ОКЕИ code (billing.models.Unit) as the register's `measure` (ФФД 1.2, tag
# 2108). Piece is the unit of a thing or a service sold by units; a period longer than a day
# (week, month, year) has no measure of its own and is "another".
MEASURES = {
    "796": "piece",  # шт
    "876": "piece",  # усл. ед
    "356": "hour",  # ч
    "539": "hour",  # чел.-ч
    "359": "day",  # сут
    "360": "another",  # нед
    "362": "another",  # мес
    "366": "another",  # год
    "839": "piece",  # компл
    "778": "piece",  # упак
    "792": "piece",  # чел
    "006": "meter",  # м
    "055": "square_meter",  # м²
    "166": "kilogram",  # кг
    "112": "liter",  # л
}
MEASURE_VALUES = frozenset(MEASURES.values()) | {
    "gram",
    "ton",
    "centimeter",
    "decimeter",
    "square_centimeter",
    "square_decimeter",
    "milliliter",
    "cubic_meter",
    "kilowatt_hour",
    "gigacalorie",
    "minute",
    "second",
    "kilobyte",
    "megabyte",
    "gigabyte",
    "terabyte",
}


def measure_of(unit_code: str) -> str:
    """The register's measure of a line's ОКЕИ unit: "356" (ч) → "hour"."""
    return MEASURES.get(unit_code, "another")


def vat_code(rate: Decimal | int | None, *, payment_mode: str = "full_payment") -> int:
    """The vat_code of a VAT rate: 22 → 11 when the goods or services are handed over with the
    payment (full_payment), 22/122 → 12 for a prepayment."""
    key = None if rate is None else int(Decimal(rate))
    if (key is not None and Decimal(rate) != key) or key not in VAT_CODES:
        raise ValueError(f"No YooKassa vat_code for VAT {rate}%")
    plain, calculated = VAT_CODES[key]
    return calculated if payment_mode in PREPAYMENT_MODES else plain


@dataclass(frozen=True)
class ReceiptLine:
    """One line of the invoice as the buyer pays it.

    ``amount`` is the line's total with VAT included, what the buyer pays for it.
    """

    description: str
    quantity: Decimal
    amount: Decimal
    vat_rate: Decimal | int | None  # percent; None for «без НДС»
    payment_subject: str = "service"  # or "commodity" for goods
    measure: str = "piece"  # needed by registers on fiscal data format 1.2 (measure_of)


def build_receipt(
    *,
    lines: list[ReceiptLine],
    total: Decimal,
    email: str = "",
    phone: str = "",
    full_name: str = "",
    inn: str = "",
    tax_system_code: int | None = None,
    payment_mode: str = "full_payment",
) -> dict:
    """The ``receipt`` argument of ``create_payment``.

    One of ``email`` and ``phone`` (E.164, ``+79161234567``) is needed: the register sends the
    receipt there. A company or a sole proprietor is named on the receipt with its INN
    (``full_name``, ``inn``: ст. 4.7 54-ФЗ). A line whose total is not exactly its quantity
    times a price in whole kopecks (a discount, 3 × 33.33 for 100.00) goes on the receipt as
    one unit at the line total, so that the items still add up to the payment to the kopeck.
    A prepayment's items carry the calculated VAT rate (22/122).
    """
    if not lines:
        raise ValueError("A receipt needs at least one line")
    if payment_mode not in PAYMENT_MODES:
        raise ValueError(f"Unknown payment_mode {payment_mode!r}")
    if tax_system_code is not None and tax_system_code not in TAX_SYSTEM_CODES:
        raise ValueError(f"tax_system_code is 1 to 6, not {tax_system_code}")
    customer = {}
    if full_name:
        customer["full_name"] = full_name[:256]
    if inn:
        if not inn.isdigit() or len(inn) not in (10, 12):
            raise ValueError(f"Not an INN: {inn!r}")
        customer["inn"] = inn
    if email:
        customer["email"] = email
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not 10 <= len(digits) <= 15:
            raise ValueError(f"Not a phone number in E.164: {phone!r}")
        customer["phone"] = digits
    if "email" not in customer and "phone" not in customer:
        raise ValueError("A receipt needs the buyer's e-mail or phone")

    items, paid = [], Decimal("0")
    for line in lines:
        if line.payment_subject not in PAYMENT_SUBJECTS:
            raise ValueError(f"Unknown payment_subject {line.payment_subject!r}")
        if line.measure not in MEASURE_VALUES:
            raise ValueError(f"Unknown measure {line.measure!r}")
        line_total = Decimal(money_value(line.amount))
        quantity = Decimal(line.quantity)
        if quantity <= 0:
            raise ValueError(f"A receipt line needs a positive quantity: {line.description}")
        price = (line_total / quantity).quantize(KOPECK, ROUND_HALF_UP)
        if quantity != quantity.quantize(QUANTITY_STEP) or price * quantity != line_total:
            price, quantity = line_total, Decimal("1")
        items.append(
            {
                "description": line.description[:128],
                "quantity": _quantity(quantity),
                "amount": {"value": f"{price:.2f}", "currency": "RUB"},
                "vat_code": vat_code(line.vat_rate, payment_mode=payment_mode),
                "payment_mode": payment_mode,
                "payment_subject": line.payment_subject,
                "measure": line.measure,
            }
        )
        paid += line_total
    if paid != Decimal(money_value(total)):
        raise ValueError(f"The receipt lines add up to {paid}, the payment is {total}")
    receipt = {"customer": customer, "items": items}
    if tax_system_code is not None:
        receipt["tax_system_code"] = tax_system_code
    return receipt


def build_settlement_receipt(
    *,
    receipt: dict,
    payment_id: str,
    prepaid: Decimal,
) -> dict:
    """The body of ``POST /v3/receipts`` that offsets prepayments when the goods or services
    are handed over: a receipt of type "payment" whose items (built by ``build_receipt`` with
    payment_mode "full_payment") are settled by the money already received
    (a settlement of type "prepayment"), linked to the payment it closes and sent to the
    buyer."""
    items = receipt.get("items") or []
    if not items or {item["payment_mode"] for item in items} != {"full_payment"}:
        raise ValueError("A settlement receipt lists its items as full_payment")
    paid = sum(
        (Decimal(item["quantity"]) * Decimal(item["amount"]["value"]) for item in items),
        Decimal("0"),
    )
    if paid != Decimal(money_value(prepaid)):
        raise ValueError(f"The items add up to {paid}, the prepayments are {prepaid}")
    body = {
        "type": "payment",
        "payment_id": payment_id,
        "send": True,
        "customer": receipt["customer"],
        "items": items,
        "settlements": [
            {"type": "prepayment", "amount": {"value": money_value(prepaid), "currency": "RUB"}}
        ],
    }
    if "tax_system_code" in receipt:
        body["tax_system_code"] = receipt["tax_system_code"]
    return body


def _quantity(quantity: Decimal) -> str:
    # Up to three decimals, the way registers take it: "2", "1.5", "0.125".
    text = f"{quantity.quantize(QUANTITY_STEP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

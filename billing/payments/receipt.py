"""The 54-FZ receipt object YooKassa sends to the online cash register with a payment.

Needed when an individual pays online and the seller has turned receipts on
(``YOOKASSA_RECEIPTS``); payments between companies and sole proprietors by bank transfer need
none. The item amounts must add up to the payment amount, which ``build_receipt`` checks.
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
    measure: str = "piece"  # needed by registers on fiscal data format 1.2


def build_receipt(
    *,
    lines: list[ReceiptLine],
    total: Decimal,
    email: str = "",
    phone: str = "",
    tax_system_code: int | None = None,
    payment_mode: str = "full_payment",
) -> dict:
    """The ``receipt`` argument of ``create_payment``.

    One of ``email`` and ``phone`` (E.164, ``+79161234567``) is needed: the register sends the
    receipt there. A line whose total is not exactly its quantity times a price in whole
    kopecks (a discount, 3 × 33.33 for 100.00) goes on the receipt as one unit at the line
    total, so that the items still add up to the payment to the kopeck.
    """
    if not lines:
        raise ValueError("A receipt needs at least one line")
    if payment_mode not in PAYMENT_MODES:
        raise ValueError(f"Unknown payment_mode {payment_mode!r}")
    if tax_system_code is not None and tax_system_code not in TAX_SYSTEM_CODES:
        raise ValueError(f"tax_system_code is 1 to 6, not {tax_system_code}")
    customer = {}
    if email:
        customer["email"] = email
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not 10 <= len(digits) <= 15:
            raise ValueError(f"Not a phone number in E.164: {phone!r}")
        customer["phone"] = digits
    if not customer:
        raise ValueError("A receipt needs the buyer's e-mail or phone")

    items, paid = [], Decimal("0")
    for line in lines:
        if line.payment_subject not in PAYMENT_SUBJECTS:
            raise ValueError(f"Unknown payment_subject {line.payment_subject!r}")
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


def _quantity(quantity: Decimal) -> str:
    # Up to three decimals, the way registers take it: "2", "1.5", "0.125".
    text = f"{quantity.quantize(QUANTITY_STEP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

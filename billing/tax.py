from decimal import Decimal

from .money import DEFAULT_VAT_RATE, VatMode


def seller_vat() -> tuple[VatMode, Decimal]:
    # The seller's tax mode, the one place calculations and invoices read it from. It follows
    # the active seller's vat_mode and vat_rate when a seller is set; until then VAT 22 % is
    # included in prices.
    return VatMode.INCLUDED, DEFAULT_VAT_RATE

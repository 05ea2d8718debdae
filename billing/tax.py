from decimal import Decimal

from contacts.models import Seller

from .money import DEFAULT_VAT_RATE, VatMode


def seller_vat() -> tuple[VatMode, Decimal]:
    """The seller's tax mode: the one place calculations and invoices read it from. Without
    an active seller, VAT 22 % is included in prices."""
    seller = Seller.objects.active()
    if seller is None:
        return VatMode.INCLUDED, DEFAULT_VAT_RATE
    mode = VatMode(seller.vat_mode)
    rate = Decimal(0) if mode == VatMode.NONE else Decimal(seller.vat_rate)
    return mode, rate

"""The seller's tax regime: the one place calculations and invoices read it from, and the
one way it changes."""

from decimal import Decimal

from django.db import transaction

from contacts.models import RequisiteChange, Seller

from .models import SellerTax
from .money import DEFAULT_VAT_RATE, VatMode


def seller_tax(seller: Seller) -> SellerTax:
    """The seller's row, or an unsaved one with the defaults (VAT 22 % included)."""
    return SellerTax.objects.filter(seller=seller).first() or SellerTax(seller=seller)


def seller_vat() -> tuple[VatMode, Decimal]:
    """The active seller's VAT mode and rate. Without an active seller, VAT 22 % is included
    in prices."""
    tax = SellerTax.objects.filter(seller__is_active=True).first()
    if tax is None:
        return VatMode.INCLUDED, DEFAULT_VAT_RATE
    mode = VatMode(tax.vat_mode)
    rate = Decimal(0) if mode == VatMode.NONE else Decimal(tax.vat_rate)
    return mode, rate


@transaction.atomic
def seller_tax_save(*, seller: Seller, vat_mode: str, vat_rate: Decimal | None, by) -> SellerTax:
    """Set the seller's VAT mode and rate (the rate is 0 without VAT). A change is written
    to the seller's change log beside its requisites."""
    tax = SellerTax.objects.select_for_update().filter(seller=seller).first()
    if tax is None:
        tax = SellerTax(seller=seller)
    before = tax.label
    tax.vat_mode = VatMode(vat_mode)
    tax.vat_rate = Decimal(0) if tax.vat_mode == VatMode.NONE else vat_rate
    tax.save()
    if tax.label != before:
        RequisiteChange.objects.create(
            seller=seller,
            by=by,
            action=RequisiteChange.Action.CHANGED,
            changes=[
                {
                    "field": "vat",
                    "label": "Налог",
                    "old": before,
                    "new": tax.label,
                    "personal": False,
                }
            ],
        )
    return tax

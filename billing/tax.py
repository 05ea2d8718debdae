"""The seller's tax regime and what follows from it: the VAT rates a line may carry, the
words a document of a seller without VAT gives for it, the tax system its 54-ФЗ receipts
name. The one place calculations, invoices, the catalog and receipts read it from, and the
one way it changes."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from contacts.models import RequisiteChange, Seller

from .models import SellerTax
from .money import DEFAULT_VAT_RATE, TaxRegime, UsnObject, VatMode, format_rate, vat_mode_label

# The general rates of a VAT payer from 2026-01-01 (ст. 164 НК РФ after 425-ФЗ).
GENERAL_RATES = (Decimal("22"), Decimal("10"), Decimal("0"))


@dataclass(frozen=True)
class _Rule:
    rates: tuple[Decimal, ...]  # the rates a line may carry; () for a regime without VAT
    system: int | None  # YooKassa tax_system_code; None: by the object of the УСН
    no_vat: str  # why documents carry no VAT, as accountants write it ("" for VAT payers)
    hint: str  # what the regime means, for the «Налог» page


# From 2025 a seller on УСН pays VAT unless its income of the last year is under the
# threshold (20 mln ₽ for 2026): then it is exempt under п. 1 ст. 145 НК РФ. ЕСХН has the
# same exemption; АУСН and ПСН do not pay VAT at all.
RULES: dict[str, _Rule] = {
    TaxRegime.OSN: _Rule(
        GENERAL_RATES, 1, "", "общая система: НДС 22 %, 10 % или 0 %, продажи без НДС по ст. 149"
    ),
    TaxRegime.USN: _Rule(
        (),
        None,
        "НДС не облагается в связи с применением упрощённой системы налогообложения "
        "(освобождение по п. 1 ст. 145 НК РФ)",
        "доход за прошлый год не больше порога освобождения (20 млн ₽ в 2026 году)",
    ),
    TaxRegime.USN_VAT_5: _Rule((Decimal("5"),), None, "", "специальная ставка 5 % без вычетов"),
    TaxRegime.USN_VAT_7: _Rule((Decimal("7"),), None, "", "специальная ставка 7 % без вычетов"),
    TaxRegime.USN_VAT: _Rule(GENERAL_RATES, None, "", "ставки 22 %, 10 % или 0 % с вычетами"),
    TaxRegime.AUSN: _Rule(
        (),
        None,
        "НДС не облагается в связи с применением автоматизированной упрощённой системы "
        "налогообложения (ч. 2, 3 ст. 3 Федерального закона от 25.02.2022 № 17-ФЗ)",
        "автоматизированная упрощённая система, без НДС",
    ),
    TaxRegime.PSN: _Rule(
        (),
        6,
        "НДС не облагается в связи с применением патентной системы налогообложения "
        "(п. 11 ст. 346.43 НК РФ)",
        "патентная система индивидуального предпринимателя, без НДС",
    ),
    TaxRegime.ESHN: _Rule(
        (),
        5,
        "НДС не облагается в связи с применением единого сельскохозяйственного налога "
        "(освобождение по п. 1 ст. 145 НК РФ)",
        "единый сельскохозяйственный налог с освобождением от НДС",
    ),
    TaxRegime.ESHN_VAT: _Rule(GENERAL_RATES, 5, "", "ставки 22 %, 10 % или 0 %"),
}
USN_REGIMES = frozenset(
    {TaxRegime.USN, TaxRegime.USN_VAT_5, TaxRegime.USN_VAT_7, TaxRegime.USN_VAT, TaxRegime.AUSN}
)
USN_SYSTEMS = {UsnObject.INCOME: 2, UsnObject.INCOME_EXPENSE: 3}


def _rates_text(rates) -> str:
    shown = [format_rate(r) for r in rates]
    if len(shown) == 1:
        return f"возможна только {shown[0]}"
    return "возможны " + ", ".join(shown)


@dataclass(frozen=True)
class TaxPolicy:
    """The seller's regime as the rules read it. `vat_mode` is NONE and `default_rate` 0
    for a regime without VAT."""

    regime: str = TaxRegime.OSN
    usn_object: str = UsnObject.INCOME
    vat_mode: str = VatMode.INCLUDED
    default_rate: Decimal = DEFAULT_VAT_RATE
    exemption_basis: str = ""  # «пп. 26 п. 2 ст. 149 НК РФ»: lines «без НДС» of a VAT payer

    def __post_init__(self):
        if not RULES[self.regime].rates:
            # A regime without VAT has no mode, rate or exemption, whatever was stored.
            object.__setattr__(self, "vat_mode", VatMode.NONE)
            object.__setattr__(self, "default_rate", Decimal(0))
            object.__setattr__(self, "exemption_basis", "")

    @property
    def rule(self) -> _Rule:
        return RULES[self.regime]

    @property
    def pays_vat(self) -> bool:
        return bool(self.rule.rates)

    @property
    def rates(self) -> tuple[Decimal, ...]:
        return self.rule.rates

    @property
    def allows_exempt(self) -> bool:
        """Lines «без НДС» (ст. 149 НК РФ) are possible once the basis is written down."""
        return self.pays_vat and bool(self.exemption_basis)

    @property
    def tax_system_code(self) -> int:
        """The seller's tax system as a 54-ФЗ receipt names it (YooKassa tax_system_code):
        1 ОСН, 2 УСН доходы, 3 УСН доходы минус расходы, 5 ЕСХН, 6 ПСН. АУСН has no code of
        its own: its receipts name the УСН of its object."""
        if self.rule.system is not None:
            return self.rule.system
        return USN_SYSTEMS[UsnObject(self.usn_object)]

    @property
    def label(self) -> str:
        """«ОСН, НДС включён в цену, 22 %», «УСН без НДС, доходы»."""
        text = TaxRegime(self.regime).label
        if self.regime in USN_REGIMES:
            text += f", {UsnObject(self.usn_object).label}"
        if self.pays_vat:
            text += f", {vat_mode_label(self.vat_mode, self.default_rate)}"
        return text

    def rate_problem(self, rate: Decimal | None, *, exempt: bool = False) -> str:
        """Why a line may not carry this rate under the regime, in Russian; "" when it may.
        `rate` None is the seller's default rate; `exempt` a line «без НДС» (ст. 149)."""
        regime = TaxRegime(self.regime).label
        if not self.pays_vat:
            if exempt or rate is not None:
                shown = "«без НДС»" if exempt else f"НДС {format_rate(rate)}"
                return f"Ставку {shown} указать нельзя: продавец не платит НДС ({regime})."
            return ""
        if exempt:
            if not self.exemption_basis:
                return (
                    "Без НДС продают только операции, освобождённые по ст. 149 НК РФ: "
                    "руководитель указывает основание на странице «Налог»."
                )
            return ""
        if rate is not None and Decimal(rate) not in self.rates:
            return (
                f"Ставка НДС {format_rate(rate)} не применяется при {regime}: "
                f"{_rates_text(self.rates)}."
            )
        return ""

    def vat_note(self, *, exempt_lines: bool = False) -> str:
        """Why a document carries no VAT, in the words of an accountant: the regime's reason
        for a seller without VAT, the ст. 149 basis for lines «без НДС» of a VAT payer, ""
        otherwise. Invoices, proposals and contracts print this one text."""
        if not self.pays_vat:
            return self.rule.no_vat
        if exempt_lines and self.exemption_basis:
            return f"НДС не облагается на основании {self.exemption_basis}"
        return ""


def policy_of(tax: SellerTax | None) -> TaxPolicy:
    if tax is None:
        return TaxPolicy()
    return TaxPolicy(
        regime=tax.regime,
        usn_object=tax.usn_object,
        vat_mode=VatMode(tax.vat_mode),
        default_rate=Decimal(tax.vat_rate or 0),
        exemption_basis=tax.exemption_basis,
    )


def seller_tax(seller: Seller) -> SellerTax:
    """The seller's row, or an unsaved one with the defaults (ОСН, VAT 22 % included)."""
    return SellerTax.objects.filter(seller=seller).first() or SellerTax(seller=seller)


def seller_policy() -> TaxPolicy:
    """The active seller's regime. Without an active seller (or its row): ОСН with VAT
    22 % included in prices."""
    return policy_of(SellerTax.objects.filter(seller__is_active=True).first())


def seller_vat() -> tuple[VatMode, Decimal]:
    """The active seller's VAT mode and default rate."""
    policy = seller_policy()
    return VatMode(policy.vat_mode), policy.default_rate


@transaction.atomic
def seller_tax_save(
    *,
    seller: Seller,
    regime: str,
    by,
    vat_mode: str = VatMode.INCLUDED,
    vat_rate: Decimal | None = None,
    usn_object: str = UsnObject.INCOME,
    exemption_basis: str = "",
) -> SellerTax:
    """Set the seller's regime. A regime without VAT stores no mode, rate or basis; УСН
    with 5 % or 7 % stores its rate; the general rates take `vat_rate` (22 % when None).
    A change is written to the seller's change log beside its requisites."""
    rule = RULES[TaxRegime(regime)]
    if rule.rates:
        if VatMode(vat_mode) == VatMode.NONE:
            raise ValidationError({"vat_mode": "Выберите, как цены учитывают НДС."})
        if len(rule.rates) == 1:
            vat_rate = rule.rates[0]
        elif vat_rate is None:
            vat_rate = DEFAULT_VAT_RATE
        if Decimal(vat_rate) not in rule.rates:
            raise ValidationError(
                {"vat_rate": f"Ставка {format_rate(vat_rate)}: {_rates_text(rule.rates)}."}
            )
    else:
        vat_mode, vat_rate, exemption_basis = VatMode.NONE, Decimal(0), ""
    tax = SellerTax.objects.select_for_update().filter(seller=seller).first()
    if tax is None:
        tax = SellerTax(seller=seller)
    before = tax.label
    tax.regime = TaxRegime(regime)
    tax.usn_object = UsnObject(usn_object)
    tax.vat_mode = VatMode(vat_mode)
    tax.vat_rate = vat_rate
    tax.exemption_basis = (exemption_basis or "").strip()
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

"""Money arithmetic for calculations, invoices and documents: pure functions on Decimal.

Rules that everything here follows:
- every line is rounded to kopecks with ROUND_HALF_UP once, at the end of its own formula;
- a total is the sum of rounded lines, never a rounding of the unrounded sum, so a table of
  lines always adds up to the total printed under it;
- invalid input raises ValueError with a Russian message that forms show as is.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db.models import TextChoices

from crm.formats import NBSP, money

ZERO = Decimal("0.00")
KOPECK = Decimal("0.01")
HUNDRED = Decimal("100")


class VatMode(TextChoices):
    """How prices carry VAT: the seller's tax regime (billing.SellerTax), copied into every
    calculation and invoice. The one set of names; pages, forms and documents read these."""

    NONE = "none", "Без НДС"  # not a VAT payer (УСН up to the threshold, exemption)
    INCLUDED = "included", "НДС включён в цену"
    ON_TOP = "on_top", "НДС сверху цены"


class TaxRegime(TextChoices):
    """The seller's tax regime (billing.SellerTax). Which VAT rates a line may carry, why a
    document has no VAT and the tax system a 54-ФЗ receipt names follow from it
    (billing.tax)."""

    OSN = "osn", "ОСН"
    USN = "usn", "УСН без НДС"
    USN_VAT_5 = "usn_vat_5", "УСН с НДС 5 %"
    USN_VAT_7 = "usn_vat_7", "УСН с НДС 7 %"
    USN_VAT = "usn_vat", "УСН с НДС по общим ставкам"
    AUSN = "ausn", "АУСН"
    PSN = "psn", "ПСН"
    ESHN = "eshn", "ЕСХН без НДС"
    ESHN_VAT = "eshn_vat", "ЕСХН с НДС"


class UsnObject(TextChoices):
    """What the simplified system (УСН, АУСН) taxes: it decides the receipt's tax system."""

    INCOME = "income", "доходы"
    INCOME_EXPENSE = "income_expense", "доходы минус расходы"


# A line «Без НДС» of a VAT payer: an operation exempt under ст. 149 НК РФ. Forms and files
# spell it so; in the arithmetic below it is a line whose rate is None.
EXEMPT = "exempt"
EXEMPT_LABEL = "без НДС"

# Rates in force from 2026-01-01: the general 22 %, the reduced 10 %, the УСН rates 7 % and
# 5 %, and 0 %.
VAT_RATES: tuple[Decimal, ...] = (
    Decimal("22"),
    Decimal("10"),
    Decimal("7"),
    Decimal("5"),
    Decimal("0"),
)
DEFAULT_VAT_RATE = Decimal("22")


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


def kopecks(value) -> Decimal:
    """Round to kopecks, half up: 0.005 → 0.01."""
    return Decimal(value).quantize(KOPECK, ROUND_HALF_UP)


def format_rate(rate: Decimal | None) -> str:
    """Decimal("22.00") → «22 %», Decimal("7.5") → «7,5 %», None → «без НДС»."""
    if rate is None:
        return EXEMPT_LABEL
    text = f"{Decimal(rate).normalize():f}".replace(".", ",")
    return f"{text}\u00a0%"


def vat_mode_label(mode: str, rate: Decimal) -> str:
    """«Без НДС» or «НДС включён в цену, 22 %»: a tax mode with its rate."""
    mode = VatMode(mode)
    if mode == VatMode.NONE:
        return mode.label
    return f"{mode.label}, {format_rate(rate)}"


def vat_line_label(mode: str, rate: Decimal | None = None, *, invoice: bool = False) -> str:
    """The VAT row under a table of lines: «В том числе НДС 22 %» (included), «НДС 22 %»
    (on top) or «Без НДС». A payment document writes «В том числе НДС (22 %)» and «Без
    налога (НДС)», as invoices in Russia do."""
    mode = VatMode(mode)
    if mode == VatMode.NONE:
        return "Без налога (НДС)" if invoice else "Без НДС"
    prefix = "В том числе НДС" if mode == VatMode.INCLUDED else "НДС"
    shown = format_rate(rate)
    return f"{prefix} ({shown})" if invoice else f"{prefix} {shown}"


def shows_vat_column(mode: str, lines) -> bool:
    """Whether a table of lines needs a VAT column: a VAT payer's lines at more than one
    rate, or some «без НДС». Lines have `line_rate` (None: «без НДС»)."""
    if VatMode(mode) == VatMode.NONE:
        return False
    return len({line.line_rate for line in lines}) > 1


def document_vat_lines(mode: str, lines) -> list[dict]:
    """The VAT rows under the table of a payment document (an invoice, an act): «В том числе
    НДС (22 %)», «НДС (22 %)» (on top) with the amount, one row per rate, and a row «Без
    налога (НДС)» with a dash for a seller without VAT or for lines «без НДС». Lines have
    `vat_rate`, `vat_exempt` and `vat`."""
    no_vat = {"label": vat_line_label(VatMode.NONE, invoice=True), "amount": "—"}
    if VatMode(mode) == VatMode.NONE:
        return [no_vat]
    sums: dict[Decimal, Decimal] = {}
    for line in lines:
        if line.vat_exempt:
            continue
        rate = Decimal(line.vat_rate).quantize(KOPECK)
        sums[rate] = sums.get(rate, ZERO) + line.vat
    rows = [
        {"label": vat_line_label(mode, rate, invoice=True), "amount": money(vat)}
        for rate, vat in sorted(sums.items(), reverse=True)
    ]
    if any(line.vat_exempt for line in lines):
        rows.append(no_vat)
    return rows


def format_quantity(quantity: Decimal) -> str:
    """Decimal("1.500") → «1,5», Decimal("10.000") → «10»."""
    value = Decimal(quantity).normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return f"{value:f}".replace(".", ",")


def line_amount(
    quantity: Decimal,
    price: Decimal,
    discount: Decimal = ZERO,
    discount_kind: DiscountKind = DiscountKind.PERCENT,
) -> Decimal:
    """Quantity × price less the line's discount, rounded once to kopecks."""
    if quantity < 0:
        raise ValueError("Количество не может быть отрицательным.")
    if price < 0:
        raise ValueError("Цена не может быть отрицательной.")
    if discount < 0:
        raise ValueError("Скидка не может быть отрицательной.")
    if discount_kind == DiscountKind.PERCENT:
        if discount > HUNDRED:
            raise ValueError("Скидка не может быть больше 100 %.")
        return kopecks(quantity * price * (1 - discount / HUNDRED))
    gross = quantity * price
    if discount > gross:
        raise ValueError(f"Скидка больше суммы строки ({money(gross)} ₽).")
    return kopecks(gross - discount)


def discount_amount(base: Decimal, discount: Decimal, discount_kind: DiscountKind) -> Decimal:
    """The roubles a discount takes off `base` (a sum already in kopecks)."""
    if discount < 0:
        raise ValueError("Скидка не может быть отрицательной.")
    if discount_kind == DiscountKind.PERCENT:
        if discount > HUNDRED:
            raise ValueError("Скидка не может быть больше 100 %.")
        return kopecks(base * discount / HUNDRED)
    if discount > base:
        raise ValueError(f"Скидка больше суммы расчёта ({money(base)} ₽).")
    return kopecks(discount)


def distribute(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` (in kopecks) over lines in proportion to `weights` so that the parts
    add up to `amount` exactly.

    Largest remainder method: every line first gets its exact proportional share cut down
    to whole kopecks; the few kopecks this leaves over (fewer than the number of lines) go
    one each to the lines whose cut-off remainders were largest, earlier lines first on a
    tie. The result is as close to proportional as kopecks allow, the same on every run,
    and when `amount` is at most the sum of the weights no line gets more than its own
    weight, so no line can go below zero after a discount.
    """
    total_weight = sum(weights, ZERO)
    if amount == 0 or not weights:
        return [ZERO for _ in weights]
    if total_weight <= 0:
        raise ValueError("Скидка больше суммы расчёта (0,00 ₽).")
    exact = [amount * weight / total_weight for weight in weights]
    parts = [share.quantize(KOPECK, ROUND_DOWN) for share in exact]
    left = int((amount - sum(parts, ZERO)) / KOPECK)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += KOPECK
    return parts


def vat_amount(amount: Decimal, rate: Decimal | None, mode: VatMode) -> Decimal:
    """VAT of one line's amount: included is amount × r / (100 + r), on top amount × r / 100.
    A line without a rate (exempt) has none."""
    if mode == VatMode.NONE or rate is None or rate == 0:
        return ZERO
    if mode == VatMode.INCLUDED:
        return kopecks(amount * rate / (HUNDRED + rate))
    return kopecks(amount * rate / HUNDRED)


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    price: Decimal
    vat_rate: Decimal | None = DEFAULT_VAT_RATE  # None: «без НДС» (exempt)
    discount: Decimal = ZERO
    discount_kind: DiscountKind = DiscountKind.PERCENT


@dataclass(frozen=True)
class LineResult:
    amount: Decimal  # quantity × price less the line's own discount
    discount_share: Decimal  # this line's part of the discount on the whole calculation
    vat_rate: Decimal | None  # None: «без НДС» (exempt)
    without_vat: Decimal
    vat: Decimal
    total: Decimal  # what the client pays for the line


@dataclass(frozen=True)
class Totals:
    vat_mode: VatMode
    lines: tuple[LineResult, ...]
    subtotal: Decimal  # Σ amount: before the discount on the whole calculation
    discount: Decimal  # Σ discount_share
    without_vat: Decimal
    vat: Decimal
    total: Decimal

    @property
    def vat_by_rate(self) -> list[tuple[Decimal, Decimal]]:
        """[(rate, Σ VAT of the lines at that rate)], highest rate first; empty without VAT.
        Exempt lines have no rate and are not here (see exempt_total)."""
        if self.vat_mode == VatMode.NONE:
            return []
        sums: dict[Decimal, Decimal] = {}
        for line in self.lines:
            if line.vat_rate is None:
                continue
            rate = Decimal(line.vat_rate).quantize(KOPECK)
            sums[rate] = sums.get(rate, ZERO) + line.vat
        return sorted(sums.items(), reverse=True)

    @property
    def exempt_total(self) -> Decimal:
        """What the buyer pays for the lines «без НДС» of a VAT payer."""
        if self.vat_mode == VatMode.NONE:
            return ZERO
        return sum((line.total for line in self.lines if line.vat_rate is None), ZERO)


def line_result(
    amount: Decimal, discount_share: Decimal, rate: Decimal | None, mode: VatMode
) -> LineResult:
    payable = amount - discount_share
    vat = vat_amount(payable, rate, mode)
    if mode == VatMode.ON_TOP:
        without_vat, total = payable, payable + vat
    else:
        without_vat, total = payable - vat, payable
    return LineResult(
        amount=amount,
        discount_share=discount_share,
        vat_rate=rate,
        without_vat=without_vat,
        vat=vat,
        total=total,
    )


def totals_of(mode: VatMode, results: Sequence[LineResult]) -> Totals:
    """Add up lines already computed (or loaded from the database)."""
    return Totals(
        vat_mode=VatMode(mode),
        lines=tuple(results),
        subtotal=sum((r.amount for r in results), ZERO),
        discount=sum((r.discount_share for r in results), ZERO),
        without_vat=sum((r.without_vat for r in results), ZERO),
        vat=sum((r.vat for r in results), ZERO),
        total=sum((r.total for r in results), ZERO),
    )


def calculate(
    lines: Sequence[Line],
    *,
    vat_mode: VatMode,
    discount: Decimal = ZERO,
    discount_kind: DiscountKind = DiscountKind.PERCENT,
) -> Totals:
    """Every line's amounts and the totals of a calculation.

    The discount on the whole calculation is turned into roubles once (a percent of the
    subtotal, rounded), then spread over the lines by `distribute`, and VAT is taken from
    each line's amount after its share, so the lines add up to every total exactly.
    """
    vat_mode = VatMode(vat_mode)
    amounts = [
        line_amount(line.quantity, line.price, line.discount, DiscountKind(line.discount_kind))
        for line in lines
    ]
    subtotal = sum(amounts, ZERO)
    overall = discount_amount(subtotal, discount, DiscountKind(discount_kind))
    shares = distribute(overall, amounts)
    results = [
        line_result(
            amount, share, None if line.vat_rate is None else Decimal(line.vat_rate), vat_mode
        )
        for line, amount, share in zip(lines, amounts, shares, strict=True)
    ]
    return totals_of(vat_mode, results)


def format_totals(totals: Totals, note: str = "") -> dict:
    """The totals as the strings a page, a document or a tag shows:
    {"subtotal", "discount" ("" when none), "without_vat", "vat", "total": «148 500,00»,
     "vat_mode", "vat_rate": «22 %» (rates joined by «, »; "" without VAT),
     "vat_lines": [{"label": «В том числе НДС 22 %», "amount": «26 778,69»}, …],
     "vat_text": «в том числе НДС 22 % — 26 778,69 руб.», as a contract states the price,
     "vat_note": why there is no VAT (billing.tax.vat_note, stored with the document)}.
    Without VAT, vat_lines holds one row {"label": «Без НДС», "amount": ""} and vat_text
    is the note («НДС не облагается в связи с применением …»), «без НДС» without one.
    Exempt lines of a VAT payer add a row «Без НДС» and their sum to vat_text."""
    by_rate = totals.vat_by_rate
    no_vat_row = {"label": vat_line_label(VatMode.NONE), "amount": ""}
    if totals.vat_mode == VatMode.NONE:
        vat_lines = [no_vat_row]
        vat_text = note or "без НДС"
    else:
        vat_lines = [
            {"label": vat_line_label(totals.vat_mode, rate), "amount": money(vat)}
            for rate, vat in by_rate
        ]
        # The price a contract states holds the VAT, whether it was added on top or not.
        texts = []
        if by_rate:
            texts.append(
                "в том числе "
                + ", ".join(
                    f"НДС {format_rate(rate)} — {money(vat)}{NBSP}руб." for rate, vat in by_rate
                )
            )
        if any(line.vat_rate is None for line in totals.lines):
            vat_lines.append(no_vat_row)
            if not by_rate:
                texts.append(note or "без НДС")
            else:
                exempt = f"без НДС — {money(totals.exempt_total)}{NBSP}руб."
                texts.append(f"{exempt} ({note})" if note else exempt)
        vat_text = "; ".join(texts)
    return {
        "vat_mode": str(totals.vat_mode),
        "subtotal": money(totals.subtotal),
        "discount": money(totals.discount) if totals.discount else "",
        "without_vat": money(totals.without_vat),
        "vat": money(totals.vat),
        "total": money(totals.total),
        "vat_rate": ", ".join(format_rate(rate) for rate, _ in by_rate),
        "vat_lines": vat_lines,
        "vat_text": vat_text,
        "vat_note": note,
    }

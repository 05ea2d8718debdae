"""Calculations: compute, save, make current and freeze. Proposals and invoices call
calculation_freeze before they use a calculation, and read it through
Calculation.objects.current_for(deal)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from crm.formats import money as format_money
from deals.models import Deal
from deals.services import deal_set_budget, timeline_add

from .. import money, tax
from ..models import Calculation, CalculationLine, Unit
from ..money import ZERO, DiscountKind, VatMode

# Amounts are stored with 14 digits, 2 of them kopecks.
MAX_AMOUNT = Decimal(10) ** 12


@dataclass(frozen=True)
class LineData:
    """One line as the manager entered it; vat_rate None means the seller's rate, and
    vat_exempt a line «без НДС» (ст. 149 НК РФ) of a VAT payer."""

    name: str
    quantity: Decimal
    price: Decimal
    unit_code: str = Unit.PIECE
    discount: Decimal = ZERO
    discount_kind: str = DiscountKind.PERCENT
    vat_rate: Decimal | None = None
    vat_exempt: bool = False
    catalog_item_id: int | None = None


def _line_rate(line: LineData, policy: tax.TaxPolicy) -> Decimal | None:
    if line.vat_exempt:
        return None
    return policy.default_rate if line.vat_rate is None else line.vat_rate


def calculation_compute(
    *,
    lines: Sequence[LineData],
    discount: Decimal = ZERO,
    discount_kind: str = DiscountKind.PERCENT,
    policy: tax.TaxPolicy | None = None,
) -> money.Totals:
    """The amounts of a calculation: what the calculator page shows as the manager types and
    exactly what calculation_save stores, under the seller's regime (a line at a rate the
    regime does not allow is refused). Raises ValidationError keyed by "lines" or
    "discount"."""
    policy = policy or tax.seller_policy()
    for number, line in enumerate(lines, start=1):
        problem = policy.rate_problem(line.vat_rate, exempt=line.vat_exempt)
        if problem:
            raise ValidationError({"lines": f"Строка {number}: {problem}"})
        try:
            money.line_amount(
                line.quantity, line.price, line.discount, DiscountKind(line.discount_kind)
            )
        except ValueError as exc:
            raise ValidationError({"lines": f"Строка {number}: {exc}"}) from exc
    try:
        totals = money.calculate(
            [
                money.Line(
                    quantity=line.quantity,
                    price=line.price,
                    vat_rate=_line_rate(line, policy),
                    discount=line.discount,
                    discount_kind=DiscountKind(line.discount_kind),
                )
                for line in lines
            ],
            vat_mode=VatMode(policy.vat_mode),
            discount=discount,
            discount_kind=DiscountKind(discount_kind),
        )
    except ValueError as exc:
        raise ValidationError({"discount": str(exc)}) from exc
    if max(totals.subtotal, totals.total) >= MAX_AMOUNT:
        raise ValidationError({"lines": "Сумма расчёта слишком велика."})
    return totals


@transaction.atomic
def calculation_save(
    *,
    deal: Deal,
    by,
    lines: Sequence[LineData],
    title: str = "",
    discount: Decimal = ZERO,
    discount_kind: str = DiscountKind.PERCENT,
    make_current: bool = False,
    calculation: Calculation | None = None,
) -> Calculation:
    """Create a calculation (calculation=None) or save changes to one. A frozen calculation
    is never changed: its changes become its next version, which takes over as current if
    the frozen one was. The deal's first calculation becomes current; the current one's
    total is written into the deal budget. Raises ValidationError with Russian messages."""
    if not lines:
        raise ValidationError({"lines": "Добавьте в расчёт хотя бы одну строку."})
    # Locking the deal serialises numbering and the choice of the current calculation.
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    policy = tax.seller_policy()
    totals = calculation_compute(
        lines=lines, discount=discount, discount_kind=discount_kind, policy=policy
    )
    source = None
    if calculation is None:
        number = (deal.calculations.aggregate(n=Max("number"))["n"] or 0) + 1
        calc = Calculation(deal=deal, number=number, version=1, created_by=by)
        make_current = make_current or not deal.calculations.filter(is_current=True).exists()
    else:
        # Re-read under a lock: a proposal may have frozen it since the page was opened.
        calc = Calculation.objects.select_for_update().get(pk=calculation.pk, deal=deal)
        if calc.is_frozen:
            source = calc
            version = deal.calculations.filter(number=source.number).aggregate(v=Max("version"))[
                "v"
            ]
            calc = Calculation(
                deal=deal,
                number=source.number,
                version=version + 1,
                parent=source,
                created_by=by,
            )
            make_current = make_current or source.is_current
        else:
            make_current = make_current or calc.is_current

    calc.title = title
    calc.discount = discount
    calc.discount_kind = discount_kind
    calc.vat_mode = policy.vat_mode
    calc.vat_rate = policy.default_rate
    calc.vat_note = policy.vat_note(exempt_lines=any(line.vat_exempt for line in lines))
    calc.subtotal = totals.subtotal
    calc.discount_total = totals.discount
    calc.total_without_vat = totals.without_vat
    calc.total_vat = totals.vat
    calc.total = totals.total
    is_new = calc.pk is None
    calc.save()
    if not is_new:
        calc.lines.all().delete()
    CalculationLine.objects.bulk_create(
        [
            CalculationLine(
                calculation=calc,
                position=position,
                catalog_item_id=line.catalog_item_id,
                name=line.name,
                unit_code=line.unit_code,
                unit=Unit(line.unit_code).label,
                quantity=line.quantity,
                price=line.price,
                discount=line.discount,
                discount_kind=line.discount_kind,
                vat_rate=ZERO if result.vat_rate is None else result.vat_rate,
                vat_exempt=result.vat_rate is None,
                amount=result.amount,
                discount_share=result.discount_share,
                total_without_vat=result.without_vat,
                vat=result.vat,
                total=result.total,
            )
            for position, (line, result) in enumerate(
                zip(lines, totals.lines, strict=True), start=1
            )
        ]
    )
    if source is not None:
        text = (
            f"{source.label} использован в документах, поэтому изменения сохранены "
            f"как новая версия: {calc.label} на {format_money(calc.total)} ₽"
        )
    elif is_new:
        name = f" «{title}»" if title else ""
        text = f"Создан {calc.label.lower()}{name} на {format_money(calc.total)} ₽"
    else:
        text = ""
    if text:
        timeline_add(
            deal=deal, kind="calculation", text=text, actor=by, url=calc.get_absolute_url()
        )
    if make_current:
        _make_current(deal=deal, calculation=calc, by=by)
    return calc


@transaction.atomic
def calculation_make_current(*, calculation: Calculation, by) -> Calculation:
    """Make this the deal's current calculation and move the budget to its total."""
    deal = Deal.objects.select_for_update().get(pk=calculation.deal_id)
    if _make_current(deal=deal, calculation=calculation, by=by):
        timeline_add(
            deal=deal,
            kind="calculation",
            text=f"Текущим выбран {calculation.label.lower()}",
            actor=by,
            url=calculation.get_absolute_url(),
        )
    return calculation


def _make_current(*, deal: Deal, calculation: Calculation, by) -> bool:
    """Mark the calculation current and write its total into the budget (the deal row is
    locked by the caller). True when another calculation was current before."""
    switched = not deal.calculations.filter(pk=calculation.pk, is_current=True).exists()
    if switched:
        # One current per deal (a constraint): clear the old one before marking this one.
        deal.calculations.filter(is_current=True).update(is_current=False)
        deal.calculations.filter(pk=calculation.pk).update(is_current=True)
    calculation.is_current = True
    deal_set_budget(
        deal=deal, amount=calculation.total, by=by, reason=f"по расчёту {calculation.short_label}"
    )
    return switched


@transaction.atomic
def calculation_freeze(*, calculation: Calculation) -> Calculation:
    """Freeze a calculation that a sent proposal or an invoice uses: from now on editing it
    creates a new version. Safe to call again."""
    calc = Calculation.objects.select_for_update().get(pk=calculation.pk)
    if not calc.is_frozen:
        calc.is_frozen = True
        calc.frozen_at = timezone.now()
        calc.save(update_fields=["is_frozen", "frozen_at", "updated_at"])
    calculation.is_frozen, calculation.frozen_at = calc.is_frozen, calc.frozen_at
    return calc

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from contacts.models import Seller
from crm.formats import money as format_money
from crm.staff import head_required, safe_next
from deals import panels, roles
from deals.models import Deal

from . import money, services, tax
from .forms import (
    MAX_LINES,
    CalculationForm,
    CatalogFilterForm,
    CatalogGroupForm,
    CatalogItemForm,
    LineFormSet,
    SellerTaxForm,
    line_vat_initial,
)
from .models import Calculation, CatalogGroup, CatalogItem
from .money import EXEMPT
from .services import LineData

LINES_PREFIX = "lines"
CATALOG_PAGE_SIZE = 50
SEARCH_LIMIT = 20


def _deals():
    return Deal.objects.select_related("stage", "manager")


def _get_deal_for_user(request, pk) -> Deal:
    return get_object_or_404(_deals().visible_to(request.user), pk=pk)


def _get_deal_for_edit(request, pk) -> Deal:
    """The calculator changes the deal (its budget): its owner and the head (deals.roles)."""
    return roles.get_deal_for_edit(request, pk, _deals())


def _get_calculation_for_user(request, pk, calc_pk) -> tuple[Deal, Calculation]:
    """A calculation to read; saving it (a POST) is for those who may change the deal."""
    deal = _get_deal_for_user(request, pk)
    if request.method == "POST":
        roles.require_deal_edit(request.user, deal)
    calculation = get_object_or_404(
        Calculation.objects.select_related("parent").prefetch_related("lines", "versions"),
        pk=calc_pk,
        deal=deal,
    )
    return deal, calculation


# The calculator


def _initial_lines(calculation: Calculation, policy: tax.TaxPolicy) -> list[dict]:
    return [
        {
            "catalog_item": line.catalog_item_id,
            "name": line.name,
            "quantity": line.quantity,
            "unit_code": line.unit_code,
            "price": line.price,
            "discount": line.discount,
            "discount_kind": line.discount_kind,
            # A line at the calculation's own rate follows the seller's rate when re-saved.
            "vat_rate": line_vat_initial(
                None if line.vat_rate == calculation.vat_rate else line.vat_rate,
                line.vat_exempt,
                policy,
            ),
        }
        for line in calculation.lines.all()
    ]


def _line_from_initial(data: dict) -> LineData:
    exempt = data["vat_rate"] == EXEMPT
    return LineData(
        name=data["name"],
        quantity=data["quantity"],
        price=data["price"],
        unit_code=data["unit_code"],
        discount=data["discount"],
        discount_kind=data["discount_kind"],
        vat_rate=None if exempt else data["vat_rate"],
        vat_exempt=exempt,
        catalog_item_id=data["catalog_item"],
    )


def _live_totals(form: CalculationForm, formset) -> dict:
    """Totals of what is on the screen, by the same function that saving uses. Lines with
    errors are left out (and counted) so the manager sees the sum of the rest while typing."""
    if formset.is_bound:
        rows = [(f.prefix, f.line_data()) for f in formset.valid_line_forms()]
        skipped = formset.invalid_line_count()
        discount, kind = Decimal("0"), money.DiscountKind.PERCENT
        if form.is_valid():
            discount, kind = form.cleaned_data["discount"], form.cleaned_data["discount_kind"]
        form_discount_error = " ".join(form.errors.get("discount", []))
    else:
        rows = [(f.prefix, _line_from_initial(f.initial)) for f in formset.forms if f.initial]
        skipped = 0
        form_discount_error = ""
        discount = form.initial.get("discount", Decimal("0"))
        kind = form.initial.get("discount_kind", money.DiscountKind.PERCENT)
    lines = [line for _, line in rows]
    policy = formset.policy
    # A discount the form refuses (5 000 %, «много») is said as it is typed, not on saving.
    discount_error, lines_error = form_discount_error, ""
    try:
        totals = services.calculation_compute(
            lines=lines, discount=discount, discount_kind=kind, policy=policy
        )
    except ValidationError as exc:
        errors = exc.message_dict
        discount_error = " ".join(errors.get("discount", []))
        lines_error = " ".join(errors.get("lines", []))
        try:
            totals = services.calculation_compute(lines=lines, policy=policy)
        except ValidationError:
            rows = []
            totals = services.calculation_compute(lines=[], policy=policy)
    # A row shows its amount before the discount on the whole calculation, as the printed
    # table does: the rows add up to «Сумма», and the discount is shown under them.
    by_prefix = {
        prefix: format_money(result.amount)
        for (prefix, _), result in zip(rows, totals.lines, strict=True)
    }
    return {
        "totals": totals,
        "shown": money.format_totals(
            totals, note=policy.vat_note(exempt_lines=any(line.vat_exempt for line in lines))
        ),
        "line_totals": by_prefix,
        "skipped": skipped,
        "discount_error": discount_error,
        "lines_error": lines_error,
    }


def _row_totals(formset, live: dict) -> list[dict]:
    rows = []
    for form in formset.forms:
        error = error_field = ""
        if formset.is_bound and form.has_changed() and not form.is_valid():
            error_field, errors = next(iter(form.errors.items()))
            error = errors[0]
        rows.append(
            {
                "prefix": form.prefix,
                "total": live["line_totals"].get(form.prefix, ""),
                "error": error,
                "error_field": "" if error_field == "__all__" else error_field,
            }
        )
    return rows


def _calculator(request, deal: Deal, calculation: Calculation | None = None, copy_from=None):
    policy = tax.seller_policy()
    if request.method == "POST":
        form = CalculationForm(request.POST)
        formset = LineFormSet(request.POST, prefix=LINES_PREFIX, policy=policy)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                saved = services.calculation_save(
                    deal=deal,
                    by=request.user,
                    calculation=calculation,
                    lines=[f.line_data() for f in formset.line_forms()],
                    title=data["title"],
                    discount=data["discount"],
                    discount_kind=data["discount_kind"],
                    make_current=data["make_current"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        if field == "lines":
                            formset.non_form_errors().append(error)
                        else:
                            form.add_error(field if field in form.fields else None, error)
            else:
                _saved_message(request, saved, calculation)
                return redirect(saved)
        status = 400
    else:
        source = calculation or copy_from
        initial = {"make_current": calculation is None}
        lines = []
        if source is not None:
            initial.update(
                title=source.title if calculation else "",
                discount=source.discount,
                discount_kind=source.discount_kind,
            )
            lines = _initial_lines(source, policy)
        form = CalculationForm(initial=initial)
        formset = LineFormSet(initial=lines, prefix=LINES_PREFIX, policy=policy)
        status = 200
    live = _live_totals(form, formset)
    context = {
        "deal": deal,
        "calculation": calculation,
        "copy_from": copy_from,
        "form": form,
        "formset": formset,
        "rows": zip(formset.forms, _row_totals(formset, live), strict=True),
        "live": live,
        "seller_vat": policy.label,
        "vat_changed": calculation is not None
        and (calculation.vat_mode, calculation.vat_rate) != (policy.vat_mode, policy.default_rate),
        "max_lines": MAX_LINES,
    }
    return render(request, "billing/calculation_form.html", context, status=status)


def _saved_message(request, saved: Calculation, edited: Calculation | None) -> None:
    if edited is not None and saved.pk != edited.pk:
        text = (
            f"{edited.label} уже использован в документах и не меняется: изменения "
            f"сохранены как {saved.label.lower()}."
        )
    else:
        text = f"{saved.label} сохранён."
    if saved.is_current:
        text += f" Бюджет сделки: {format_money(saved.total)} ₽."
    messages.success(request, text)


def calculation_create(request, pk):
    deal = _get_deal_for_edit(request, pk)
    copy_from = None
    if request.GET.get("from"):
        if not request.GET["from"].isdigit():
            raise Http404("Нет такого расчёта.")
        copy_from = get_object_or_404(
            deal.calculations.prefetch_related("lines"), pk=request.GET["from"]
        )
    return _calculator(request, deal, copy_from=copy_from)


def calculation_detail(request, pk, calc_pk):
    deal, calculation = _get_calculation_for_user(request, pk, calc_pk)
    return _calculator(request, deal, calculation)


@require_POST
def calculation_preview(request, pk):
    """The live totals: the whole calculator form posted as the manager types."""
    deal = _get_deal_for_edit(request, pk)
    form = CalculationForm(request.POST)
    formset = LineFormSet(request.POST, prefix=LINES_PREFIX)
    if not formset.management_form.is_valid():
        return HttpResponse(
            '<div id="calc-totals" class="text-danger">Форма устарела: обновите страницу.</div>',
            status=400,
        )
    live = _live_totals(form, formset)
    return render(
        request,
        "billing/includes/_calculator_totals.html",
        {"deal": deal, "live": live, "row_totals": _row_totals(formset, live), "oob": True},
    )


@require_GET
def calculation_line(request, pk):
    """A new row for the calculator, blank or filled from a catalog item."""
    deal = _get_deal_for_edit(request, pk)
    try:
        index = int(request.GET.get(f"{LINES_PREFIX}-TOTAL_FORMS", ""))
    except ValueError:
        return _line_refused("Форма устарела: обновите страницу.")
    if not 0 <= index < MAX_LINES:
        return _line_refused(f"В расчёте может быть не больше {MAX_LINES} строк.")
    # A catalog pick fills the blank row the manager has not typed into yet (the page's
    # script names it), instead of adding a second row under an empty one.
    fill_row = request.GET.get("row", "")
    if fill_row.isdigit() and int(fill_row) < index and request.GET.get("item"):
        index, total_forms = int(fill_row), None
    else:
        fill_row, total_forms = "", index + 1
    initial = {}
    formset = LineFormSet(prefix=LINES_PREFIX)
    if request.GET.get("item"):
        item = get_object_or_404(CatalogItem.objects.active(), pk=request.GET["item"])
        initial = {
            "catalog_item": item.pk,
            "name": item.name,
            "unit_code": item.unit,
            "price": item.price,
            # An item's rate that the seller's regime does not allow gives way to the default.
            "vat_rate": line_vat_initial(item.vat_rate, False, formset.policy),
        }
    form = formset.form(
        auto_id=formset.auto_id,
        prefix=formset.add_prefix(index),
        initial=initial,
        empty_permitted=True,
        use_required_attribute=False,
        renderer=formset.renderer,
        policy=formset.policy,
    )
    formset.add_fields(form, index)
    response = render(
        request,
        "billing/includes/_calculation_line.html",
        {
            "deal": deal,
            "form": form,
            "row": {"prefix": form.prefix, "total": "", "error": ""},
            "total_forms": total_forms,
        },
    )
    if fill_row:
        response["HX-Retarget"] = f"#row-{form.prefix}"
        response["HX-Reswap"] = "outerHTML"
    return response


def _line_refused(message: str) -> HttpResponse:
    # The answer lands at the end of the lines table, so it is a row of its own.
    return HttpResponse(
        format_html('<tr><td colspan="9" class="text-danger">{}</td></tr>', message), status=400
    )


@require_GET
def calculation_catalog(request, pk):
    """Search as you type in the calculator's catalog box."""
    deal = _get_deal_for_edit(request, pk)
    query = (request.GET.get("q") or "").strip()
    items = list(CatalogItem.objects.active().search(query).select_related("group")[:SEARCH_LIMIT])
    return render(
        request,
        "billing/includes/_catalog_results.html",
        {"deal": deal, "items": items, "query": query},
    )


@require_POST
def calculation_make_current(request, pk, calc_pk):
    deal, calculation = _get_calculation_for_user(request, pk, calc_pk)
    services.calculation_make_current(calculation=calculation, by=request.user)
    messages.success(
        request,
        f"Текущий — {calculation.label.lower()}. Бюджет сделки: "
        f"{format_money(calculation.total)} ₽.",
    )
    return redirect(safe_next(request, deal.get_absolute_url() + "#panel-calculations"))


def deal_panel(request, deal: Deal) -> dict:
    """The deal card's «Расчёты» section: one query whatever the number of calculations."""
    calculations = list(deal.calculations.order_by("number", "version"))
    # The other panels of the card (documents, invoices) show the current one: it is here.
    current = next((c for c in calculations if c.is_current), None)
    panels.shared(deal, "current_calculation", lambda: current)
    return {"deal": deal, "calculations": calculations}


# The catalog


def catalog_list(request):
    form = CatalogFilterForm(request.GET or None)
    items = CatalogItem.objects.select_related("group")
    show_inactive = False
    if form.is_valid():
        data = form.cleaned_data
        items = items.search(data["q"])
        if data["group"]:
            items = items.filter(group=data["group"])
        show_inactive = data["inactive"]
    if not show_inactive:
        items = items.active()
    page = Paginator(items, CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/catalogitem_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "groups": list(CatalogGroup.objects.all()),
            "can_edit": request.user.is_head,
        },
    )


def _form_status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@head_required
def catalog_item_create(request):
    form = CatalogItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = form.save()
        messages.success(request, f"«{item.name}» добавлено в каталог.")
        return redirect("billing:catalog")
    return render(
        request, "billing/catalogitem_form.html", {"form": form}, status=_form_status(form)
    )


@head_required
def catalog_item_edit(request, item_pk):
    item = get_object_or_404(CatalogItem, pk=item_pk)
    form = CatalogItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"«{item.name}» сохранено. Сохранённые расчёты не меняются.")
        return redirect(safe_next(request, reverse("billing:catalog")))
    return render(
        request,
        "billing/catalogitem_form.html",
        {"form": form, "item": item},
        status=_form_status(form),
    )


@head_required
def catalog_group_create(request):
    return _group_form(request, CatalogGroup())


@head_required
def catalog_group_edit(request, group_pk):
    return _group_form(request, get_object_or_404(CatalogGroup, pk=group_pk))


def _group_form(request, group: CatalogGroup):
    form = CatalogGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        group = form.save()
        messages.success(request, f"Группа «{group.name}» сохранена.")
        return redirect(reverse("billing:catalog") + f"?group={group.pk}")
    return render(
        request,
        "billing/cataloggroup_form.html",
        {"form": form, "group": group},
        status=_form_status(form),
    )


# The seller's tax regime


@head_required
def seller_tax_edit(request):
    seller = Seller.objects.active()
    if seller is None:
        return render(request, "billing/sellertax_form.html", {"seller": None})
    current = tax.seller_tax(seller)
    form = SellerTaxForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = tax.seller_tax_save(
            seller=seller,
            regime=data["regime"],
            usn_object=data["usn_object"],
            vat_mode=data["vat_mode"],
            vat_rate=data["vat_rate"],
            exemption_basis=data["exemption_basis"],
            by=request.user,
        )
        messages.success(request, f"Налог сохранён: {saved.label}.")
        return redirect("billing:seller_tax")
    return render(
        request,
        "billing/sellertax_form.html",
        {"form": form, "seller": seller, "current": current},
        status=_form_status(form),
    )

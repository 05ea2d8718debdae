from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone

from crm.fields import DateInput, MoneyField, NumberField
from crm.formats import money as format_money
from crm.forms import AcceptanceForm

from . import money, tax
from .models import (
    DISCOUNT_KIND_CHOICES,
    VAT_RATE_CHOICES,
    CatalogGroup,
    CatalogItem,
    Invoice,
    Payment,
    SellerTax,
    Unit,
)
from .money import EXEMPT, DiscountKind, TaxRegime, UsnObject, VatMode
from .services import LineData
from .tax import GENERAL_RATES, RULES, TaxPolicy

MAX_LINES = 200


def decimal_field(label: str, *, places: int, **kwargs) -> NumberField:
    """A non-negative number typed the Russian way: a sum (two places) is a MoneyField."""
    if places == 2:
        return MoneyField(label=label, **kwargs)
    return NumberField(label=label, places=places, **kwargs)


PRICE_INVALID = "Введите цену цифрами, например 1 500 или 1 500,50."
PRICE_PLACES = "Цена — в рублях и копейках: не больше двух знаков после запятой."


class LineForm(forms.Form):
    """One line of the calculator. Free text or from the catalog (catalog_item is only a
    reference: name, unit, price and VAT are copied and editable)."""

    catalog_item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label="Наименование",
        max_length=500,
        error_messages={"required": "Введите наименование."},
        widget=forms.TextInput(attrs={"aria-label": "Наименование"}),
    )
    quantity = decimal_field(
        "Количество",
        places=3,
        initial=Decimal("1"),
        minimum_message="Количество не может быть отрицательным.",
        places_message="Количество — не больше трёх знаков после запятой.",
        required_message="Укажите количество.",
        attrs={"aria-label": "Количество"},
    )
    unit_code = forms.ChoiceField(
        label="Ед.",
        choices=Unit.choices,
        initial=Unit.PIECE,
        widget=forms.Select(attrs={"aria-label": "Единица"}),
    )
    price = decimal_field(
        "Цена, ₽",
        places=2,
        minimum_message="Цена не может быть отрицательной.",
        places_message=PRICE_PLACES,
        required_message="Укажите цену.",
        invalid_message=PRICE_INVALID,
        attrs={"aria-label": "Цена"},
        show_places=2,
    )
    discount = decimal_field(
        "Скидка",
        places=2,
        initial=Decimal("0"),
        required=False,
        minimum_message="Скидка не может быть отрицательной.",
        places_message="Скидка — не больше двух знаков после запятой.",
        invalid_message="Введите скидку числом, например 10 или 1 500,50.",
        show_places=None,
        attrs={"aria-label": "Скидка"},
    )
    discount_kind = forms.ChoiceField(
        label="Скидка в",
        choices=DISCOUNT_KIND_CHOICES,
        initial=DiscountKind.PERCENT,
        widget=forms.Select(attrs={"aria-label": "Скидка в процентах или рублях"}),
    )
    # Any known rate passes the choice check; clean_vat_rate then says in Russian why the
    # seller's regime refuses it. The select offers only what the regime allows.
    vat_rate = forms.ChoiceField(
        label="НДС",
        choices=[("", "по умолч."), *VAT_RATE_CHOICES, (EXEMPT, "без НДС")],
        required=False,
        error_messages={"invalid_choice": "Выберите ставку НДС из списка."},
        widget=forms.Select(attrs={"aria-label": "Ставка НДС"}),
    )

    def __init__(self, *args, policy: TaxPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy or tax.seller_policy()
        self.fields["vat_rate"].widget.choices = vat_rate_choices(self.policy)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif not field.widget.is_hidden:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError("Количество должно быть больше нуля.")
        return quantity

    def clean_vat_rate(self) -> Decimal | str | None:
        """None (the seller's rate), a Decimal rate or EXEMPT, if the regime allows it."""
        value = self.cleaned_data["vat_rate"]
        exempt = value == EXEMPT
        rate = None if exempt or value in ("", None) else Decimal(value)
        problem = self.policy.rate_problem(rate, exempt=exempt)
        if problem:
            raise forms.ValidationError(problem)
        return EXEMPT if exempt else rate

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("discount") is None:
            cleaned["discount"] = Decimal("0")
        if all(cleaned.get(k) is not None for k in ("quantity", "price", "discount_kind")):
            try:
                money.line_amount(
                    cleaned["quantity"],
                    cleaned["price"],
                    cleaned["discount"],
                    DiscountKind(cleaned["discount_kind"]),
                )
            except ValueError as exc:
                self.add_error("discount", str(exc))
        return cleaned

    def line_data(self) -> LineData:
        data = self.cleaned_data
        exempt = data["vat_rate"] == EXEMPT
        return LineData(
            name=data["name"].strip(),
            quantity=data["quantity"],
            price=data["price"],
            unit_code=data["unit_code"],
            discount=data["discount"],
            discount_kind=data["discount_kind"],
            vat_rate=None if exempt else data["vat_rate"],
            vat_exempt=exempt,
            catalog_item_id=data.get("catalog_item"),
        )


def vat_rate_choices(policy: TaxPolicy) -> list[tuple[str, str]]:
    """What a line's VAT select offers under the regime: the seller's default and the
    rates the regime allows («без НДС» once the ст. 149 basis is set)."""
    if not policy.pays_vat:
        return [("", "без НДС")]
    choices = [("", "по умолч.")]
    choices += [
        (f"{rate.quantize(money.KOPECK)}", money.format_rate(rate)) for rate in policy.rates
    ]
    if policy.allows_exempt:
        choices.append((EXEMPT, "без НДС"))
    return choices


def line_vat_initial(rate: Decimal | None, exempt: bool, policy: TaxPolicy):
    """A stored line's rate as the select shows it; a rate the regime no longer allows
    falls back to the seller's default (the calculator warns that the VAT changed)."""
    if exempt:
        return EXEMPT if policy.allows_exempt else None
    if rate is None or policy.rate_problem(rate):
        return None
    return Decimal(rate).quantize(money.KOPECK)


class BaseLineFormSet(forms.BaseFormSet):
    """Lines are replaced as a whole when a calculation is saved, so every row is "extra":
    an untouched blank row is skipped, a half-filled one gets its messages. Every row
    checks its VAT rate against the seller's regime, read once."""

    def __init__(self, *args, policy: TaxPolicy | None = None, **kwargs):
        self.policy = policy or tax.seller_policy()
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "policy": self.policy}

    def initial_form_count(self):
        return 0

    def total_form_count(self):
        if self.is_bound:
            return super().total_form_count()
        return max(len(self.initial or []), 1)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = "Убрать"
        form.fields["DELETE"].widget.attrs.update(
            {"class": "form-check-input", "aria-label": "Убрать строку"}
        )

    def clean(self):
        if any(self.errors):
            return
        forms_ = self.line_forms()
        if not forms_:
            raise forms.ValidationError("Добавьте в расчёт хотя бы одну строку.")
        # A catalog reference that no longer exists is dropped; the copied text stays.
        ids = {f.cleaned_data["catalog_item"] for f in forms_ if f.cleaned_data["catalog_item"]}
        known = set(CatalogItem.objects.filter(pk__in=ids).values_list("pk", flat=True))
        for form in forms_:
            if form.cleaned_data["catalog_item"] not in known:
                form.cleaned_data["catalog_item"] = None

    def line_forms(self) -> list[LineForm]:
        """Forms of the lines to keep: filled in and not marked for removal."""
        return [
            form
            for form in self.forms
            if form.has_changed()
            and not self._should_delete_form(form)
            and getattr(form, "cleaned_data", None)
        ]

    def _in_play(self, form) -> bool:
        """Filled in and not marked for removal (cleaning it first: DELETE is read from
        cleaned_data, which a form that has errors still has)."""
        return form.has_changed() and (form.errors or True) and not self._should_delete_form(form)

    def invalid_line_count(self) -> int:
        """Lines the manager filled in that still have errors."""
        return sum(1 for form in self.forms if self._in_play(form) and not form.is_valid())

    def valid_line_forms(self) -> list[LineForm]:
        """For the live totals: lines that are filled in and valid so far."""
        return [form for form in self.forms if self._in_play(form) and form.is_valid()]


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)
LineFormSet.default_error_messages = {
    **forms.BaseFormSet.default_error_messages,
    "too_many_forms": f"В расчёте может быть не больше {MAX_LINES} строк.",
    "missing_management_form": "Форма устарела: обновите страницу.",
}


class CalculationForm(forms.Form):
    title = forms.CharField(
        label="Название варианта",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "например, «Базовый» или «С SEO»"}),
    )
    discount = decimal_field(
        "Скидка на весь расчёт",
        places=2,
        initial=Decimal("0"),
        required=False,
        minimum_message="Скидка не может быть отрицательной.",
        places_message="Скидка — не больше двух знаков после запятой.",
        invalid_message="Введите скидку числом, например 10 или 1 500,50.",
        show_places=None,
        attrs={"class": "form-control"},
    )
    discount_kind = forms.ChoiceField(
        label="Скидка в",
        choices=DISCOUNT_KIND_CHOICES,
        initial=DiscountKind.PERCENT,
        widget=forms.Select(
            attrs={"class": "form-select calc-discount-kind", "aria-label": "Скидка в % или ₽"}
        ),
    )
    make_current = forms.BooleanField(
        label="Сделать текущим: бюджет сделки станет равен итогу этого расчёта",
        required=False,
    )

    def full_clean(self):
        super().full_clean()
        if "discount" in self.errors:
            widget = self.fields["discount"].widget
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("discount") is None:
            cleaned["discount"] = Decimal("0")
        if cleaned.get("discount_kind") == DiscountKind.PERCENT and cleaned["discount"] > 100:
            self.add_error("discount", "Скидка не может быть больше 100 %.")
        return cleaned


class CatalogItemForm(forms.ModelForm):
    class Meta:
        model = CatalogItem
        fields = [
            "name",
            "group",
            "kind",
            "unit",
            "price",
            "vat_rate",
            "sku",
            "description",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"required": "Введите наименование."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"] = MoneyField(
            label=self.fields["price"].label,
            minimum_message="Цена не может быть отрицательной.",
            places_message=PRICE_PLACES,
            required_message="Укажите цену.",
            invalid_message=PRICE_INVALID,
        )
        self.policy = tax.seller_policy()
        self.fields["vat_rate"].choices = [("", "Ставка продавца по умолчанию"), *VAT_RATE_CHOICES]
        self.fields["vat_rate"].widget.choices = [
            ("", "Ставка продавца по умолчанию"),
            *vat_rate_choices(self.policy)[1:],
        ]
        self.fields["group"].empty_label = "Без группы"

    def clean_vat_rate(self):
        rate = self.cleaned_data["vat_rate"]
        problem = self.policy.rate_problem(rate)
        if problem:
            raise forms.ValidationError(problem)
        return rate

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        if sku and CatalogItem.objects.filter(sku=sku).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Такой артикул уже есть в каталоге.")
        return sku


class CatalogGroupForm(forms.ModelForm):
    class Meta:
        model = CatalogGroup
        fields = ["name", "order"]
        error_messages = {
            "name": {
                "required": "Введите название группы.",
                "unique": "Группа с таким названием уже есть.",
            }
        }


class SellerTaxForm(forms.ModelForm):
    """The seller's regime. The object of taxation is asked for on УСН and АУСН, how prices
    carry VAT and the default rate only where the regime pays VAT, the ст. 149 basis only
    where lines may be «без НДС»; the rest of what is posted is ignored."""

    class Meta:
        model = SellerTax
        fields = ["regime", "usn_object", "vat_mode", "vat_rate", "exemption_basis"]
        widgets = {
            "regime": forms.RadioSelect,
            "usn_object": forms.RadioSelect,
            "vat_mode": forms.RadioSelect,
        }
        error_messages = {"regime": {"required": "Выберите налоговый режим."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regime"].choices = [
            (value, f"{label} — {RULES[value].hint}") for value, label in TaxRegime.choices
        ]
        self.fields["usn_object"].required = False
        self.fields["usn_object"].label = "Объект налогообложения (УСН, АУСН)"
        self.fields["vat_mode"].required = False
        self.fields["vat_mode"].label = "Цены и НДС (если режим с НДС)"
        self.fields["vat_mode"].widget.choices = [
            (m.value, m.label) for m in VatMode if m != VatMode.NONE
        ]
        self.fields["vat_rate"].required = False
        self.fields["vat_rate"].empty_value = None
        self.fields["vat_rate"].label = "Ставка по умолчанию (если НДС по общим ставкам)"
        self.fields["vat_rate"].choices = [("", "—"), *VAT_RATE_CHOICES]
        self.fields["vat_rate"].widget.choices = [
            ("", "—"),
            *[(r.quantize(money.KOPECK), money.format_rate(r)) for r in GENERAL_RATES],
        ]
        self.fields["exemption_basis"].widget.attrs["placeholder"] = "пп. 26 п. 2 ст. 149 НК РФ"

    def clean(self):
        cleaned = super().clean()
        regime = cleaned.get("regime")
        if not regime:
            return cleaned
        rule = RULES[regime]
        if not cleaned.get("usn_object"):
            cleaned["usn_object"] = UsnObject.INCOME
        if not rule.rates:
            cleaned.update(vat_mode=VatMode.NONE, vat_rate=None, exemption_basis="")
            return cleaned
        if cleaned.get("vat_mode") in (None, "", VatMode.NONE) and "vat_mode" not in self.errors:
            self.add_error("vat_mode", "Выберите, как цены учитывают НДС.")
        rate = cleaned.get("vat_rate")
        if len(rule.rates) == 1:
            cleaned["vat_rate"] = rule.rates[0]
            self.errors.pop("vat_rate", None)
        elif "vat_rate" in self.errors:
            pass
        elif rate is None:
            self.add_error("vat_rate", "Выберите ставку НДС.")
        elif Decimal(rate) not in rule.rates:
            self.add_error(
                "vat_rate", f"Ставка {money.format_rate(rate)} при этом режиме не применяется."
            )
        basis = (cleaned.get("exemption_basis") or "").strip()
        if basis and "149" not in basis:
            self.add_error(
                "exemption_basis",
                "Укажите пункт статьи 149 НК РФ, например «пп. 26 п. 2 ст. 149 НК РФ».",
            )
        cleaned["exemption_basis"] = basis
        return cleaned


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label="Поиск", required=False)
    group = forms.ModelChoiceField(
        label="Группа", queryset=CatalogGroup.objects.all(), required=False, empty_label="Все"
    )
    inactive = forms.BooleanField(label="Показать снятые с продажи", required=False)


# Invoices and payments

DATE_WIDGET = DateInput()
DATE_ERRORS = {"required": "Укажите дату.", "invalid": "Введите дату, например 05.03.2026."}


class InvoiceForm(forms.Form):
    """The head of an invoice. Its lines come from the deal's calculation or from a
    LineFormSet typed by hand."""

    date = forms.DateField(
        label="Дата счёта",
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="Пусто — день, когда счёт выставят. Номер счёт получит при выставлении, "
        "из счётчика года своей даты.",
    )
    due_date = forms.DateField(
        label="Оплатить до",
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
    )
    basis = forms.CharField(
        label="Основание",
        max_length=300,
        required=False,
        help_text="Печатается в счёте: «Основание: …». Выберите договор из списка или "
        "впишите своё; пусто — строки не будет.",
        error_messages={"max_length": "Не больше 300 символов."},
    )

    def __init__(self, *args, basis_choices: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.basis_choices = list(basis_choices)
        self.fields[
            "due_date"
        ].help_text = f"Пусто — через {settings.INVOICE_DUE_DAYS} дн. после даты счёта."
        self.fields["basis"].widget.attrs.update(
            {"list": "basis-choices", "placeholder": "Договор № 15 от 5 марта 2026 г."}
        )

    def clean(self):
        cleaned = super().clean()
        date, due_date = cleaned.get("date"), cleaned.get("due_date")
        if date and due_date and due_date < date:
            self.add_error("due_date", "Срок оплаты не может быть раньше даты счёта.")
        return cleaned


class PaymentForm(forms.Form):
    """A payment by cash or bank transfer, marked by hand."""

    amount = decimal_field(
        "Сумма, ₽",
        places=2,
        minimum_message="Сумма должна быть больше нуля.",
        places_message="Сумма — в рублях и копейках: не больше двух знаков после запятой.",
        required_message="Укажите сумму.",
        show_places=2,
        attrs={"class": "form-control"},
    )
    paid_on = forms.DateField(label="Дата оплаты", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    method = forms.ChoiceField(
        label="Способ",
        choices=[(m.value, m.label) for m in Payment.MANUAL_METHODS],
        widget=forms.RadioSelect,
        error_messages={"required": "Выберите способ оплаты."},
    )
    comment = forms.CharField(
        label="Комментарий",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Например, п/п № 123 от 5 марта"}),
    )

    def __init__(self, *args, outstanding: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.outstanding = outstanding

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError("Сумма должна быть больше нуля.")
        if amount > self.outstanding:
            raise forms.ValidationError(
                f"Сумма больше остатка к оплате: {format_money(self.outstanding)} ₽."
            )
        return amount

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError("Дата оплаты не может быть в будущем.")
        return paid_on


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Статус", required=False, choices=[("", "Все"), *Invoice.Status.choices]
    )
    manager = forms.ModelChoiceField(
        label="Менеджер", required=False, queryset=None, empty_label="Все менеджеры"
    )
    date_from = forms.DateField(label="Дата счёта с", required=False, widget=DateInput())
    date_to = forms.DateField(label="по", required=False, widget=DateInput())
    overdue = forms.BooleanField(label="Только просроченные", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_head:
            from deals.forms import active_users

            self.fields["manager"].queryset = active_users()
        else:
            # A manager sees the invoices of the deals they see; no one else to pick.
            del self.fields["manager"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"


# Acts


class ActForm(forms.Form):
    """A draft act's date, period of services and basis (its lines come from its source)."""

    date = forms.DateField(label="Дата акта", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    period_start = forms.DateField(
        label="Услуги оказаны с",
        required=False,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text="Пусто — в акте будет одна дата оказания услуг.",
    )
    period_end = forms.DateField(
        label="по", required=False, widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    basis = forms.CharField(
        label="Основание",
        max_length=300,
        required=False,
        help_text="Печатается в акте: «Основание: …», например договор или счёт.",
        error_messages={"max_length": "Не больше 300 символов."},
    )

    def clean(self):
        cleaned = super().clean()
        date = cleaned.get("date")
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_start", "Начало периода позже его конца.")
        elif date and (end or start) and (end or start) > date:
            self.add_error(
                "period_end", "Услуги не могут быть оказаны позже даты акта: проверьте период."
            )
        return cleaned


class ActSignForm(forms.Form):
    """The act is signed on paper: the date on the signed copy."""

    signed_on = forms.DateField(
        label="Дата подписания", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise forms.ValidationError("Дата подписания не может быть в будущем.")
        return signed_on


class ActAnnulForm(forms.Form):
    reason = forms.CharField(
        label="Причина аннулирования",
        max_length=300,
        required=False,
        error_messages={"max_length": "Не больше 300 символов."},
    )


class ActAcceptForm(AcceptanceForm):
    """The client signs the act by its link: full name and the consent to its statement."""

    consent = forms.BooleanField(
        label="Подтверждаю: услуги оказаны полностью и в срок, претензий по объёму, качеству и "
        "срокам нет",
        error_messages={"required": "Подтвердите, что услуги оказаны и претензий нет."},
    )

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, validate_email
from django.utils import timezone

from crm.fields import DATE_INPUT_FORMATS, DateInput

from . import banks, requisites, services
from .models import Bank, BankAccount, Client, Contact, Requisites, Seller
from .names import CHECK_HINT, decline_fio, decline_position
from .phones import InvalidPhone, normalize_phone

SPLIT_RE = re.compile(r"[,;\n]+")


def split_values(text: str) -> list[str]:
    return [part.strip() for part in SPLIT_RE.split(text or "") if part.strip()]


def clean_phones(text: str) -> list[str]:
    numbers, bad = [], []
    for raw in split_values(text):
        try:
            number = normalize_phone(raw)
        except InvalidPhone:
            bad.append(raw)
            continue
        if number not in numbers:
            numbers.append(number)
    if bad:
        raise ValidationError(
            "Не похоже на номер телефона: %(bad)s. Пример: +7 916 123-45-67.",
            params={"bad": ", ".join(bad)},
        )
    return numbers


def clean_emails(text: str) -> list[str]:
    emails, bad = [], []
    for raw in split_values(text):
        try:
            validate_email(raw)
        except ValidationError:
            bad.append(raw)
            continue
        if raw.lower() not in emails:
            emails.append(raw.lower())
    if bad:
        raise ValidationError("Неверный адрес e-mail: %(bad)s.", params={"bad": ", ".join(bad)})
    return emails


class ContactForm(forms.ModelForm):
    phones_text = forms.CharField(
        label="Телефоны",
        required=False,
        help_text="Через запятую или с новой строки.",
        widget=forms.TextInput(attrs={"placeholder": "+7 916 123-45-67"}),
    )
    emails_text = forms.CharField(
        label="E-mail",
        required=False,
        help_text="Через запятую или с новой строки.",
        widget=forms.TextInput(attrs={"placeholder": "ivan@example.ru"}),
    )
    create_anyway = forms.BooleanField(
        label="Всё равно создать новый контакт", required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Contact
        fields = ["name", "position", "phones_text", "emails_text", "messengers", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, visible=None, **kwargs):
        """`visible`: the contacts the user may see (deals owns that rule). Only those are
        offered as duplicates; of the others the form tells only that they exist."""
        super().__init__(*args, **kwargs)
        self.visible = visible if visible is not None else Contact.objects.none()
        self.duplicates: list[Contact] = []
        self.elsewhere = None  # matching contacts the user may not see, if any
        if self.instance.pk and not self.is_bound:
            self.initial["phones_text"] = ", ".join(p.display for p in self.instance.phones.all())
            self.initial["emails_text"] = ", ".join(e.email for e in self.instance.emails.all())

    def clean_phones_text(self):
        return clean_phones(self.cleaned_data["phones_text"])

    def clean_emails_text(self):
        return clean_emails(self.cleaned_data["emails_text"])

    def clean(self):
        cleaned = super().clean()
        phones = cleaned.get("phones_text") or []
        emails = cleaned.get("emails_text") or []
        if self.errors or self.instance.pk or cleaned.get("create_anyway"):
            return cleaned
        found = Contact.objects.matching(phones=phones, emails=emails)
        if not found.exists():
            return cleaned
        visible = self.visible.values("pk")
        self.duplicates = list(
            found.filter(pk__in=visible).prefetch_related("phones", "emails").order_by("pk")[:5]
        )
        hidden = found.exclude(pk__in=visible)
        self.elsewhere = hidden if hidden.exists() else None
        # The next submit of the same form means "create anyway".
        self.data = self.data.copy()
        self.data["create_anyway"] = "on"
        if self.duplicates:
            raise ValidationError(
                "Контакт с таким телефоном или e-mail уже есть. Привяжите существующий "
                "или отправьте форму ещё раз, чтобы создать новый."
            )
        raise ValidationError(
            "Контакт с таким телефоном или e-mail уже есть у другого менеджера. Отправьте "
            "форму ещё раз, чтобы создать новый контакт в этой сделке."
        )


# Requisites of clients and of the seller

DATE_WIDGET = DateInput()
DATE_FORMATS = DATE_INPUT_FORMATS

# What each kind must have; the rest of its fields are optional.
REQUIRED = {
    Requisites.Kind.LEGAL: (
        "name",
        "full_name",
        "inn",
        "kpp",
        "ogrn",
        "legal_address",
        "signatory_position",
        "signatory_name",
    ),
    Requisites.Kind.ENTREPRENEUR: (
        "person_name",
        "inn",
        "ogrnip",
        "ogrnip_date",
        "registration_address",
    ),
    Requisites.Kind.PERSON: ("person_name", "registration_address"),
}
PASSPORT_FIELDS = (
    "passport_series",
    "passport_number",
    "passport_issued_by",
    "passport_issued_date",
    "passport_code",
)
SECTIONS = [
    ("Наименование", ["name", "full_name", "person_name"]),
    ("Регистрационные данные", ["inn", "kpp", "ogrn", "okpo", "ogrnip", "ogrnip_date"]),
    ("Паспорт", ["birth_date", *PASSPORT_FIELDS]),
    ("Адреса", ["legal_address", "registration_address", "postal_address"]),
    (
        "Подписант",
        [
            "signatory_position",
            "signatory_position_genitive",
            "signatory_name",
            "signatory_name_genitive",
            "basis_kind",
            "poa_number",
            "poa_date",
            "chief_accountant",
        ],
    ),
]
# Fields shown only for one answer of another field (by the small script of the form).
SHOW_WHEN = {"poa_number": "basis_kind:proxy", "poa_date": "basis_kind:proxy"}
# Marked required as well as REQUIRED: the power of attorney, shown only when it is the basis.
MARKED_REQUIRED = {"poa_number": (Requisites.Kind.LEGAL,), "poa_date": (Requisites.Kind.LEGAL,)}


def required_kinds(field: str) -> list[str]:
    """The legal forms that must fill this field in, as the form marks it before sending."""
    kinds = [str(kind) for kind, names in REQUIRED.items() if field in names]
    return kinds + [str(kind) for kind in MARKED_REQUIRED.get(field, ())]


NUMBER_FIELDS = (
    "inn",
    "kpp",
    "ogrn",
    "okpo",
    "ogrnip",
    "passport_series",
    "passport_number",
    "passport_code",
    "bik",
    "correspondent_account",
    "settlement_account",
)


def _allow_spaces(fields: dict) -> None:
    """People paste numbers with spaces and dashes; the checks strip them, so the length
    limit of the stored value must not reject the typed one first."""
    for name in NUMBER_FIELDS:
        field = fields.get(name)
        if field is None:
            continue
        field.max_length = None
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.widget.attrs.pop("maxlength", None)
        field.widget.attrs.setdefault("inputmode", "numeric")


def _check(func, value, *args, **kwargs):
    try:
        return func(value, *args, **kwargs)
    except requisites.InvalidRequisite as exc:
        raise ValidationError(str(exc)) from exc


class RequisitesForm(forms.ModelForm):
    """The requisites of a client or the seller: shows the fields of the chosen kind (the
    page's script hides the others), validates only those and clears the rest."""

    kind_choices: list | None = None
    extra_sections: list = []

    class Meta:
        fields = [
            "kind",
            "name",
            "full_name",
            "person_name",
            "inn",
            "kpp",
            "ogrn",
            "okpo",
            "ogrnip",
            "ogrnip_date",
            "legal_address",
            "registration_address",
            "postal_address",
            "signatory_position",
            "signatory_position_genitive",
            "signatory_name",
            "signatory_name_genitive",
            "basis_kind",
            "poa_number",
            "poa_date",
            "chief_accountant",
        ]
        widgets = {
            "kind": forms.RadioSelect(attrs={"data-kind-switch": "1"}),
            # Typing an ИНН offers the company's details (DaData, when set up).
            "inn": forms.TextInput(attrs={"data-party-source": "1"}),
            "ogrnip_date": DATE_WIDGET,
            "poa_date": DATE_WIDGET,
            "signatory_position": forms.TextInput(attrs={"data-genitive-source": "position"}),
            "signatory_position_genitive": forms.TextInput(
                attrs={"data-genitive-target": "position"}
            ),
            "signatory_name": forms.TextInput(attrs={"data-genitive-source": "name"}),
            "person_name": forms.TextInput(attrs={"data-genitive-source": "name"}),
            "signatory_name_genitive": forms.TextInput(attrs={"data-genitive-target": "name"}),
            "basis_kind": forms.Select(attrs={"data-show-source": "basis_kind"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        _allow_spaces(self.fields)
        self.fields["name"].required = False
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.input_formats = DATE_FORMATS
                field.error_messages["invalid"] = "Введите дату, например 05.03.2026."
            if name not in ("kind", "basis_kind"):
                field.required = False
        if self.kind_choices is not None:
            self.fields["kind"].choices = self.kind_choices
        self.fields["kind"].label = "Тип"
        self.fields["basis_kind"].label = "Подписант действует на основании"
        for name in self._required_now():
            self.fields[name].widget.attrs["aria-required"] = "true"
        if not self.is_bound:
            self._hint_unsure_genitives()

    def current_kind(self) -> str:
        """The legal form the page shows: as sent, or the saved one, or the first offered."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix("kind")) or "")
        kind = self.initial.get("kind") or self.instance.kind
        return str(kind or "")

    def _required_now(self) -> list[str]:
        kind = self.current_kind()
        return [name for name in self.fields if kind and kind in required_kinds(name)]

    @property
    def model_kind_fields(self) -> dict:
        return self._meta.model.KIND_FIELDS

    def kinds_of(self, field: str) -> list[str]:
        kinds = [str(k) for k, fields in self.model_kind_fields.items() if field in fields]
        if field == "signatory_name_genitive":
            # An individual has no one acting «в лице»; the field is derived for them.
            kinds = [k for k in kinds if k != Requisites.Kind.PERSON]
        return kinds

    def sections(self) -> list[dict]:
        """Groups of bound fields, each marked with the kinds it belongs to ("" = all)."""
        own_fields = self._model_field_names()
        result = []
        for title, names in SECTIONS + self.extra_sections:
            fields = [
                {
                    "field": self[name],
                    "kinds": " ".join(self.kinds_of(name)) if name in own_fields else "",
                    "show_when": SHOW_WHEN.get(name, ""),
                    "required_kinds": " ".join(required_kinds(name)),
                    "required": self.current_kind() in required_kinds(name),
                }
                for name in names
                if name in self.fields
            ]
            if not fields:
                continue
            kinds = set()
            for item in fields:
                kinds |= set(item["kinds"].split()) if item["kinds"] else {"*"}
            kinds_text = "" if "*" in kinds else " ".join(sorted(kinds))
            result.append({"title": title, "fields": fields, "kinds": kinds_text})
        return result

    def _model_field_names(self) -> set[str]:
        return {f for fields in self.model_kind_fields.values() for f in fields}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        own = set(self.model_kind_fields[kind])
        # Values typed under another kind before switching are dropped, not validated.
        for name in self._model_field_names() - own:
            if name in self.fields and name in cleaned:
                cleaned[name] = self._meta.model._meta.get_field(name).get_default()
                self.errors.pop(name, None)
        for name in REQUIRED[kind]:
            if name in self.fields and not cleaned.get(name) and name not in self.errors:
                label = self.fields[name].label
                self.add_error(name, f"Заполните поле «{label}».")
        self._check_numbers(kind, cleaned)
        self._check_people_and_dates(kind, cleaned)
        self._check_genitives(kind, cleaned)
        return cleaned

    # The genitive of «в лице …»: (source field, genitive field, how it is declined).
    GENITIVES = (
        ("signatory_name", "signatory_name_genitive", decline_fio),
        ("signatory_position", "signatory_position_genitive", decline_position),
    )

    def _genitive_sources(self, kind) -> list[tuple[str, str, object]]:
        """The genitive fields of this kind with the field each is declined from."""
        result = []
        for source, target, decline in self.GENITIVES:
            if source == "signatory_name" and kind == Requisites.Kind.ENTREPRENEUR:
                source = "person_name"
            if target in self.fields and kind in self.kinds_of(target):
                result.append((source, target, decline))
        return result

    def _check_genitives(self, kind, cleaned) -> None:
        """A new signatory (or a new kind) gets a fresh genitive unless one was typed. A
        genitive the grammar is not sure of is never saved unseen: the form comes back
        with the suggestion in the field and asks to check it; the next submit keeps
        what the field then holds."""
        changed = set(self.changed_data)
        for source, target, decline in self._genitive_sources(kind):
            if not ({"kind", source} & changed) or source in self.errors:
                continue
            declined = decline(cleaned.get(source) or "")
            given = (cleaned.get(target) or "").strip()
            if given and (target in changed or given == declined.text):
                continue
            cleaned[target] = ""
            if declined.text and not declined.sure:
                self.data = self.data.copy()
                self.data[self.add_prefix(target)] = declined.text
                self.add_error(
                    target,
                    f"{CHECK_HINT}: «{declined.text}». Исправьте, если нужно, и сохраните ещё раз.",
                )

    def _hint_unsure_genitives(self) -> None:
        """A saved genitive the grammar only guessed stays marked on the form."""
        instance = self.instance
        for source, target, decline in self._genitive_sources(instance.kind):
            declined = decline(getattr(instance, source, "") or "")
            if not declined.sure and getattr(instance, target) == declined.text:
                self.fields[target].help_text = f"{CHECK_HINT}: склонение подобрано автоматически."

    def _check_numbers(self, kind, cleaned):
        inn_length = {Requisites.Kind.LEGAL: 10}.get(kind, 12)
        checks = {
            "inn": lambda v: requisites.check_inn(v, length=inn_length),
            "kpp": requisites.check_kpp,
            "ogrn": requisites.check_ogrn,
            "okpo": requisites.check_okpo,
            "ogrnip": requisites.check_ogrnip,
            "passport_series": requisites.check_passport_series,
            "passport_number": requisites.check_passport_number,
            "passport_code": requisites.check_subdivision_code,
        }
        for name, check in checks.items():
            value = cleaned.get(name)
            if name in self.fields and value and name not in self.errors:
                try:
                    cleaned[name] = _check(check, value)
                except ValidationError as exc:
                    self.add_error(name, exc)
        ogrnip, day = cleaned.get("ogrnip"), cleaned.get("ogrnip_date")
        if (
            kind == Requisites.Kind.ENTREPRENEUR
            and ogrnip
            and day
            and "ogrnip" not in self.errors
            and ogrnip[1:3] != f"{day.year % 100:02d}"
        ):
            self.warnings.append(
                f"В ОГРНИП год записи 20{ogrnip[1:3]}, а дата регистрации — {day.year}. "
                "Проверьте дату."
            )

    def _check_people_and_dates(self, kind, cleaned):
        today = timezone.localdate()
        for name in ("person_name", "signatory_name"):
            value = " ".join((cleaned.get(name) or "").split())
            if name in self.fields and name in cleaned:
                cleaned[name] = value
            if value and len(value.split()) < 2 and name not in self.errors:
                self.add_error(name, "Укажите фамилию и имя полностью: «Иванов Иван Иванович».")
        for name in ("ogrnip_date", "poa_date", "birth_date", "passport_issued_date"):
            day = cleaned.get(name)
            if day and day > today and name not in self.errors:
                self.add_error(name, "Дата не может быть в будущем.")
        if kind == Requisites.Kind.LEGAL and cleaned.get("basis_kind") == Requisites.Basis.PROXY:
            for name in ("poa_number", "poa_date"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "Укажите номер и дату доверенности.")
        elif "poa_number" in cleaned:
            cleaned["poa_number"], cleaned["poa_date"] = "", None
        if kind == Requisites.Kind.PERSON and "passport_series" in self.fields:
            filled = [n for n in PASSPORT_FIELDS if cleaned.get(n)]
            if filled:
                for name in PASSPORT_FIELDS:
                    if not cleaned.get(name) and name not in self.errors:
                        self.add_error(name, "Заполните все поля паспорта или оставьте их пустыми.")
            try:
                requisites.check_passport_dates(
                    issued=cleaned.get("passport_issued_date"),
                    birth=cleaned.get("birth_date"),
                    today=today,
                )
            except requisites.InvalidRequisite as exc:
                if "passport_issued_date" not in self.errors:
                    self.add_error("passport_issued_date", str(exc))


class ClientForm(RequisitesForm):
    phones_text = forms.CharField(
        label="Телефоны",
        required=False,
        help_text="Через запятую.",
        widget=forms.TextInput(attrs={"placeholder": "+7 916 123-45-67"}),
    )
    emails_text = forms.CharField(
        label="E-mail",
        required=False,
        help_text="Через запятую.",
        widget=forms.TextInput(attrs={"placeholder": "info@example.ru"}),
    )
    extra_sections = [("Связь", ["phones_text", "emails_text"])]

    class Meta(RequisitesForm.Meta):
        model = Client
        fields = [
            *RequisitesForm.Meta.fields,
            "birth_date",
            *PASSPORT_FIELDS,
        ]
        widgets = {
            **RequisitesForm.Meta.widgets,
            "birth_date": DATE_WIDGET,
            "passport_issued_date": DATE_WIDGET,
            "passport_series": forms.TextInput(attrs={"placeholder": "45 10"}),
            "passport_number": forms.TextInput(attrs={"placeholder": "123456"}),
            "passport_code": forms.TextInput(attrs={"placeholder": "770-001"}),
        }

    def __init__(self, *args, show_personal: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate: Client | None = None
        self.show_personal = show_personal
        if not show_personal:
            # Whoever may not see passports cannot see them in the form either.
            for name in Client.PERSONAL_FIELDS:
                del self.fields[name]
        if self.instance.pk and not self.is_bound:
            self.initial["phones_text"] = ", ".join(self.instance.phones_display)
            self.initial["emails_text"] = ", ".join(self.instance.emails)

    def clean_phones_text(self):
        return clean_phones(self.cleaned_data["phones_text"])

    def clean_emails_text(self):
        return clean_emails(self.cleaned_data["emails_text"])

    def clean(self):
        cleaned = super().clean()
        kind, inn = cleaned.get("kind"), cleaned.get("inn")
        if inn and "inn" not in self.errors and "kpp" not in self.errors:
            kpp = cleaned.get("kpp") or "" if kind == Client.Kind.LEGAL else ""
            found = Client.objects.with_inn(inn=inn, kpp=kpp)
            if self.instance.pk:
                found = found.exclude(pk=self.instance.pk)
            self.duplicate = found.first()
            if self.duplicate is not None:
                what = "ИНН и КПП" if kpp else "ИНН"
                self.add_error("inn", f"Клиент с таким {what} уже есть: «{self.duplicate.name}».")
        return cleaned

    def apply_contacts(self) -> Client:
        client = self.instance
        client.phones = self.cleaned_data.get("phones_text") or []
        client.emails = self.cleaned_data.get("emails_text") or []
        return client


class SellerForm(RequisitesForm):
    kind_choices = [
        (Requisites.Kind.LEGAL, "Юридическое лицо"),
        (Requisites.Kind.ENTREPRENEUR, "Индивидуальный предприниматель"),
    ]
    extra_sections = [("Связь и логотип", ["phone", "email", "site", "logo"])]

    class Meta(RequisitesForm.Meta):
        model = Seller
        fields = [*RequisitesForm.Meta.fields, "phone", "email", "site", "logo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = "Кто продаёт"
        if self.instance.phone and not self.is_bound:
            self.initial["phone"] = self.instance.phone_display

    def clean_phone(self):
        phones = clean_phones(self.cleaned_data.get("phone") or "")
        if len(phones) > 1:
            raise ValidationError("Укажите один телефон.")
        return phones[0] if phones else ""

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and getattr(logo, "size", 0) > 2 * 1024 * 1024:
            raise ValidationError("Логотип больше 2 МБ: уменьшите картинку.")
        return logo


class BankAccountForm(forms.ModelForm):
    """A bank account. The bank's name and correspondent account come from the БИК
    directory when left empty (the page's script fills them as the БИК is typed); once the
    directory is loaded, a БИК missing from it is refused."""

    class Meta:
        model = BankAccount
        fields = ["bank_name", "bik", "correspondent_account", "settlement_account", "is_default"]
        widgets = {
            "bank_name": forms.TextInput(attrs={"data-bank-name": "1"}),
            "bik": forms.TextInput(
                attrs={"inputmode": "numeric", "placeholder": "044525225", "data-bik": "1"}
            ),
            "correspondent_account": forms.TextInput(
                attrs={"inputmode": "numeric", "data-correspondent-account": "1"}
            ),
            "settlement_account": forms.TextInput(attrs={"inputmode": "numeric"}),
            "is_default": forms.CheckboxInput(attrs={"data-default-account": "1"}),
        }
        error_messages = {
            "bik": {"required": "Укажите БИК."},
            "settlement_account": {"required": "Укажите расчётный счёт."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _allow_spaces(self.fields)
        # Required unless the directory knows the БИК (checked in clean()).
        self.fields["bank_name"].required = False
        self.fields["correspondent_account"].required = False

    def validate_constraints(self):
        # One default account per owner: services.bank_accounts_save moves the default, so
        # the form must not object to the old default still being set in the database.
        pass

    def clean(self):
        cleaned = super().clean()
        raw_bik = cleaned.get("bik")
        if not raw_bik:
            return cleaned
        try:
            bik = cleaned["bik"] = _check(requisites.check_bik, raw_bik)
            bank = self._bank(bik)
        except ValidationError as exc:
            self.add_error("bik", exc)
            return cleaned
        if bank is not None:
            self._fill_from_directory(bank, cleaned)
        if not cleaned.get("bank_name"):
            self.add_error("bank_name", "Укажите банк.")
        # A Bank of Russia unit or the treasury has no correspondent account of its own.
        needs_account = bank is None or bank.correspondent_account
        missing = not cleaned.get("correspondent_account")
        if needs_account and missing and "correspondent_account" not in self.errors:
            self.add_error("correspondent_account", "Укажите корреспондентский счёт.")
        checks = {
            "correspondent_account": requisites.check_correspondent_account,
            "settlement_account": requisites.check_settlement_account,
        }
        for name, check in checks.items():
            if cleaned.get(name) and name not in self.errors:
                try:
                    cleaned[name] = _check(check, cleaned[name], bik)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned

    def _bank(self, bik: str) -> Bank | None:
        """The directory's bank of a БИК as typed. An account saved earlier keeps its БИК
        without a new check, so a bank that has since left the directory does not block
        editing the rest of the client."""
        if self.instance.pk and bik == self.instance.bik:
            return None
        return _check(banks.find_bank, bik)

    def _fill_from_directory(self, bank: Bank, cleaned: dict) -> None:
        if not cleaned.get("bank_name"):
            cleaned["bank_name"] = bank.account_bank_name
        typed = requisites.only_digits(cleaned.get("correspondent_account"))
        if not typed:
            cleaned["correspondent_account"] = bank.correspondent_account
        elif bank.correspondent_account and typed != bank.correspondent_account:
            self.add_error(
                "correspondent_account",
                f"По справочнику БИК Банка России корреспондентский счёт банка с БИК "
                f"{bank.bik} — {bank.correspondent_account}. Проверьте цифры или оставьте "
                "поле пустым.",
            )


class BaseBankAccountFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if sum(1 for f in kept if f.cleaned_data.get("is_default")) > 1:
            raise ValidationError("Основным может быть только один счёт.")
        seen = set()
        for form in kept:
            key = (form.cleaned_data.get("bik"), form.cleaned_data.get("settlement_account"))
            if key in seen:
                form.add_error("settlement_account", "Этот счёт уже указан выше.")
            seen.add(key)

    def accounts(self) -> tuple[list[BankAccount], list[BankAccount]]:
        """(accounts to keep, accounts to delete) for services.bank_accounts_save."""
        kept, deleted = [], []
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if self._should_delete_form(form):
                if form.instance.pk:
                    deleted.append(form.instance)
                continue
            kept.append(form.instance)
        return kept, deleted

    def save(self, commit=True):
        """The admin saves inlines through here: the same service as the pages."""
        kept, deleted = self.accounts()
        services.bank_accounts_save(owner=self.instance, accounts=kept, deleted=deleted)
        return kept

    def warnings(self, kind: str) -> list[str]:
        result = []
        for form in self.forms:
            if form.cleaned_data and not self._should_delete_form(form):
                result += requisites.account_warnings(
                    account=form.cleaned_data.get("settlement_account") or "",
                    bik=form.cleaned_data.get("bik") or "",
                    kind=kind,
                )
        return result


def bank_account_formset(owner_model, **kwargs):
    fk_name = "client" if owner_model is Client else "seller"
    return forms.inlineformset_factory(
        owner_model,
        BankAccount,
        form=BankAccountForm,
        formset=BaseBankAccountFormSet,
        fk_name=fk_name,
        extra=kwargs.pop("extra", 1),
        can_delete=True,
        **kwargs,
    )


ClientBankAccountFormSet = bank_account_formset(Client)
SellerBankAccountFormSet = bank_account_formset(Seller)

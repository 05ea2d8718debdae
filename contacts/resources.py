"""Import and export of clients (CSV, XLSX) through the admin.

Each imported row is validated by the same form as the client pages (check digits,
required fields per type, duplicate ИНН — also within the file) and its bank account by
the same account form; a file with any bad row imports nothing and every bad row is
reported. Exports never carry passport data."""

import datetime

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from crm.spreadsheets import SafeExportResource

from . import services
from .forms import BankAccountForm, ClientForm
from .models import BankAccount, Client, RequisiteChange

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
COLUMNS = [
    ("id", "ID"),
    ("kind", "Тип"),
    ("name", "Краткое наименование"),
    ("full_name", "Полное наименование"),
    ("person_name", "ФИО"),
    ("inn", "ИНН"),
    ("kpp", "КПП"),
    ("ogrn", "ОГРН"),
    ("okpo", "ОКПО"),
    ("ogrnip", "ОГРНИП"),
    ("ogrnip_date", "Дата ОГРНИП"),
    ("legal_address", "Юридический адрес"),
    ("registration_address", "Адрес регистрации"),
    ("postal_address", "Почтовый адрес"),
    ("signatory_position", "Должность подписанта"),
    ("signatory_name", "ФИО подписанта"),
    ("signatory_name_genitive", "ФИО подписанта в родительном падеже"),
    ("basis_kind", "Основание"),
    ("poa_number", "Номер доверенности"),
    ("poa_date", "Дата доверенности"),
    ("chief_accountant", "Главный бухгалтер"),
    ("birth_date", "Дата рождения"),
    ("passport_series", "Серия паспорта"),
    ("passport_number", "Номер паспорта"),
    ("passport_issued_by", "Кем выдан"),
    ("passport_issued_date", "Дата выдачи"),
    ("passport_code", "Код подразделения"),
]
ACCOUNT_COLUMNS = [
    ("bank_name", "Банк"),
    ("bik", "БИК"),
    ("correspondent_account", "Корреспондентский счёт"),
    ("settlement_account", "Расчётный счёт"),
]
DATE_FIELDS = {"ogrnip_date", "poa_date", "birth_date", "passport_issued_date"}


class ChoiceWidget(widgets.Widget):
    """Reads a choice by its Russian label or its code; writes the label."""

    def __init__(self, choices):
        super().__init__()
        self.choices = [(str(code), str(label)) for code, label in choices]

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return ""
        for code, label in self.choices:
            if text.lower() in (code.lower(), label.lower()):
                return code
        allowed = ", ".join(label for _, label in self.choices)
        raise ValueError(f"«{text}» — нет такого значения. Допустимо: {allowed}.")

    def render(self, value, obj=None, **kwargs):
        return dict(self.choices).get(str(value), str(value or ""))


class ListWidget(widgets.Widget):
    """Phones and e-mails as one comma-separated cell."""

    def __init__(self, formatter=str):
        super().__init__()
        self.formatter = formatter

    def clean(self, value, row=None, **kwargs):
        return str(value or "")

    def render(self, value, obj=None, **kwargs):
        return ", ".join(self.formatter(v) for v in value or [])


class DateWidget(widgets.Widget):
    """A date as 05.03.2026 (or 2026-03-05, or a date cell of a spreadsheet); written as
    05.03.2026."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _text(value)
        if not text:
            return None
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(f"«{text}» — не дата: нужна дата вида 05.03.2026.")

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return value.strftime(DATE_FORMATS[0]) if value else ""


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class ClientResource(SafeExportResource):
    phones = fields.Field(column_name="Телефоны", attribute="phones_display", widget=ListWidget())
    emails = fields.Field(column_name="E-mail", attribute="emails", widget=ListWidget())
    bank_name = fields.Field(column_name="Банк")
    bik = fields.Field(column_name="БИК")
    correspondent_account = fields.Field(column_name="Корреспондентский счёт")
    settlement_account = fields.Field(column_name="Расчётный счёт")

    class Meta:
        model = Client
        fields = [name for name, _ in COLUMNS + ACCOUNT_COLUMNS] + ["phones", "emails"]
        import_id_fields = ["id"]
        skip_unchanged = False
        clean_model_instances = False  # validated by ClientForm in import_instance
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        labels = dict(COLUMNS)
        for name, field in self.fields.items():
            if name in labels:
                field.column_name = labels[name]
            if name in DATE_FIELDS:
                field.widget = DateWidget()
        self.fields["kind"].widget = ChoiceWidget(Client.Kind.choices)
        self.fields["basis_kind"].widget = ChoiceWidget(Client.Basis.choices)

    def import_data(self, dataset, **kwargs):
        # All or nothing: a file with any bad row leaves the database as it was.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    # Export

    def get_export_fields(self, selected_fields=None):
        personal = set(Client.PERSONAL_FIELDS)
        return [
            f for f in super().get_export_fields(selected_fields) if f.attribute not in personal
        ]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("bank_accounts")

    def _account_value(self, client, name):
        account = client.default_bank_account
        return getattr(account, name) if account else ""

    def dehydrate_bank_name(self, client):
        return self._account_value(client, "bank_name")

    def dehydrate_bik(self, client):
        return self._account_value(client, "bik")

    def dehydrate_correspondent_account(self, client):
        return self._account_value(client, "correspondent_account")

    def dehydrate_settlement_account(self, client):
        return self._account_value(client, "settlement_account")

    # Import

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # Phones, e-mails and the bank account go through the forms below.
        if field.attribute in ("phones_display", "emails") or field.attribute is None:
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            for name, messages in exc.update_error_dict({}).items():
                errors.setdefault(self._column(name), []).extend(messages)
        unreadable = set(errors)
        form = ClientForm(data=self._form_data(instance, row), instance=instance)
        if not form.is_valid():
            for name, messages in form.errors.items():
                # A cell that could not be read is reported once, not also as empty.
                if self._column(name) not in unreadable:
                    errors.setdefault(self._column(name), []).extend(messages)
        instance.import_account = self._account(instance, row, errors)
        if errors:
            raise ValidationError(errors)
        form.apply_contacts()

    def _column(self, name: str) -> str:
        labels = dict(COLUMNS + ACCOUNT_COLUMNS)
        labels.update({"phones_text": "Телефоны", "emails_text": "E-mail"})
        return labels.get(name, name)

    def _form_data(self, instance, row) -> dict:
        data = {}
        for name in ClientForm._meta.fields:
            value = getattr(instance, name)
            data[name] = value.isoformat() if hasattr(value, "isoformat") else _text(value)
        data["phones_text"] = _text(row.get("Телефоны")) or ", ".join(instance.phones_display)
        data["emails_text"] = _text(row.get("E-mail")) or ", ".join(instance.emails)
        return data

    def _account(self, instance, row, errors) -> BankAccount | None:
        data = {name: _text(row.get(label)) for name, label in ACCOUNT_COLUMNS}
        if not any(data.values()):
            return None
        current = instance.default_bank_account if instance.pk else None
        form = BankAccountForm(data={**data, "is_default": "on"}, instance=current or BankAccount())
        if not form.is_valid():
            for name, messages in form.errors.items():
                errors.setdefault(self._column(name), []).extend(messages)
            return None
        return form.instance

    def save_instance(self, instance, is_create, row, **kwargs):
        account = getattr(instance, "import_account", None)
        services.client_save(
            client=instance,
            by=kwargs.get("user"),
            accounts=[account] if account else None,
            action=RequisiteChange.Action.IMPORTED,
        )

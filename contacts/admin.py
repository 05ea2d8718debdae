from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from crm.admin import ModelAdmin, Names

from . import services
from .forms import BankAccountForm, BaseBankAccountFormSet, ClientForm, SellerForm
from .models import (
    Bank,
    BankAccount,
    Client,
    Contact,
    ContactEmail,
    ContactPhone,
    RequisiteChange,
    Seller,
)
from .resources import ClientResource


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


@admin.register(Contact)
class ContactAdmin(ModelAdmin):
    names = Names("контактное лицо", "контактных лица", "контактных лиц")
    list_display = ["name", "position", "client", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["name", "phones__number", "emails__email"]
    inlines = [ContactPhoneInline, ContactEmailInline]
    autocomplete_fields = ["client"]


class AdminBankAccountFormSet(BaseBankAccountFormSet):
    def save(self, commit=True):
        kept, deleted = self.accounts()
        before = {a.pk for a in kept if a.pk}
        saved = super().save(commit)
        # What the admin's change message reads.
        self.new_objects = [a for a in saved if a.pk not in before]
        self.changed_objects = [(a, []) for a in saved if a.pk in before]
        self.deleted_objects = deleted
        return saved


class ClientBankAccountInline(admin.TabularInline):
    model = BankAccount
    fk_name = "client"
    form = BankAccountForm
    formset = AdminBankAccountFormSet
    fields = ["bank_name", "bik", "correspondent_account", "settlement_account", "is_default"]
    extra = 0


class SellerBankAccountInline(ClientBankAccountInline):
    fk_name = "seller"


class RequisiteChangeInline(admin.TabularInline):
    model = RequisiteChange
    fk_name = "client"
    fields = ["at", "by", "action", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0
    ordering = ["-at"]


class SellerChangeInline(RequisiteChangeInline):
    fk_name = "seller"


REQUISITE_FIELDSETS = [
    (None, {"fields": ["kind", "name", "full_name", "person_name"]}),
    (
        "Регистрационные данные",
        {"fields": ["inn", "kpp", "ogrn", "okpo", "ogrnip", "ogrnip_date"]},
    ),
    ("Адреса", {"fields": ["legal_address", "registration_address", "postal_address"]}),
    (
        "Подписант (юридическое лицо)",
        {
            "fields": [
                "signatory_position",
                "signatory_position_genitive",
                "signatory_name",
                "signatory_name_genitive",
                "basis_kind",
                "poa_number",
                "poa_date",
                "chief_accountant",
            ]
        },
    ),
]


class RequisitesAdmin(ModelAdmin):
    """Saves through the same service as the pages: derived fields and the change log."""

    def save_model(self, request, obj, form, change):
        form.log_before = None
        if change:
            form.log_before = services.requisites_snapshot(type(obj).objects.get(pk=obj.pk))
        if hasattr(form, "apply_contacts"):
            form.apply_contacts()
        if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
            obj.created_by = request.user
        if isinstance(obj, Seller) and obj.is_active:
            Seller.objects.filter(is_active=True).exclude(pk=obj.pk).update(is_active=False)
        obj.normalize()
        obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.requisites_log(owner=form.instance, before=form.log_before, by=request.user)


@admin.register(Client)
class ClientAdmin(ImportExportModelAdmin, RequisitesAdmin):
    names = Names("клиента", "клиента", "клиентов")
    form = ClientForm
    resource_classes = [ClientResource]
    formats = [CSV, XLSX]
    list_display = ["name", "kind", "inn", "kpp", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "full_name", "person_name", "inn"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at"]
    fieldsets = [
        *REQUISITE_FIELDSETS,
        (
            "Паспорт (физическое лицо)",
            {
                "fields": [
                    "birth_date",
                    "passport_series",
                    "passport_number",
                    "passport_issued_by",
                    "passport_issued_date",
                    "passport_code",
                ]
            },
        ),
        ("Связь", {"fields": ["phones_text", "emails_text", "created_by", "created_at"]}),
    ]
    inlines = [ClientBankAccountInline, RequisiteChangeInline]


@admin.register(Seller)
class SellerAdmin(RequisitesAdmin):
    names = Names("продавца (наши реквизиты)", "продавца", "продавцов", one="продавец")
    form = SellerForm
    list_display = ["name", "kind", "inn", "is_active"]
    list_filter = ["is_active", "kind"]
    search_fields = ["name", "inn"]
    fieldsets = [
        (None, {"fields": ["is_active"]}),
        *REQUISITE_FIELDSETS,
        ("Связь и логотип", {"fields": ["phone", "email", "site", "logo"]}),
    ]
    inlines = [SellerBankAccountInline, SellerChangeInline]


@admin.register(Bank)
class BankAdmin(ModelAdmin):
    """The БИК directory, for looking up: it changes only through `manage.py load_bik`."""

    names = Names("банк", "банка", "банков", one="банк")
    list_display = ["bik", "name", "city", "correspondent_account", "is_closed", "updated_at"]
    list_filter = ["is_closed"]
    search_fields = ["bik", "name", "city"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

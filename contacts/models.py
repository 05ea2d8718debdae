from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.models import TimeStampedModel

from . import parties, requisites
from .names import fio_genitive, fio_initials, position_genitive
from .phones import format_phone


class Requisites(TimeStampedModel):
    """The requisites a client and the seller share: a legal entity's or a sole
    proprietor's names, numbers, addresses and signatory. Which fields apply depends on
    `kind`; `normalize()` clears the others and fills what is derived."""

    class Kind(models.TextChoices):
        LEGAL = "legal", "Юридическое лицо"
        ENTREPRENEUR = "entrepreneur", "Индивидуальный предприниматель"
        PERSON = "person", "Физическое лицо"

    class Basis(models.TextChoices):
        CHARTER = requisites.CHARTER, "Устав"
        PROXY = requisites.PROXY, "Доверенность"

    kind = models.CharField("тип", max_length=16, choices=Kind, default=Kind.LEGAL)
    name = models.CharField(
        "краткое наименование", max_length=300, help_text="Например, ООО «Ромашка»."
    )
    full_name = models.CharField(
        "полное наименование",
        max_length=500,
        blank=True,
        help_text="Например, Общество с ограниченной ответственностью «Ромашка».",
    )
    person_name = models.CharField(
        "ФИО", max_length=200, blank=True, help_text="Фамилия, имя, отчество полностью."
    )
    inn = models.CharField("ИНН", max_length=12, blank=True, db_index=True)
    kpp = models.CharField("КПП", max_length=9, blank=True)
    ogrn = models.CharField("ОГРН", max_length=13, blank=True)
    okpo = models.CharField("ОКПО", max_length=10, blank=True)
    ogrnip = models.CharField("ОГРНИП", max_length=15, blank=True)
    ogrnip_date = models.DateField("дата регистрации ИП (ОГРНИП)", null=True, blank=True)
    legal_address = models.CharField("юридический адрес", max_length=500, blank=True)
    registration_address = models.CharField(
        "адрес регистрации", max_length=500, blank=True, help_text="Адрес по прописке."
    )
    postal_address = models.CharField(
        "почтовый адрес", max_length=500, blank=True, help_text="Если отличается."
    )
    signatory_position = models.CharField(
        "должность подписанта", max_length=200, blank=True, help_text="Генеральный директор"
    )
    signatory_position_genitive = models.CharField(
        "должность в родительном падеже",
        max_length=200,
        blank=True,
        help_text="«в лице генерального директора …»; заполняется сама, можно исправить.",
    )
    signatory_name = models.CharField("ФИО подписанта", max_length=200, blank=True)
    signatory_name_genitive = models.CharField(
        "ФИО подписанта в родительном падеже",
        max_length=200,
        blank=True,
        help_text="«в лице Иванова Ивана Ивановича»; заполняется само, можно исправить.",
    )
    basis_kind = models.CharField(
        "действует на основании", max_length=16, choices=Basis, default=Basis.CHARTER
    )
    poa_number = models.CharField("номер доверенности", max_length=50, blank=True)
    poa_date = models.DateField("дата доверенности", null=True, blank=True)
    chief_accountant = models.CharField("главный бухгалтер", max_length=200, blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")

    # The fields a person fills in for each kind; the rest are cleared by normalize().
    KIND_FIELDS = {
        Kind.LEGAL: (
            "name",
            "full_name",
            "inn",
            "kpp",
            "ogrn",
            "okpo",
            "legal_address",
            "postal_address",
            "signatory_position",
            "signatory_position_genitive",
            "signatory_name",
            "signatory_name_genitive",
            "basis_kind",
            "poa_number",
            "poa_date",
            "chief_accountant",
        ),
        Kind.ENTREPRENEUR: (
            "person_name",
            "inn",
            "ogrnip",
            "ogrnip_date",
            "registration_address",
            "postal_address",
            "signatory_name_genitive",
        ),
        Kind.PERSON: ("person_name", "inn", "registration_address"),
    }
    # Derived from the fields above for a sole proprietor and an individual.
    DERIVED_FIELDS = (
        "name",
        "full_name",
        "signatory_position",
        "signatory_position_genitive",
        "signatory_name",
        "signatory_name_genitive",
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    # Changing one row

    def kind_fields(self) -> tuple[str, ...]:
        return self.KIND_FIELDS[self.kind]

    def normalize(self) -> None:
        """Clear the fields of other kinds and fill the derived ones: the names of a sole
        proprietor or an individual, the genitive forms when left empty, the search text."""
        every = {field for fields in self.KIND_FIELDS.values() for field in fields}
        for field in every - set(self.kind_fields()) - set(self.DERIVED_FIELDS):
            if field == "basis_kind":
                self.basis_kind = self.Basis.CHARTER
            else:
                setattr(self, field, None if self._meta.get_field(field).null else "")
        if self.kind == self.Kind.ENTREPRENEUR:
            self.name = f"ИП {self.person_name}"
            self.full_name = f"{parties.ENTREPRENEUR_TITLE} {self.person_name}"
            self.signatory_position = parties.ENTREPRENEUR_TITLE
            self.signatory_position_genitive = parties.ENTREPRENEUR_TITLE_GENITIVE
            self.signatory_name = self.person_name
        elif self.kind == self.Kind.PERSON:
            self.name = self.full_name = self.person_name
            self.signatory_position = self.signatory_position_genitive = ""
            self.signatory_name = self.person_name
            self.signatory_name_genitive = ""
        if self.signatory_name and not self.signatory_name_genitive:
            self.signatory_name_genitive = fio_genitive(self.signatory_name)
        if self.signatory_position and not self.signatory_position_genitive:
            self.signatory_position_genitive = position_genitive(self.signatory_position)
        if not self.signatory_name:
            self.signatory_name_genitive = ""
        if not self.signatory_position:
            self.signatory_position_genitive = ""
        words = [self.name, self.full_name, self.person_name, self.inn, self.ogrn, self.ogrnip]
        self.search_text = search_key(" ".join(w for w in words if w))

    @classmethod
    def requisite_field_names(cls) -> list[str]:
        """Every field a person edits (the audit log records exactly these)."""
        skip = {"id", "created_at", "updated_at", "search_text", "created_by", "is_active"}
        return [
            f.name
            for f in cls._meta.concrete_fields
            if f.name not in skip and not f.name.endswith("_ptr")
        ]

    # Read by documents: every property returns a plain string (or None).

    @property
    def is_legal(self) -> bool:
        return self.kind == self.Kind.LEGAL

    @property
    def is_entrepreneur(self) -> bool:
        return self.kind == self.Kind.ENTREPRENEUR

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def short_name(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        """The legal address of an organisation, the registration address of a person."""
        return self.legal_address if self.is_legal else self.registration_address

    @property
    def mailing_address(self) -> str:
        return self.postal_address or self.address

    @property
    def registration_number(self) -> str:
        return self.ogrnip if self.is_entrepreneur else self.ogrn

    @property
    def registration_number_label(self) -> str:
        return {self.Kind.LEGAL: "ОГРН", self.Kind.ENTREPRENEUR: "ОГРНИП"}.get(self.kind, "")

    @property
    def signatory_initials(self) -> str:
        """«Иванов И. И.», for the line under a signature."""
        return fio_initials(self.signatory_name)

    @property
    def basis(self) -> str:
        """What the signatory acts on, in the genitive (contacts.parties.basis)."""
        return parties.basis(self)

    @property
    def default_bank_account(self) -> "BankAccount | None":
        """The account marked default (uses prefetched `bank_accounts` when present)."""
        accounts = list(self.bank_accounts.all())
        for account in accounts:
            if account.is_default:
                return account
        return accounts[0] if accounts else None

    def requisites_lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs of the filled requisites, in the order of a contract."""
        rows = [("Полное наименование", self.full_name)]
        if self.is_legal:
            rows += [("ИНН", self.inn), ("КПП", self.kpp), ("ОГРН", self.ogrn)]
            rows += [("ОКПО", self.okpo), ("Юридический адрес", self.legal_address)]
        elif self.is_entrepreneur:
            rows += [("ИНН", self.inn), ("ОГРНИП", self.ogrnip)]
            if self.ogrnip_date:
                rows.append(("Дата регистрации", self.ogrnip_date.strftime("%d.%m.%Y")))
            rows.append(("Адрес регистрации", self.registration_address))
        else:
            rows += [("ИНН", self.inn), ("Адрес регистрации", self.registration_address)]
        if self.postal_address:
            rows.append(("Почтовый адрес", self.postal_address))
        if self.is_legal:
            rows.append(("Подписант", f"{self.signatory_position} {self.signatory_name}"))
            rows.append(("Действует на основании", self.basis))
            rows.append(("Главный бухгалтер", self.chief_accountant))
        return [(label, value.strip()) for label, value in rows if value and value.strip()]


def search_key(text: str) -> str:
    """Lower case with ё as е: SQLite's LIKE folds only Latin letters, so search matches
    against this stored key instead."""
    return (text or "").lower().replace("ё", "е")


class ClientQuerySet(models.QuerySet):
    def search(self, q: str):
        q = (q or "").strip()
        if not q:
            return self
        return self.filter(search_text__contains=search_key(q))

    def with_inn(self, *, inn: str, kpp: str = ""):
        """Clients a new one with this ИНН (and КПП) would duplicate."""
        if not inn:
            return self.none()
        return self.filter(inn=inn, kpp=kpp or "")


class Client(Requisites):
    """The buyer: a legal entity, a sole proprietor or an individual."""

    KIND_FIELDS = {
        **Requisites.KIND_FIELDS,
        Requisites.Kind.PERSON: (
            "person_name",
            "birth_date",
            "passport_series",
            "passport_number",
            "passport_issued_by",
            "passport_issued_date",
            "passport_code",
            "registration_address",
            "inn",
        ),
    }
    # Personal data (152-ФЗ): shown only to whom deals.clients.access.may_see_personal_data
    # allows (the creator, the head, the manager the client is entrusted to with a deal);
    # never in lists or exports; masked in the change log and in staff copies of documents.
    PERSONAL_FIELDS = (
        "birth_date",
        "passport_series",
        "passport_number",
        "passport_issued_by",
        "passport_issued_date",
        "passport_code",
    )

    birth_date = models.DateField("дата рождения", null=True, blank=True)
    passport_series = models.CharField("серия паспорта", max_length=4, blank=True)
    passport_number = models.CharField("номер паспорта", max_length=6, blank=True)
    passport_issued_by = models.CharField("кем выдан", max_length=300, blank=True)
    passport_issued_date = models.DateField("дата выдачи", null=True, blank=True)
    passport_code = models.CharField(
        "код подразделения", max_length=7, blank=True, help_text="123-456"
    )
    phones = models.JSONField("телефоны", default=list, blank=True)
    emails = models.JSONField("e-mail", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = "клиент"
        verbose_name_plural = "клиенты"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["inn", "kpp"], condition=~Q(inn=""), name="client_inn_kpp_unique"
            )
        ]

    @property
    def phone(self) -> str:
        """The first phone, formatted: +7 916 123-45-67."""
        return format_phone(self.phones[0]) if self.phones else ""

    @property
    def phone_e164(self) -> str:
        return self.phones[0] if self.phones else ""

    @property
    def phones_display(self) -> list[str]:
        return [format_phone(p) for p in self.phones]

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    @property
    def has_passport(self) -> bool:
        return bool(self.passport_series and self.passport_number)

    @property
    def passport(self) -> str:
        """«серия 45 10 № 123456, выдан …, 1 февраля 2015 г., код подразделения 770-001».
        Personal data: put it only where the viewer may see passports."""
        return parties.passport(self)

    def missing_for_documents(self) -> list[str]:
        """What a contract with this client still lacks (labels, in Russian)."""
        missing = []
        required = {
            self.Kind.LEGAL: ["inn", "kpp", "ogrn", "legal_address", "signatory_name"],
            self.Kind.ENTREPRENEUR: ["inn", "ogrnip", "registration_address"],
            self.Kind.PERSON: ["registration_address"],
        }[self.kind]
        for field in required:
            if not getattr(self, field):
                missing.append(self._meta.get_field(field).verbose_name)
        if self.is_person and not self.has_passport:
            missing.append("паспортные данные")
        if not self.is_person and self.default_bank_account is None:
            missing.append("банковский счёт")
        return missing


class ContactQuerySet(models.QuerySet):
    def matching(self, *, phones=(), emails=()):
        """Contacts that share any of these phones (E.164) or e-mails."""
        q = Q(pk__in=[])
        if phones:
            q |= Exists(ContactPhone.objects.filter(contact=OuterRef("pk"), number__in=phones))
        if emails:
            lowered = [e.lower() for e in emails]
            q |= Exists(ContactEmail.objects.filter(contact=OuterRef("pk"), email__in=lowered))
        return self.filter(q)


class Contact(TimeStampedModel):
    """A contact person; the same person can serve several deals."""

    name = models.CharField("имя", max_length=200)
    position = models.CharField("должность", max_length=200, blank=True)
    messengers = models.CharField(
        "мессенджеры", max_length=300, blank=True, help_text="Telegram, WhatsApp, …"
    )
    note = models.TextField("заметка", blank=True)
    client = models.ForeignKey(
        Client,
        verbose_name="клиент",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = "контактное лицо"
        verbose_name_plural = "контактные лица"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContactPhoneQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for phone in objs:
            phone.display = format_phone(phone.number)
        return super().bulk_create(objs, *args, **kwargs)


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField("телефон (E.164)", max_length=20, db_index=True)
    # The number as shown (+7 916 123-45-67), written with it: lists show many of them.
    display = models.CharField("как показывать", max_length=40, blank=True, editable=False)

    objects = ContactPhoneQuerySet.as_manager()

    class Meta:
        verbose_name = "телефон"
        verbose_name_plural = "телефоны"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contact_phone_unique")
        ]

    def __str__(self):
        return self.display or format_phone(self.number)

    def save(self, *args, **kwargs):
        self.display = format_phone(self.number)
        if kwargs.get("update_fields") is not None and "number" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "display"}
        super().save(*args, **kwargs)


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField("e-mail", db_index=True)

    class Meta:
        verbose_name = "e-mail"
        verbose_name_plural = "e-mail"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contact_email_unique")
        ]

    def __str__(self):
        return self.email


class SellerManager(models.Manager):
    def active(self) -> "Seller | None":
        """The company whose requisites every document carries (None until one is set)."""
        return self.filter(is_active=True).prefetch_related("bank_accounts").first()


class Seller(Requisites):
    """Our own company: the seller in every proposal, contract and invoice."""

    is_active = models.BooleanField(
        "действующие реквизиты",
        default=True,
        help_text="Документы берут реквизиты действующего продавца; он может быть только один.",
    )
    phone = models.CharField("телефон", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    site = models.URLField("сайт", blank=True)
    logo = models.ImageField("логотип", upload_to="seller/", blank=True)

    objects = SellerManager()

    class Meta:
        verbose_name = "продавец (наши реквизиты)"
        verbose_name_plural = "продавец (наши реквизиты)"
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="seller_one_active"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["legal", "entrepreneur"]), name="seller_kind_not_person"
            ),
        ]

    @property
    def director_position(self) -> str:
        return self.signatory_position

    @property
    def director_name(self) -> str:
        return self.signatory_name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone) if self.phone else ""

    @property
    def phone_e164(self) -> str:
        return self.phone


class Bank(models.Model):
    """A participant of the Bank of Russia's payment system from its БИК directory (ED807),
    loaded by `manage.py load_bik`. One that left the directory stays, marked closed, so a
    form can say why its БИК is refused."""

    bik = models.CharField("БИК", max_length=9, unique=True)
    name = models.CharField("наименование", max_length=300)
    city = models.CharField("населённый пункт", max_length=100, blank=True)
    correspondent_account = models.CharField(
        "корреспондентский счёт",
        max_length=20,
        blank=True,
        help_text="Пусто у подразделений Банка России и казначейства.",
    )
    is_closed = models.BooleanField("исключён из справочника", default=False)
    updated_at = models.DateTimeField("обновлён", default=timezone.now)

    class Meta:
        verbose_name = "банк (справочник БИК)"
        verbose_name_plural = "справочник БИК"
        ordering = ["bik"]

    def __str__(self):
        return f"{self.bik} {self.name}"

    @property
    def account_bank_name(self) -> str:
        """What a bank account's «банк» field says: «ПАО Сбербанк, г. Москва»."""
        return f"{self.name}, {self.city}" if self.city else self.name


class BankAccount(models.Model):
    """A bank account of a client or of the seller (exactly one of the two)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="bank_accounts"
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, null=True, blank=True, related_name="bank_accounts"
    )
    bank_name = models.CharField("банк", max_length=300, help_text="ПАО Сбербанк, г. Москва")
    bik = models.CharField("БИК", max_length=9)
    correspondent_account = models.CharField("корреспондентский счёт", max_length=20)
    settlement_account = models.CharField("расчётный счёт", max_length=20)
    is_default = models.BooleanField("основной", default=False)

    class Meta:
        verbose_name = "банковский счёт"
        verbose_name_plural = "банковские счета"
        ordering = ["-is_default", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=False, seller__isnull=True)
                | Q(client__isnull=True, seller__isnull=False),
                name="bankaccount_one_owner",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(is_default=True, client__isnull=False),
                name="bankaccount_one_default_per_client",
            ),
            models.UniqueConstraint(
                fields=["seller"],
                condition=Q(is_default=True, seller__isnull=False),
                name="bankaccount_one_default_per_seller",
            ),
        ]

    def __str__(self):
        return f"р/с {self.settlement_account} в {self.bank_name}"

    @property
    def owner(self):
        return self.client if self.client_id else self.seller

    def summary(self) -> str:
        text = (
            f"{self.bank_name}, БИК {self.bik}, к/с {self.correspondent_account}, "
            f"р/с {self.settlement_account}"
        )
        return text + (" (основной)" if self.is_default else "")


class RequisiteChange(models.Model):
    """One save of a client's or the seller's requisites: who, when, field: old → new."""

    class Action(models.TextChoices):
        CREATED = "created", "Создан"
        CHANGED = "changed", "Изменены реквизиты"
        IMPORTED = "imported", "Импорт"

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("когда", default=timezone.now)
    action = models.CharField("что", max_length=16, choices=Action, default=Action.CHANGED)
    # [{"field": "inn", "label": "ИНН", "old": "…", "new": "…", "personal": false}, …]
    changes = models.JSONField("изменения", default=list)

    MASK = parties.HIDDEN

    class Meta:
        verbose_name = "изменение реквизитов"
        verbose_name_plural = "журнал изменений реквизитов"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["client", "-at"], name="reqchange_client_at"),
            models.Index(fields=["seller", "-at"], name="reqchange_seller_at"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%d.%m.%Y %H:%M}"

    def lines(self, *, show_personal: bool) -> list[dict]:
        """The changes to show; personal values masked for whoever may not see them."""
        result = []
        for change in self.changes:
            hide = change.get("personal") and not show_personal
            result.append(
                {
                    "label": change["label"],
                    "old": self.MASK if hide and change["old"] else change["old"],
                    "new": self.MASK if hide and change["new"] else change["new"],
                }
            )
        return result

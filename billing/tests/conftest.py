from decimal import Decimal

import pytest

from billing.models import CatalogGroup, CatalogItem, Unit
from billing.payments.yookassa import YooKassaProvider

from .fake_yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa


@pytest.fixture
def catalog(db):
    group = CatalogGroup.objects.create(name="Разработка")
    return {
        "site": CatalogItem.objects.create(
            group=group,
            name="Разработка сайта",
            unit=Unit.SERVICE,
            price=Decimal("120000"),
            sku="WEB-1",
        ),
        "hour": CatalogItem.objects.create(
            group=group,
            name="Программирование",
            unit=Unit.HOUR,
            price=Decimal("2500"),
            sku="WEB-2",
        ),
        "ssl": CatalogItem.objects.create(
            name="SSL-сертификат",
            kind=CatalogItem.Kind.GOOD,
            unit=Unit.YEAR,
            price=Decimal("3500"),
            vat_rate=Decimal("10"),
            sku="SSL",
        ),
    }


@pytest.fixture
def stages(db):
    """The default pipeline, also in tests that commit: a test database flushed by an
    earlier such test has lost the rows its data migration made."""
    from importlib import import_module

    from django.apps import apps

    from deals.models import Stage

    import_module("deals.migrations.0002_default_pipeline").create(apps, None)
    return list(Stage.objects.all())


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas are created with passwords; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Invoices -------------------------------------------------------------------------------

SELLER = {
    "kind": "legal",
    "name": "ООО «Пиксель»",
    "full_name": "Общество с ограниченной ответственностью «Пиксель»",
    "inn": "7712345671",
    "kpp": "771201001",
    "ogrn": "1157746123457",
    "legal_address": "125009, г. Москва, ул. Тверская, д. 7, офис 12",
    "signatory_position": "Генеральный директор",
    "signatory_name": "Волков Дмитрий Андреевич",
    "chief_accountant": "Орлова Елена Викторовна",
    "phone": "+74951234567",
    "email": "info@pixel.example.ru",
}
SELLER_ACCOUNT = {
    "bank_name": "ПАО Сбербанк, г. Москва",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40702810938000012345",
}
BUYER = {
    "kind": "legal",
    "name": "ООО «Ромашка»",
    "full_name": "Общество с ограниченной ответственностью «Ромашка»",
    "inn": "5003123458",
    "kpp": "500301001",
    "ogrn": "1105003123455",
    "legal_address": "142703, Московская обл., г. Видное, ул. Школьная, д. 14",
    "signatory_position": "Генеральный директор",
    "signatory_name": "Петров Сергей Николаевич",
    "phones": ["+74957654321"],
    "emails": ["office@romashka.example.ru"],
}
PERSON = {
    "kind": "person",
    "person_name": "Кузьмин Андрей Павлович",
    "inn": "",
    "registration_address": "129226, г. Москва, ул. Сельскохозяйственная, д. 3, кв. 15",
    "phones": ["+79031234510"],
    "emails": ["kuzmin@example.ru"],
}


@pytest.fixture
def make_seller(db):
    from contacts import services
    from contacts.models import BankAccount, Seller

    def make(**values):
        return services.seller_save(
            seller=Seller(**{**SELLER, **values}, is_active=True),
            by=None,
            accounts=[BankAccount(**SELLER_ACCOUNT, is_default=True)],
        )

    return make


@pytest.fixture
def seller(make_seller):
    return make_seller()


@pytest.fixture
def buyer(db, manager_a):
    from contacts import services
    from contacts.models import Client

    return services.client_save(client=Client(**BUYER, created_by=manager_a), by=manager_a)


@pytest.fixture
def person_buyer(db, manager_a):
    from contacts import services
    from contacts.models import Client

    return services.client_save(client=Client(**PERSON, created_by=manager_a), by=manager_a)


@pytest.fixture
def contact_email(deal_a, manager_a):
    from contacts.models import Contact
    from deals import services

    contact = Contact(name="Пётр Петров")
    services.contact_save(
        contact=contact, phones=[], emails=["petrov@romashka.example.ru"], deal=deal_a, by=manager_a
    )
    return "petrov@romashka.example.ru"


@pytest.fixture
def invoice_deal(deal_a, seller, buyer):
    """Manager A's deal with a client, the seller set up and a current calculation of
    two lines: 100 000 + 3 × 7 500 = 122 500 ₽ with VAT 22 % included."""
    from billing.services import LineData, calculation_save

    deal_a.client = buyer
    deal_a.save(update_fields=["client"])
    calculation_save(
        deal=deal_a,
        by=deal_a.manager,
        lines=[
            LineData(
                name="Разработка сайта",
                quantity=Decimal("1"),
                price=Decimal("100000"),
                unit_code="876",
            ),
            LineData(name="Дизайн страницы", quantity=Decimal("3"), price=Decimal("7500")),
        ],
        make_current=True,
    )
    return deal_a


@pytest.fixture
def make_invoice(invoice_deal):
    """An invoice of the deal's current calculation, issued unless told otherwise."""
    from billing import services
    from billing.models import Calculation

    def make(deal=None, issue=True, **kwargs):
        deal = deal or invoice_deal
        if "lines" not in kwargs:
            kwargs.setdefault("calculation", Calculation.objects.current_for(deal))
        invoice = services.invoice_create(deal=deal, by=deal.manager, **kwargs)
        if issue:
            invoice = services.invoice_issue(invoice=invoice, by=deal.manager)
        return invoice

    return make


@pytest.fixture
def invoice(make_invoice):
    return make_invoice()


@pytest.fixture
def sandbox_settings(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_ONLINE = True
    return settings


@pytest.fixture
def yookassa(settings, monkeypatch):
    """YooKassa configured, its API served by the local fake."""
    api = FakeYooKassa()
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.PAYMENT_ONLINE = True
    settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY = SHOP_ID, SECRET_KEY
    original = YooKassaProvider.from_settings.__func__

    def from_settings(cls, **overrides):
        return original(cls, transport=api.transport, sleep=lambda seconds: None, **overrides)

    monkeypatch.setattr(YooKassaProvider, "from_settings", classmethod(from_settings))
    return api

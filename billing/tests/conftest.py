from decimal import Decimal

import pytest

from billing.models import CatalogGroup, CatalogItem, Unit


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


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas are created with passwords; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

from io import StringIO

from django.core.management import call_command

from billing.models import Calculation, CatalogItem
from deals.models import Deal


def test_demo_has_a_catalog_and_calculations_and_is_idempotent(db):
    call_command("demo", stdout=StringIO())
    items = CatalogItem.objects.count()
    calcs = Calculation.objects.count()
    assert 18 <= items <= 25
    assert calcs >= 5
    with_calcs = Deal.objects.filter(calculations__is_current=True).distinct()
    assert with_calcs.count() >= 5
    for deal in with_calcs:
        assert deal.budget == Calculation.objects.current_for(deal).total
    assert Calculation.objects.filter(is_frozen=True).exists()
    assert Calculation.objects.filter(version=2).exists()

    call_command("demo", stdout=StringIO())
    assert (CatalogItem.objects.count(), Calculation.objects.count()) == (items, calcs)

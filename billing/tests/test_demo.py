from io import StringIO

from django.core.management import call_command
from django.urls import reverse

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


def test_demo_has_an_invoice_to_pay_in_the_sandbox_and_a_paid_one(db, anon, sandbox_settings):
    from billing.models import Invoice

    call_command("demo", stdout=StringIO())
    call_command("demo", stdout=StringIO())
    assert Invoice.objects.count() == 2
    paid = Invoice.objects.get(status=Invoice.Status.PAID)
    assert paid.payments.get().method == "online"
    assert paid.deal.stage.name == "Оплачено"
    to_pay = Invoice.objects.get(status=Invoice.Status.SENT)
    page = anon.get(to_pay.public_path())
    assert page.status_code == 200 and "Оплатить онлайн" in page.text
    sandbox_page = anon.post(reverse("billing:invoice_public_pay", args=[to_pay.token]))
    anon.post(sandbox_page["Location"], {"action": "pay"})
    to_pay.refresh_from_db()
    assert to_pay.status == Invoice.Status.PAID

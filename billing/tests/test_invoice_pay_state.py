"""What the client's invoice page says about the money, in words: to pay by a date, paid (how
much and when), partly paid (how much of what, what is left), and, back from the payment
page, a payment that failed or is still on its way. The way back always leads to the page."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Payment
from crm.formats import date_long

FAILED = "Платёж не прошёл — попробуйте ещё раз или оплатите по реквизитам"


def pay_url(invoice):
    return reverse("billing:invoice_public_pay", args=[invoice.token])


def returned(anon, invoice):
    return anon.get(invoice.public_path() + "?payment=return").text


def record(invoice, amount, paid_on, by):
    services.payment_record(
        invoice=invoice, amount=Decimal(amount), paid_on=paid_on, method="transfer", by=by
    )


def test_an_open_invoice_says_what_to_pay_and_by_when(anon, invoice):
    page = anon.get(invoice.public_path()).text
    assert "К оплате <strong>122\xa0500,00 ₽</strong>" in page
    assert f"Оплатить до {date_long(invoice.due_date)}" in page
    assert "Оплачено" not in page


def test_a_paid_invoice_says_how_much_and_on_which_day(anon, invoice, manager_a):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    record(invoice, "100000", yesterday - datetime.timedelta(days=3), manager_a)
    record(invoice, "22500", yesterday, manager_a)
    page = anon.get(invoice.public_path()).text
    assert "Счёт оплачен. Спасибо!" in page
    assert f"Оплачено 122\xa0500,00 ₽ {date_long(yesterday)}" in page
    assert "К оплате" not in page and "Оплатить онлайн" not in page


def test_a_partly_paid_invoice_says_how_much_of_what_and_what_is_left(
    anon, invoice, manager_a, sandbox_settings
):
    record(invoice, "22500", timezone.localdate(), manager_a)
    page = anon.get(invoice.public_path()).text
    assert (
        "Оплачено 22\xa0500,00 ₽ из 122\xa0500,00 ₽, осталось <strong>100\xa0000,00 ₽</strong>"
        in page
    )
    assert "Оплатить онлайн 100\xa0000,00 ₽" in page


def test_back_from_a_refused_payment_the_client_is_told_it_failed(anon, invoice, sandbox_settings):
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    back = anon.post(sandbox_page, {"action": "cancel"})["Location"]
    assert back == invoice.public_path() + "?payment=return"
    page = anon.get(back).text
    assert FAILED in page
    assert "Оплатить онлайн 122\xa0500,00 ₽" in page
    # Opened later by the link, the page no longer dwells on that attempt.
    assert FAILED not in anon.get(invoice.public_path()).text


def test_back_before_the_provider_decides_the_client_is_asked_to_wait(
    anon, invoice, sandbox_settings
):
    anon.post(pay_url(invoice))
    assert Payment.objects.get().status == Payment.Status.PENDING
    page = returned(anon, invoice)
    assert "Платёж обрабатывается" in page and FAILED not in page


def test_the_sandbox_leads_back_to_the_invoice_whatever_the_site_address(
    anon, invoice, sandbox_settings, settings
):
    settings.SITE_URL = "https://crm.example.ru"
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    back = anon.post(sandbox_page, {"action": "pay"})["Location"]
    assert back == invoice.public_path() + "?payment=return"
    assert f'href="{back}"' in anon.get(sandbox_page).text


def test_the_sandbox_leads_to_the_invoices_new_link_after_the_old_one_is_replaced(
    anon, invoice, sandbox_settings, manager_a
):
    from deals import document_links

    sandbox_page = anon.post(pay_url(invoice))["Location"]
    document_links.document_new_link(document=invoice, by=manager_a)
    invoice.refresh_from_db()
    back = anon.post(sandbox_page, {"action": "pay"})["Location"]
    assert back == invoice.public_path() + "?payment=return"
    assert "Счёт оплачен. Спасибо!" in anon.get(back).text


def test_the_invoice_page_shows_the_sellers_logo_through_its_own_link(anon, invoice, seller):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (120, 40), (30, 90, 160)).save(png, format="PNG")
    seller.logo.save("logo.png", ContentFile(png.getvalue()))
    page = anon.get(invoice.public_path()).text
    logo = reverse("billing:invoice_public_logo", args=[invoice.token])
    assert f'<img class="public-logo" src="{logo}" alt="">' in page
    assert "<title>Счёт № " in page and " · ООО «Пиксель»</title>" in page
    assert anon.get(logo).status_code == 200
    invoice.revoke()
    assert anon.get(logo).status_code == 404

"""A paid invoice and a payment that could not be counted reach the deal's manager as a
notification once, and by e-mail as the manager chose (by default by e-mail too)."""

from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import SandboxPayment
from crm import notifications
from crm.models import Notification, OutgoingEmail

from .test_invoice_payments import pay_url


def pay(anon, invoice, times=2):
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    for _ in range(times):
        anon.post(sandbox_page, {"action": "pay"})


def test_an_online_payment_notifies_the_manager_once(
    anon, client_a, invoice, sandbox_settings, manager_a
):
    pay(anon, invoice)
    [notification] = Notification.objects.filter(user=manager_a)
    assert notification.event == "client.paid"
    assert notification.text == f"{invoice.title} оплачен · сделка {invoice.deal}"
    assert notification.url == invoice.get_absolute_url()
    assert OutgoingEmail.objects.filter(template="invoice_paid").count() == 1
    assert 'data-unread="1"' in client_a.get(reverse("notifications:bell")).text


def test_a_paid_invoice_in_the_app_only(anon, invoice, sandbox_settings, manager_a):
    notifications.preferences_save(user=manager_a, email={"client.paid": False})
    pay(anon, invoice)
    assert Notification.objects.filter(event="client.paid").count() == 1
    assert not OutgoingEmail.objects.filter(template="invoice_paid").exists()


def test_the_manager_who_marks_it_paid_is_not_told(invoice, manager_a):
    services.payment_record(
        invoice=invoice,
        amount=invoice.total,
        paid_on=timezone.localdate(),
        method="transfer",
        by=manager_a,
    )
    assert not Notification.objects.exists()


def test_a_payment_problem_notifies_once(anon, invoice, sandbox_settings, manager_a):
    anon.post(pay_url(invoice))
    SandboxPayment.objects.update(currency="USD")
    pay(anon, invoice)
    [notification] = Notification.objects.filter(user=manager_a)
    assert notification.event == "payment.problem"
    assert notification.text.startswith(f"Платёж по счёту № {invoice.number} не засчитан: ")
    assert "валюта платежа USD" in notification.text
    assert not notification.text.endswith(".")
    assert OutgoingEmail.objects.filter(template="payment_problem").count() == 1


def test_a_payment_problem_in_the_app_only(anon, invoice, sandbox_settings, manager_a):
    notifications.preferences_save(user=manager_a, email={"payment.problem": False})
    anon.post(pay_url(invoice))
    SandboxPayment.objects.update(currency="USD")
    pay(anon, invoice)
    assert Notification.objects.filter(event="payment.problem").count() == 1
    assert not OutgoingEmail.objects.filter(template="payment_problem").exists()

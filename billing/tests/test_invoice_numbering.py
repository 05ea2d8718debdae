"""An invoice gets its number when it is issued, from the counter of the year of its date:
a draft has none, the New Year in Moscow decides the year, and a date is kept in a sensible
window. An issued invoice is never deleted, only annulled."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Calculation, Invoice, Payment
from crm.models import NumberCounter, User
from deals.models import DealEvent

from .test_invoices import plain


def invoice_url(name, invoice):
    return reverse(f"billing:{name}", args=[invoice.deal_id, invoice.pk])


def create_url(deal):
    return reverse("billing:invoice_create", args=[deal.pk])


def calculation_post(deal, **extra):
    """The invoice form with the deal's current calculation, as a browser posts it with the
    dates left empty (the invoice is dated the day it is issued)."""
    calc = Calculation.objects.current_for(deal)
    return {"source": "calculation", "calculation": calc.pk, "date": "", "due_date": ""} | extra


# A draft has no number ------------------------------------------------------------------


def test_a_draft_made_on_new_years_eve_and_issued_on_january_2_is_number_one_of_the_new_year(
    client_a, invoice_deal, make_invoice, frozen_clock
):
    frozen_clock.set("2026-12-31 10:00")
    make_invoice()  # № 1 of 2026
    frozen_clock.set("2026-12-31 23:59")
    response = client_a.post(create_url(invoice_deal), calculation_post(invoice_deal))
    assert response.status_code == 302
    draft = Invoice.objects.get(status=Invoice.Status.DRAFT)
    assert (draft.year, draft.number, draft.date) == (None, None, None)

    frozen_clock.set("2027-01-02 09:00")
    response = client_a.post(invoice_url("invoice_issue", draft), follow=True)
    draft.refresh_from_db()
    assert (draft.year, draft.number) == (2027, 1)
    assert draft.date == datetime.date(2027, 1, 2)
    assert draft.due_date == datetime.date(2027, 1, 7)  # INVOICE_DUE_DAYS after the date
    assert draft.title == "Счёт № 1 от 2\u00a0января\u00a02027\u00a0г."
    assert "Счёт № 1 от 2 января 2027 г. выставлен" in plain(response.text)
    # The next invoice of 2027 does not get the same number and date.
    assert make_invoice().title == "Счёт № 2 от 2\u00a0января\u00a02027\u00a0г."
    assert NumberCounter.objects.get(kind="invoice", year=2026).last == 1


def test_half_past_midnight_in_moscow_is_already_the_new_year(make_invoice, frozen_clock):
    frozen_clock.set("2026-12-31T21:30:00+00:00")  # UTC is still in 2026
    invoice = make_invoice()
    assert (invoice.year, invoice.number) == (2027, 1)
    assert invoice.title == "Счёт № 1 от 1\u00a0января\u00a02027\u00a0г."


def test_an_invoice_dated_by_hand_takes_the_number_of_its_dates_year(make_invoice, frozen_clock):
    frozen_clock.set("2027-01-02 09:00")
    make_invoice()
    late = make_invoice(date=datetime.date(2026, 12, 30))
    assert (late.year, late.number, late.date) == (2026, 1, datetime.date(2026, 12, 30))
    assert make_invoice().number == 2


def test_a_draft_shows_no_number_anywhere_staff_look(
    client_a, client_head, invoice_deal, make_invoice
):
    draft = make_invoice(issue=False)
    assert draft.title == "Счёт без номера (черновик)"
    pages = [
        client_a.get(invoice_url("invoice_detail", draft)),
        client_a.get(invoice_deal.get_absolute_url()),
        client_a.get(reverse("billing:invoice_list")),
        client_head.get(reverse("billing:invoice_list")),
        client_a.get(invoice_url("invoice_edit", draft)),
    ]
    for page in pages:
        assert page.status_code == 200
        text = plain(page.text)
        assert "без номера" in text
        assert "№ None" not in text and "№ 1 " not in text
    event = DealEvent.objects.get(deal=invoice_deal, kind="invoice.created")
    assert event.text.startswith("Создан черновик счёта") and "Счёт №" not in event.text


def test_numbers_of_annulled_and_deleted_drafts_are_not_given_again(
    client_a, make_invoice, invoice_deal
):
    first = make_invoice()
    draft = make_invoice(issue=False)
    client_a.post(invoice_url("invoice_delete", draft))
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    services.invoice_annul(invoice=first, by=invoice_deal.manager, reason="Ошибка в сумме")
    assert make_invoice().number == 2


# The date of an invoice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2027-02-01", "Дата счёта — не позже чем через 30 дней: 31 января 2027 г."),
        ("2062-01-01", "Дата счёта — не позже чем через 30 дней: 31 января 2027 г."),
        ("2025-12-31", "Дата счёта — не раньше 1 января 2026 г."),
    ],
)
def test_a_date_far_from_today_is_refused_next_to_the_field(
    client_a, invoice_deal, frozen_clock, date, message
):
    frozen_clock.set("2027-01-01 12:00")
    response = client_a.post(
        create_url(invoice_deal), calculation_post(invoice_deal, date=date, due_date="2062-02-01")
    )
    assert response.status_code == 400
    assert message in plain(response.text)
    assert 'id="error_1_id_date"' in response.text or "is-invalid" in response.text
    assert not Invoice.objects.exists()


def test_dates_inside_the_window_are_accepted(client_a, invoice_deal, frozen_clock):
    frozen_clock.set("2027-01-01 12:00")
    for date in ("2026-01-01", "2027-01-31"):
        data = calculation_post(invoice_deal, date=date, due_date="2027-03-01")
        assert client_a.post(create_url(invoice_deal), data).status_code == 302
    assert Invoice.objects.count() == 2


def test_a_draft_that_has_grown_too_old_is_not_issued(client_a, make_invoice, frozen_clock):
    frozen_clock.set("2026-12-30 12:00")
    draft = make_invoice(issue=False, date=datetime.date(2026, 12, 30))
    frozen_clock.set("2028-01-10 12:00")
    response = client_a.post(invoice_url("invoice_issue", draft), follow=True)
    assert "Дата счёта — не раньше 1 января 2027 г." in plain(response.text)
    draft.refresh_from_db()
    assert draft.is_draft and draft.number is None
    assert not NumberCounter.objects.exists()


def test_a_due_date_already_past_on_the_issue_day_is_not_issued(
    client_a, make_invoice, frozen_clock
):
    frozen_clock.set("2026-12-30 12:00")
    draft = make_invoice(issue=False, due_date=datetime.date(2027, 1, 5))
    frozen_clock.set("2027-01-10 12:00")
    response = client_a.post(invoice_url("invoice_issue", draft), follow=True)
    assert "Срок оплаты не может быть раньше даты счёта" in plain(response.text)
    draft.refresh_from_db()
    assert draft.is_draft


# Annulling instead of deleting ----------------------------------------------------------


def test_the_owner_annuls_an_issued_invoice_with_a_reason(
    client_a, anon, invoice, invoice_deal, sandbox_settings, manager_a
):
    response = client_a.post(invoice_url("invoice_annul", invoice), {"reason": ""}, follow=True)
    assert "Укажите причину" in plain(response.text)
    invoice.refresh_from_db()
    assert invoice.is_open

    response = client_a.post(
        invoice_url("invoice_annul", invoice), {"reason": "Клиент отказался"}, follow=True
    )
    assert "аннулирован" in plain(response.text)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ANNULLED
    assert (invoice.year, invoice.number) == (invoice.date.year, 1)
    assert invoice.annulled_by == manager_a and invoice.annul_reason == "Клиент отказался"
    event = DealEvent.objects.get(deal=invoice_deal, kind="invoice.annulled")
    assert event.actor == manager_a
    assert "Счёт № 1" in event.text and "Клиент отказался" in event.text

    page = plain(anon.get(invoice.public_path()).text)
    assert "Счёт аннулирован" in page and "Оплатить онлайн" not in page
    response = anon.post(reverse("billing:invoice_public_pay", args=[invoice.token]), follow=True)
    assert "Этот счёт аннулирован" in plain(response.text)
    assert not Payment.objects.filter(method="online").exists()


def test_the_head_annuls_and_a_manager_who_only_holds_a_task_may_not(
    client_b, client_head, invoice, invoice_deal, manager_b
):
    from deals import services as deal_services

    deal_services.task_create(
        deal=invoice_deal,
        author=invoice_deal.manager,
        assignee=manager_b,
        kind="call",
        text="Позвонить",
        due_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert client_b.get(invoice_url("invoice_detail", invoice)).status_code == 200
    response = client_b.post(invoice_url("invoice_annul", invoice), {"reason": "Хочу"})
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.is_open

    client_head.post(invoice_url("invoice_annul", invoice), {"reason": "Дубль"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ANNULLED


def test_a_paid_invoice_is_not_annulled(client_a, invoice, manager_a):
    services.payment_record(
        invoice=invoice,
        amount=Decimal("1000"),
        paid_on=timezone.localdate(),
        method="cash",
        by=manager_a,
    )
    response = client_a.post(invoice_url("invoice_annul", invoice), {"reason": "x"}, follow=True)
    assert "По счёту есть оплата" in plain(response.text)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTLY_PAID


def test_a_draft_is_deleted_and_an_issued_invoice_is_not(client_a, make_invoice, invoice_deal):
    draft = make_invoice(issue=False)
    issued = make_invoice()
    response = client_a.post(invoice_url("invoice_delete", issued), follow=True)
    assert "не удаляется" in plain(response.text)
    assert Invoice.objects.filter(pk=issued.pk).exists()
    response = client_a.post(invoice_url("invoice_annul", draft), {"reason": "x"}, follow=True)
    assert Invoice.objects.get(pk=draft.pk).is_draft

    response = client_a.post(invoice_url("invoice_delete", draft), follow=True)
    assert "Черновик счёта удалён" in plain(response.text)
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert DealEvent.objects.filter(deal=invoice_deal, kind="invoice.deleted").exists()


# The admin ----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(user)
    return client


def admin_url(name, *args):
    return reverse(f"admin:billing_invoice_{name}", args=args)


def test_the_admin_deletes_drafts_only(superuser_client, make_invoice):
    draft = make_invoice(issue=False)
    issued = make_invoice()
    assert superuser_client.get(admin_url("delete", issued.pk)).status_code == 403
    assert superuser_client.post(admin_url("delete", issued.pk), {"post": "yes"}).status_code == 403
    assert Invoice.objects.filter(pk=issued.pk).exists()

    # The bulk action refuses when a numbered invoice is among the chosen.
    response = superuser_client.post(
        admin_url("changelist"),
        {"action": "delete_selected", "_selected_action": [draft.pk, issued.pk], "post": "yes"},
    )
    assert Invoice.objects.count() == 2
    assert "Счёт № 1" in plain(response.content.decode())

    response = superuser_client.post(admin_url("delete", draft.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_the_admin_annuls_with_a_reason(superuser_client, make_invoice, invoice_deal):
    issued = make_invoice()
    data = {"action": "annul", "_selected_action": [issued.pk]}
    page = superuser_client.post(admin_url("changelist"), data)
    assert page.status_code == 200 and "Причина" in page.content.decode()
    superuser_client.post(admin_url("changelist"), data | {"apply": "1", "reason": "Дубль"})
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.ANNULLED and issued.annul_reason == "Дубль"
    assert DealEvent.objects.filter(deal=invoice_deal, kind="invoice.annulled").exists()


def test_a_deal_with_an_issued_invoice_is_not_deleted_in_the_admin(
    superuser_client, make_invoice, invoice_deal
):
    make_invoice()
    url = reverse("admin:deals_deal_delete", args=[invoice_deal.pk])
    page = superuser_client.get(url)
    assert "Счёт № 1" in plain(page.content.decode())
    superuser_client.post(url, {"post": "yes"})
    assert type(invoice_deal).objects.filter(pk=invoice_deal.pk).exists()


def test_a_deal_with_only_a_draft_invoice_is_deleted_with_it(
    superuser_client, make_deal, manager_a
):
    deal = make_deal(manager_a)  # no calculation: the admin does not delete calculations
    lines = [services.LineData(name="Консультация", quantity=Decimal(1), price=Decimal(5000))]
    services.invoice_create(deal=deal, by=manager_a, lines=lines)
    url = reverse("admin:deals_deal_delete", args=[deal.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not Invoice.objects.exists()

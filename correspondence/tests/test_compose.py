"""«Написать письмо» on the deal card: who may write, what a mistake looks like, and the card
staying flat in queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from correspondence.models import DealEmail
from crm.models import OutgoingEmail
from deals import services as deal_services


@pytest.fixture
def deal(deal_a):
    deal_services.contact_save(
        contact=Contact(name="Иван"), phones=[], emails=["ivan@client.test"], deal=deal_a
    )
    return deal_a


def test_a_letter_without_a_recipient_or_text_is_refused_with_the_input_kept(client_a, deal):
    url = reverse("mail:compose", args=[deal.pk])
    response = client_a.post(url, {"subject": "Смета готова", "body": "<p></p>"})
    assert response.status_code == 400
    assert "Выберите, кому отправить письмо." in response.text
    assert 'value="Смета готова"' in response.text
    response = client_a.post(
        url, {"recipients": ["ivan@client.test"], "subject": "Смета", "body": "<p> </p>"}
    )
    assert response.status_code == 400
    assert "Напишите текст письма." in response.text
    assert not DealEmail.objects.exists() and not OutgoingEmail.objects.exists()


def test_an_address_that_is_not_the_deals_contact_is_refused(client_a, deal):
    response = client_a.post(
        reverse("mail:compose", args=[deal.pk]),
        {"recipients": ["stranger@evil.test"], "subject": "x", "body": "<p>x</p>"},
    )
    assert response.status_code == 400
    assert not OutgoingEmail.objects.exists()


def test_a_deal_without_contact_e_mails_says_how_to_write(client_a, deal_a):
    response = client_a.get(reverse("mail:compose", args=[deal_a.pk]))
    assert response.status_code == 200
    assert "У контактов сделки нет e-mail" in response.text


def test_a_task_holder_reads_letters_but_may_not_write(client_b, deal, manager_a, manager_b):
    deal_services.task_create(
        deal=deal,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Позвонить",
        due_at=timezone.now() + timedelta(days=1),
    )
    card = client_b.get(deal.get_absolute_url())
    assert card.status_code == 200
    assert "Написать письмо" not in card.text
    response = client_b.post(
        reverse("mail:compose", args=[deal.pk]),
        {"recipients": ["ivan@client.test"], "subject": "x", "body": "<p>x</p>"},
    )
    assert response.status_code == 403
    assert not OutgoingEmail.objects.filter(template="deal_email").exists()
    assert not DealEmail.objects.exists()


def test_the_head_writes_on_any_deal(client, head, deal, django_capture_on_commit_callbacks):
    client.force_login(head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("mail:compose", args=[deal.pk]),
            {"recipients": ["ivan@client.test"], "subject": "Привет", "body": "<p>Текст</p>"},
        )
    assert response.status_code == 302
    sent = OutgoingEmail.objects.get()
    assert sent.recipient == "ivan@client.test" and sent.subject == "Привет"
    assert DealEmail.objects.get().author == head


def test_the_card_with_many_letters_runs_as_many_queries_as_with_one(
    client_a, deal, manager_a, django_assert_max_num_queries
):
    def letters(n):
        DealEmail.objects.bulk_create(
            DealEmail(
                deal=deal,
                direction="in",
                from_address="ivan@client.test",
                to="sales@crm.test",
                subject=f"Письмо {i}",
                message_id=f"<{i}.{n}@client.test>",
                author=manager_a if i % 2 else None,
            )
            for i in range(n)
        )

    letters(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client_a.get(deal.get_absolute_url()).status_code == 200
    letters(30)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client_a.get(deal.get_absolute_url())
    assert response.status_code == 200
    assert "Более ранние письма" in response.text


@pytest.fixture
def issued_invoice(deal, manager_a):
    from decimal import Decimal

    from billing import services as billing
    from billing.services import LineData, calculation_save
    from contacts.models import BankAccount, Client, Seller
    from contacts.services import seller_save

    deal.client = Client.objects.create(kind="legal", name="ООО «Ромашка»", created_by=manager_a)
    deal.save()
    seller_save(
        seller=Seller(
            kind="legal", name="ООО «Продавец»", inn="7712345671", kpp="771201001", is_active=True
        ),
        by=None,
        accounts=[
            BankAccount(
                bank_name="ПАО Сбербанк",
                bik="044525225",
                correspondent_account="30101810400000000225",
                settlement_account="40702810938000012345",
                is_default=True,
            )
        ],
    )
    calculation = calculation_save(
        deal=deal,
        by=manager_a,
        lines=[LineData(name="Разработка сайта", quantity=Decimal("1"), price=Decimal("1000"))],
        make_current=True,
    )
    draft = billing.invoice_create(deal=deal, by=manager_a, calculation=calculation)
    return billing.invoice_issue(invoice=draft, by=manager_a), draft


def test_the_pdf_of_an_issued_invoice_goes_with_the_letter_and_a_draft_is_not_offered(
    client_a, deal, issued_invoice, manager_a
):
    from billing import services as billing
    from billing.services import LineData, calculation_save
    from crm.models import OutgoingEmailAttachment
    from crm.testing import pdf_text

    invoice, _ = issued_invoice
    calculation = calculation_save(
        deal=deal,
        by=manager_a,
        lines=[LineData(name="Хостинг", quantity=1, price=500)],
        make_current=True,
    )
    draft = billing.invoice_create(deal=deal, by=manager_a, calculation=calculation)
    url = reverse("mail:compose", args=[deal.pk])
    page = client_a.get(url)
    assert f'value="invoice:{invoice.pk}"' in page.text
    assert f'value="invoice:{draft.pk}"' not in page.text

    response = client_a.post(
        url,
        {
            "recipients": ["ivan@client.test"],
            "subject": "Счёт на оплату",
            "body": "<p>Счёт во вложении.</p>",
            "attachments": [f"invoice:{invoice.pk}"],
        },
    )
    assert response.status_code == 302
    [attachment] = OutgoingEmailAttachment.objects.all()
    assert attachment.mimetype == "application/pdf"
    assert attachment.filename.endswith(".pdf")
    text = pdf_text(bytes(attachment.content), flat=True)
    assert "Разработка сайта" in text and "7712345671" in text
    letter = DealEmail.objects.get()
    assert letter.attachments[0]["name"] == attachment.filename


def test_attachments_over_the_limit_are_refused_with_the_size_named(client_a, deal, settings):
    settings.MAIL_MAX_SEND_MB = 1
    big = deal_services.deal_file_add(
        deal=deal, name="архив.zip", content=b"PK\x03\x04" + b"\x00" * (2 * 1024 * 1024)
    )
    response = client_a.post(
        reverse("mail:compose", args=[deal.pk]),
        {
            "recipients": ["ivan@client.test"],
            "subject": "Архив",
            "body": "<p>Архив</p>",
            "attachments": [f"file:{big.pk}"],
        },
    )
    assert response.status_code == 400
    assert "больше 1 МБ" in response.text
    assert 'value="Архив"' in response.text
    assert not DealEmail.objects.exists()
    assert not OutgoingEmail.objects.filter(template="deal_email").exists()


def test_the_card_says_whether_a_letter_went_out(
    client_a, deal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(
            reverse("mail:compose", args=[deal.pk]),
            {"recipients": ["ivan@client.test"], "subject": "Смета", "body": "<p>Смета</p>"},
        )
    letter = DealEmail.objects.get()
    row = OutgoingEmail.objects.get(template="deal_email")
    card = client_a.get(deal.get_absolute_url())
    assert card.status_code == 200
    assert "Отправлено" in card.text or "Ждёт отправки" in card.text
    row.status, row.last_error = "failed", "SMTPRecipientsRefused: 550 no such user"
    row.save()
    card = client_a.get(deal.get_absolute_url())
    assert "Не отправлено: SMTPRecipientsRefused: 550 no such user" in card.text
    page = client_a.get(reverse("mail:detail", args=[deal.pk, letter.pk]))
    assert "Не отправлено" in page.text

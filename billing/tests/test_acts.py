"""Acts («акт выполненных работ (оказанных услуг)»): made from an issued invoice, numbered
only when fixed (per year of their date), sent by link, signed by the client online (name,
consent, time, IP, browser, SHA-256 of the exact PDF) or marked signed on paper; either way
the invoice is handed over and an online prepayment gets its closing receipt. A numbered act
is annulled, never deleted."""

import datetime
import hashlib
import html
import json
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import services, tax
from billing.models import Act, FiscalReceipt, Invoice
from billing.money import TaxRegime
from billing.words import amount_in_words_capitalized
from crm.models import OutgoingEmail
from crm.testing import pdf_text
from deals.models import DealEvent

from .test_receipts import (  # noqa: F401 (fixtures)
    pay_online,
    person_invoice,
    receipt_posts,
    receipts_on,
)

NAME = "Петров Сергей Николаевич"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
STATEMENT = (
    "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объему, "
    "качеству и срокам оказания услуг не имеет."
)


def act_url(act, action=""):
    name = f"billing:act_{action}" if action else "billing:act_detail"
    return reverse(name, args=[act.deal_id, act.pk])


def create_url(invoice):
    return reverse("billing:act_create_from_invoice", args=[invoice.deal_id, invoice.pk])


def create_act(client, invoice) -> Act:
    response = client.post(create_url(invoice))
    assert response.status_code == 302, response
    return Act.objects.filter(invoices=invoice).latest("pk")


def accept(anon, act, **data):
    return anon.post(
        reverse("billing:act_public_accept", args=[act.token]),
        data,
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="203.0.113.7",
    )


@pytest.fixture
def fixed(client_a, django_capture_on_commit_callbacks):
    """Fix an act as the manager does, its PDF rendered by the (in-process) task."""

    def fix(act):
        with django_capture_on_commit_callbacks(execute=True):
            client_a.post(act_url(act, "fix"))
        act.refresh_from_db()
        return act

    return fix


@pytest.fixture
def act(client_a, invoice):
    return create_act(client_a, invoice)


def flat(text: str) -> str:
    """Spaces collapsed, no-break ones included, as text_of() and pdf_text(flat=True) read."""
    return " ".join(text.split())


def text_of(response) -> str:
    """The page's text as a person reads it: tags gone, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# Creating ----------------------------------------------------------------------------------


def test_an_act_from_a_paid_invoice_copies_its_lines_vat_and_both_parties(
    client_a, invoice, manager_a
):
    services.payment_record(
        invoice=invoice,
        amount=invoice.total,
        paid_on=timezone.localdate(),
        method="transfer",
        by=manager_a,
    )
    page = client_a.get(invoice.get_absolute_url()).content.decode()
    assert "Создать акт" in page
    response = client_a.post(create_url(invoice), follow=True)
    act = Act.objects.get()
    assert act.is_draft and act.number is None
    assert list(act.invoices.all()) == [invoice]
    assert [(line.name, line.total) for line in act.line_list] == [
        (line.name, line.total) for line in invoice.line_list
    ]
    assert (act.total, act.total_vat, act.vat_mode) == (
        invoice.total,
        invoice.total_vat,
        invoice.vat_mode,
    )
    page = text_of(response)
    assert "Черновик акта от" in page
    assert "Акт выполненных работ (оказанных услуг) от" in page
    assert "Исполнитель:" in page and "ООО «Пиксель», ИНН 7712345671" in page
    assert "Заказчик:" in page and "ООО «Ромашка», ИНН 5003123458" in page
    assert flat(f"Основание: {invoice.title}") in page
    assert "Разработка сайта" in page and "Дизайн страницы" in page
    assert "В том числе НДС (22 %): 22 090,17" in page
    assert "Всего: 122 500,00" in page
    assert "Сто двадцать две тысячи пятьсот рублей 00 копеек" in page
    assert STATEMENT in page
    assert "Генеральный директор _______________ / Волков Д. А. /" in page
    assert "Генеральный директор _______________ / Петров С. Н. /" in page
    assert DealEvent.objects.filter(
        deal=invoice.deal, kind="act.created", text__contains=f"по счёту № {invoice.number}"
    ).exists()


def test_a_draft_or_cancelled_invoice_gets_no_act(client_a, make_invoice, manager_a):
    draft = make_invoice(issue=False)
    assert "Создать акт" not in client_a.get(draft.get_absolute_url()).content.decode()
    response = client_a.post(create_url(draft), follow=True)
    assert "Акт составляется по выставленному или оплаченному счёту" in text_of(response)
    cancelled = services.invoice_annul(
        invoice=make_invoice(), by=manager_a, reason="Ошибка в сумме"
    )
    client_a.post(create_url(cancelled))
    assert not Act.objects.exists()


def test_an_invoice_has_one_standing_act(client_a, invoice, act, fixed):
    response = client_a.post(create_url(invoice), follow=True)
    assert "По счёту уже есть черновик акта" in text_of(response)
    assert "Создать акт</button>" not in client_a.get(invoice.get_absolute_url()).text
    act = fixed(act)
    client_a.post(act_url(act, "annul"), {"reason": "Не тот период"})
    assert "Создать акт</button>" in client_a.get(invoice.get_absolute_url()).text
    create_act(client_a, invoice)
    assert Act.objects.count() == 2


def test_the_vat_wording_follows_the_sellers_regime(client_a, seller, make_invoice):
    tax.seller_tax_save(seller=seller, regime=TaxRegime.USN, by=None)
    invoice = make_invoice(
        lines=[services.LineData(name="Настройка", quantity=D("1"), price=D("15000"))]
    )
    act = create_act(client_a, invoice)
    page = text_of(client_a.get(act_url(act)))
    assert "Без налога (НДС): —" in page
    assert "В том числе НДС" not in page
    assert invoice.vat_note and flat(f"{invoice.vat_note}.") in page


# The period and the draft -------------------------------------------------------------------


def test_the_manager_sets_the_period_of_services(client_a, act):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=30)
    response = client_a.post(
        act_url(act, "edit"),
        {
            "date": today.isoformat(),
            "period_start": start.isoformat(),
            "period_end": today.isoformat(),
            "basis": "Договор № 15 от 5 марта 2026 г.",
        },
        follow=True,
    )
    page = text_of(response)
    assert "Черновик акта сохранён." in page
    assert "Основание: Договор № 15 от 5 марта 2026 г." in page
    act.refresh_from_db()
    assert act.period_label.startswith("Период оказания услуг: с ")
    assert flat(act.period_label) in page


@pytest.mark.parametrize(
    ("days_start", "days_end", "message"),
    [
        (-1, -5, "Начало периода позже его конца."),
        (None, 3, "Услуги не могут быть оказаны позже даты акта"),
    ],
)
def test_a_period_that_makes_no_sense_is_refused_in_russian(
    client_a, act, days_start, days_end, message
):
    today = timezone.localdate()

    def day(offset):
        return "" if offset is None else (today + datetime.timedelta(days=offset)).isoformat()

    response = client_a.post(
        act_url(act, "edit"),
        {"date": today.isoformat(), "period_start": day(days_start), "period_end": day(days_end)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'value="{day(days_end)}"' in response.content.decode()


# Numbering and annulment -----------------------------------------------------------------


def test_an_act_is_numbered_when_fixed_from_the_counter_of_the_year_of_its_date(
    client_a, make_invoice, fixed
):
    today = timezone.localdate()
    last_year = datetime.date(today.year - 1, 12, 30)
    first = create_act(client_a, make_invoice())
    client_a.post(act_url(first, "delete"))  # a deleted draft takes no number
    second = create_act(client_a, make_invoice())
    third = create_act(client_a, make_invoice())
    client_a.post(
        act_url(third, "edit"),
        {"date": last_year.isoformat(), "period_end": last_year.isoformat()},
    )
    assert (second.number, third.number) == (None, None)
    second, third = fixed(second), fixed(third)
    assert (second.year, second.number) == (today.year, 1)
    assert (third.year, third.number) == (last_year.year, 1)
    assert second.title.startswith("Акт № 1 от ") and third.title.startswith("Акт № 1 от ")
    assert not Act.objects.filter(pk=first.pk).exists()
    assert DealEvent.objects.filter(kind="act.fixed").count() == 2


def test_a_numbered_act_is_annulled_never_deleted(client_a, anon, act, fixed):
    act = fixed(act)
    response = client_a.post(act_url(act, "delete"), follow=True)
    assert "Акт с номером не удаляется: его можно только аннулировать." in text_of(response)
    response = client_a.post(act_url(act, "annul"), {"reason": "Ошибка в периоде"}, follow=True)
    assert flat(f"{act.title} аннулирован") in text_of(response)
    act.refresh_from_db()
    assert act.status == Act.Status.ANNULLED and act.number == 1
    assert act.annul_reason == "Ошибка в периоде"
    assert DealEvent.objects.filter(kind="act.annulled", text__contains="Ошибка").exists()
    page = text_of(anon.get(act.public_path()))
    assert "Акт аннулирован" in page and "Подписать акт</button>" not in page
    accept(anon, act, full_name=NAME, consent="on")
    act.refresh_from_db()
    assert act.status == Act.Status.ANNULLED


# Sending -----------------------------------------------------------------------------------


def test_sending_fixes_the_act_and_emails_its_link_with_the_pdf(
    client_a, anon, act, contact_email, django_capture_on_commit_callbacks
):
    assert anon.get(act.public_path()).status_code == 404  # a draft is for staff only
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(act_url(act, "send"), {"to": contact_email, "nonce": "n1"})
    act.refresh_from_db()
    assert act.status == Act.Status.SENT and act.number == 1
    email = OutgoingEmail.objects.get(template="client_link", recipient=contact_email)
    assert act.public_url() in email.body_text
    assert DealEvent.objects.filter(kind="act.sent", text__contains=contact_email).exists()
    # Sent again: the PDF is ready now and goes with the e-mail.
    client_a.post(act_url(act, "send"), {"to": contact_email, "nonce": "n2"})
    again = OutgoingEmail.objects.filter(template="client_link").latest("pk")
    assert again.attachments.get().filename == f"Акт № 1 от {act.date:%d.%m.%Y}.pdf"


def test_a_revoked_link_is_dead_and_a_new_one_works(client_a, anon, act, fixed):
    act = fixed(act)
    old = act.public_path()
    assert anon.get(old).status_code == 200
    client_a.post(act_url(act, "revoke"))
    assert anon.get(old).status_code == 404
    assert anon.get(reverse("billing:act_public", args=["x" * 43])).status_code == 404
    client_a.post(act_url(act, "new_link"))
    act.refresh_from_db()
    assert anon.get(old).status_code == 404
    assert anon.get(act.public_path()).status_code == 200


# Signed by the client ------------------------------------------------------------------------


def test_the_client_signs_the_act_and_the_pdf_hash_is_recorded(
    client_a, anon, act, fixed, invoice, manager_a, django_capture_on_commit_callbacks
):
    act = fixed(act)
    original_hash = act.pdf_sha256
    page = text_of(anon.get(act.public_path()))
    assert "Подписать акт" in page and "Скачать PDF" in page and STATEMENT in page
    with django_capture_on_commit_callbacks(execute=True):
        response = accept(anon, act, full_name=f"  {NAME} ", consent="on")
    assert response.status_code == 302
    act.refresh_from_db()
    assert act.status == Act.Status.ACCEPTED
    assert (act.accepted_name, act.accepted_ip, act.accepted_user_agent) == (
        NAME,
        "203.0.113.7",
        BROWSER,
    )
    # The hash of the very PDF the client was offered, and a copy of it kept.
    assert act.accepted_pdf_sha256 == original_hash
    with act.accepted_pdf.open("rb") as file:
        original = file.read()
    assert hashlib.sha256(original).hexdigest() == original_hash
    # The stored PDF is now the act with the signature stamped at its end.
    with act.pdf.open("rb") as file:
        stamped = file.read()
    assert act.pdf_sha256 == hashlib.sha256(stamped).hexdigest() != original_hash
    stamped_text = pdf_text(stamped, flat=True)
    assert "Акт подписан заказчиком онлайн" in stamped_text
    assert NAME in stamped_text and "203.0.113.7" in stamped_text
    assert "Акт подписан заказчиком онлайн" not in pdf_text(original, flat=True)
    # The invoice is handed over; the manager is told once; the card shows the status.
    invoice.refresh_from_db()
    assert invoice.is_delivered
    email = OutgoingEmail.objects.get(template="act_accepted")
    assert email.recipient == manager_a.email
    assert NAME in email.body_text and original_hash in email.body_text
    assert email.subject.startswith(f"Клиент подписал акт № {act.number}")
    assert DealEvent.objects.filter(kind="act.accepted", text__contains=NAME).exists()
    card = client_a.get(act.deal.get_absolute_url()).content.decode()
    assert "Подписан клиентом" in card and f'id="act-{act.pk}"' in card
    detail = client_a.get(act_url(act)).content.decode()
    assert original_hash in detail and BROWSER in detail
    assert client_a.get(act_url(act, "pdf") + "?original=1").getvalue() == original
    signed_page = text_of(anon.get(act.public_path()))
    assert "Вы подписали акт" in signed_page and "Подписать акт</button>" not in signed_page


def test_the_client_signature_sends_the_closing_receipt_of_an_online_prepayment(
    client_a,
    anon,
    person_invoice,  # noqa: F811
    receipts_on,  # noqa: F811
    fixed,
    django_capture_on_commit_callbacks,
):
    payment = pay_online(anon, person_invoice, receipts_on)
    act = fixed(create_act(client_a, person_invoice))
    assert receipt_posts(receipts_on) == []
    with django_capture_on_commit_callbacks(execute=True):
        accept(anon, act, full_name="Кузьмин Андрей Павлович", consent="on")
    receipt = FiscalReceipt.objects.get(invoice=person_invoice)
    assert receipt.kind == FiscalReceipt.Kind.CLOSING and list(receipt.payments.all()) == [payment]
    [post] = receipt_posts(receipts_on)
    assert json.loads(post.content)["settlements"][0]["type"] == "prepayment"


def test_a_pdf_not_rendered_yet_is_rendered_for_the_signature(anon, act, manager_a):
    act = services.act_fix(act=act, by=manager_a)  # the worker has not run
    assert not act.pdf_ready
    accept(anon, act, full_name=NAME, consent="on")
    act.refresh_from_db()
    assert act.accepted_pdf
    with act.pdf.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == act.accepted_pdf_sha256


def test_it_is_signed_once_and_only_by_the_client(client_a, anon, act, fixed):
    act = fixed(act)
    response = client_a.post(
        reverse("billing:act_public_accept", args=[act.token]),
        {"full_name": NAME, "consent": "on"},
        follow=True,
    )
    assert "подписать акт может только клиент" in text_of(response)
    accept(anon, act, full_name=NAME, consent="on")
    accept(anon, act, full_name="Иванов Иван Иванович", consent="on")
    act.refresh_from_db()
    assert act.accepted_name == NAME
    assert OutgoingEmail.objects.filter(template="act_accepted").count() == 1
    assert DealEvent.objects.filter(kind="act.accepted").count() == 1


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Введите фамилию, имя и отчество.", "Подтвердите, что услуги оказаны"]),
        ({"full_name": NAME}, ["Подтвердите, что услуги оказаны и претензий нет."]),
        ({"full_name": "Петров", "consent": "on"}, ["Введите фамилию и имя полностью"]),
        ({"full_name": "Петров 123", "consent": "on"}, ["В ФИО не бывает цифр"]),
    ],
)
def test_signature_errors_are_in_russian_next_to_the_fields_with_the_input_kept(
    anon, act, fixed, data, messages
):
    act = fixed(act)
    response = accept(anon, act, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Акт не подписан: проверьте отмеченное ниже." in page
    for message in messages:
        assert message in page
    if data.get("full_name"):
        assert f'value="{data["full_name"]}"' in page
    act.refresh_from_db()
    assert act.status == Act.Status.SENT and not act.accepted_pdf_sha256


# Signed on paper -----------------------------------------------------------------------------


def test_the_manager_marks_the_act_signed_on_paper(client_a, anon, act, fixed, invoice, manager_a):
    act = fixed(act)
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    response = client_a.post(act_url(act, "sign"), {"signed_on": tomorrow.isoformat()}, follow=True)
    assert "Дата подписания не может быть в будущем." in text_of(response)
    response = client_a.post(act_url(act, "sign"), {"signed_on": today.isoformat()}, follow=True)
    assert "отмечен подписанным на бумаге" in text_of(response)
    act.refresh_from_db()
    assert act.status == Act.Status.SIGNED
    assert (act.signed_on, act.signed_marked_by) == (today, manager_a)
    invoice.refresh_from_db()
    assert invoice.is_delivered
    assert DealEvent.objects.filter(kind="act.signed", actor=manager_a).exists()
    assert "Подписан на бумаге" in client_a.get(act.deal.get_absolute_url()).content.decode()
    page = text_of(anon.get(act.public_path()))
    assert "Акт подписан на бумаге" in page and "Подписать акт</button>" not in page


def test_a_draft_is_fixed_before_it_is_signed_on_paper(client_a, act):
    today = timezone.localdate().isoformat()
    response = client_a.post(act_url(act, "sign"), {"signed_on": today}, follow=True)
    assert "Сначала зафиксируйте акт" in text_of(response)
    act.refresh_from_db()
    assert act.is_draft


def test_only_the_head_annuls_a_signed_act(client_a, client_head, act, fixed):
    act = fixed(act)
    client_a.post(act_url(act, "sign"), {"signed_on": timezone.localdate().isoformat()})
    assert "Аннулировать акт" not in client_a.get(act_url(act)).content.decode()
    assert client_a.post(act_url(act, "annul"), {"reason": "Ошибка"}).status_code == 403
    act.refresh_from_db()
    assert act.status == Act.Status.SIGNED
    client_head.post(act_url(act, "annul"), {"reason": "Ошибка"})
    act.refresh_from_db()
    assert act.status == Act.Status.ANNULLED


# The PDF -----------------------------------------------------------------------------------


def test_the_pdf_is_the_act_as_the_client_sees_it(client_a, act, fixed):
    draft = pdf_text(client_a.get(act_url(act, "pdf")).getvalue(), flat=True)
    assert "Черновик: акт ещё не зафиксирован" in draft
    act = fixed(act)
    with act.pdf.open("rb") as file:
        text = pdf_text(file.read(), flat=True)
    assert f"Акт выполненных работ (оказанных услуг) № {act.number} от" in text
    assert "Исполнитель:" in text and "Заказчик:" in text
    assert "Разработка сайта" in text
    assert flat(amount_in_words_capitalized(act.total)) in text
    assert "претензий по объему, качеству и срокам оказания услуг не имеет" in text
    assert "Волков Д. А." in text and "Петров С. Н." in text
    assert "Черновик" not in text


def test_the_client_downloads_the_pdf_by_the_link(anon, act, fixed):
    act = fixed(act)
    response = anon.get(reverse("billing:act_public_pdf", args=[act.token]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "Дата оказания услуг" in pdf_text(response.getvalue(), flat=True)


# The deal card and access ------------------------------------------------------------------


def test_the_deal_card_lists_acts_with_their_status_in_a_fixed_number_of_queries(
    client_a, anon, make_invoice, fixed, django_assert_max_num_queries
):
    first = fixed(create_act(client_a, make_invoice()))
    deal = first.deal
    with CaptureQueriesContext(connection) as few:
        client_a.get(deal.get_absolute_url())
    one_act = len(few)  # counted now: the next request empties the log
    create_act(client_a, make_invoice())
    fixed(create_act(client_a, make_invoice()))
    accept(anon, first, full_name=NAME, consent="on")
    with django_assert_max_num_queries(one_act):
        card = client_a.get(deal.get_absolute_url()).content.decode()
    for status in ("Подписан клиентом", "Черновик", "Отправлен"):
        assert f"data-act-status>{status}</span>" in card


def test_another_manager_gets_404_on_every_act_url(client_b, anon, act, fixed, invoice):
    urls = [create_url(invoice)] + [
        act_url(act, action)
        for action in ("", "edit", "fix", "send", "revoke", "new_link", "sign", "annul", "pdf")
    ]
    for url in urls + [act_url(act, "delete")]:
        assert client_b.get(url).status_code in (404, 405), url
        data = {"reason": "x", "signed_on": "2026-01-01", "to": "x@example.ru"}
        assert client_b.post(url, data).status_code in (404, 405), url
    act.refresh_from_db()
    assert act.is_draft and Act.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).delivered_at is None


def test_typed_html_is_text_on_the_act_pages_and_in_the_email(
    client_a, anon, make_invoice, fixed, django_capture_on_commit_callbacks
):
    evil = '<script>alert("x")</script><b>жирный</b>'
    invoice = make_invoice(lines=[services.LineData(name=evil, quantity=D("1"), price=D("1000"))])
    act = fixed(create_act(client_a, invoice))
    page = anon.get(act.public_path()).content.decode()
    assert evil not in page and "&lt;script&gt;" in page
    with django_capture_on_commit_callbacks(execute=True):
        accept(anon, act, full_name="<b>Петров</b> Сергей", consent="on")
    detail = client_a.get(act_url(act)).content.decode()
    assert "<b>Петров</b>" not in detail and "&lt;b&gt;Петров&lt;/b&gt; Сергей" in detail
    email = OutgoingEmail.objects.get(template="act_accepted")
    assert "<b>Петров</b>" not in email.body_html

"""Invoices: creating them on the deal card, the «Счёт на оплату» page and PDF, the
statuses, the list, and the link sent to the client."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from billing import services, tax
from billing.models import Calculation, Invoice
from billing.services import LineData
from crm.pdf import render_pdf
from crm.testing import pdf_text
from deals.models import DealEvent

from .utils import calc_post


def plain(text: str) -> str:
    """Text as a person reads it: no tags, one space between words."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&nbsp;", " ").replace("\xa0", " ").replace("&laquo;", "«")
    text = text.replace("&raquo;", "»").replace("&quot;", '"').replace("&#x27;", "'")
    return " ".join(text.split())


def invoice_url(name, invoice, **extra):
    return reverse(f"billing:{name}", args=[invoice.deal_id, invoice.pk, *extra.values()])


# Creating -------------------------------------------------------------------------------


def test_it_creates_a_draft_from_the_current_calculation_and_freezes_it(client_a, invoice_deal):
    calc = Calculation.objects.current_for(invoice_deal)
    url = reverse("billing:invoice_create", args=[invoice_deal.pk])
    page = client_a.get(url)
    assert page.status_code == 200
    assert "Разработка сайта" in page.text and "122 500,00".replace(" ", "\xa0") in page.text

    today = timezone.localdate()
    response = client_a.post(
        url,
        {
            "source": "calculation",
            "calculation": calc.pk,
            "date": today.isoformat(),
            "due_date": (today + datetime.timedelta(days=5)).isoformat(),
            "basis": "Договор № 15 от 5 марта 2026 г.",
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == invoice.get_absolute_url()
    assert invoice.status == Invoice.Status.DRAFT
    assert (invoice.year, invoice.number, invoice.date) == (None, None, today)
    assert invoice.total == Decimal("122500.00")
    # VAT per line, then added: 18 032,79 + 4 057,38
    assert invoice.total_vat == Decimal("22090.17")
    assert [line.name for line in invoice.line_list] == ["Разработка сайта", "Дизайн страницы"]
    assert invoice.basis == "Договор № 15 от 5 марта 2026 г."
    calc.refresh_from_db()
    assert calc.is_frozen
    assert DealEvent.objects.filter(deal=invoice_deal, kind="invoice.created").exists()


def test_the_default_due_date_comes_from_the_setting(
    client_a, invoice_deal, settings, make_invoice
):
    settings.INVOICE_DUE_DAYS = 10
    page = client_a.get(reverse("billing:invoice_create", args=[invoice_deal.pk]))
    assert "Пусто — через 10 дн. после даты счёта." in page.text
    invoice = make_invoice()
    assert invoice.due_date == timezone.localdate() + datetime.timedelta(days=10)


def manual_post(lines, **extra):
    data = calc_post(lines, make_current=False)
    data.pop("title"), data.pop("discount"), data.pop("discount_kind")
    today = timezone.localdate()
    return {
        "source": "manual",
        "date": today.isoformat(),
        "due_date": (today + datetime.timedelta(days=5)).isoformat(),
        "basis": "",
        **data,
        **extra,
    }


def test_it_creates_an_invoice_from_lines_typed_by_hand(client_a, invoice_deal):
    url = reverse("billing:invoice_create", args=[invoice_deal.pk]) + "?manual=1"
    assert 'name="lines-0-name"' in client_a.get(url).text
    response = client_a.post(
        url,
        manual_post(
            [
                {"name": "Хостинг", "quantity": "12", "unit_code": "362", "price": "990"},
                {"name": "Домен", "quantity": "1", "price": "890", "discount": "10"},
            ]
        ),
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.calculation is None
    assert [(line.name, line.unit, line.amount) for line in invoice.line_list] == [
        ("Хостинг", "мес", Decimal("11880.00")),
        ("Домен", "шт", Decimal("801.00")),
    ]
    assert invoice.line_list[1].discount == Decimal("89.00")
    assert invoice.total == Decimal("12681.00")


def test_a_bad_line_is_answered_in_russian_and_nothing_is_saved(client_a, invoice_deal):
    url = reverse("billing:invoice_create", args=[invoice_deal.pk]) + "?manual=1"
    response = client_a.post(
        url, manual_post([{"name": "Хостинг", "quantity": "-1", "price": "абв"}], basis="Мой")
    )
    assert response.status_code == 400
    assert "Количество не может быть отрицательным." in response.text
    assert "Введите цену цифрами" in response.text
    assert 'value="Хостинг"' in response.text and 'value="Мой"' in response.text
    assert not Invoice.objects.exists()

    response = client_a.post(url, manual_post([], due_date="2000-01-01"))
    assert response.status_code == 400
    assert "Срок оплаты не может быть раньше даты счёта." in response.text
    assert "Добавьте в расчёт хотя бы одну строку." in response.text
    assert not Invoice.objects.exists()


def test_numbers_run_per_year_without_gaps(make_invoice, invoice_deal, frozen_clock):
    frozen_clock.set("2026-03-05 12:00")
    first = make_invoice()
    second = make_invoice()
    old = make_invoice(date=datetime.date(2025, 12, 30))
    assert (first.number, second.number) == (1, 2)
    assert (old.year, old.number) == (2025, 1)
    services.invoice_annul(invoice=second, by=invoice_deal.manager, reason="Ошибка")
    assert make_invoice().number == 3  # an annulled number is not given again


def test_a_draft_can_be_edited_also_into_another_year(client_a, make_invoice, frozen_clock):
    frozen_clock.set("2026-12-20 12:00")
    invoice = make_invoice(issue=False)
    url = invoice_url("invoice_edit", invoice)
    page = client_a.get(url)
    assert 'value="Разработка сайта"' in page.text
    data = manual_post(
        [{"name": "Разработка сайта", "quantity": "1", "price": "90000", "unit_code": "876"}],
        basis="Договор № 7",
    )
    assert client_a.post(url, data).status_code == 302
    invoice.refresh_from_db()
    assert invoice.total == Decimal("90000.00") and invoice.basis == "Договор № 7"

    data["date"], data["due_date"] = "2027-01-10", "2027-01-15"
    assert client_a.post(url, data).status_code == 302
    invoice = services.invoice_issue(invoice=invoice, by=invoice.deal.manager)
    assert invoice.title == "Счёт № 1 от 10\u00a0января\u00a02027\u00a0г."


def test_issued_invoices_do_not_change(client_a, invoice):
    response = client_a.get(invoice_url("invoice_edit", invoice))
    assert response.status_code == 302
    with pytest.raises(Exception, match="не меняется"):
        services.invoice_update(
            invoice=invoice,
            by=None,
            lines=[LineData(name="x", quantity=Decimal(1), price=Decimal(1))],
            date=invoice.date,
            due_date=invoice.due_date,
        )


def test_issuing_needs_the_seller_and_the_buyer(client_a, deal_a, make_invoice):
    # deal_a has neither a client nor a seller set up
    invoice = make_invoice(
        deal=deal_a,
        issue=False,
        lines=[LineData(name="Консультация", quantity=Decimal(1), price=Decimal(5000))],
    )
    deal_a.client = None
    deal_a.save()
    from contacts.models import Seller

    Seller.objects.all().delete()
    response = client_a.post(invoice_url("invoice_issue", invoice), follow=True)
    assert "Счёт не выставлен." in response.text
    assert "реквизиты компании-продавца" in response.text
    assert "Укажите клиента сделки" in response.text
    invoice.refresh_from_db()
    assert invoice.is_draft


def test_issuing_copies_the_requisites_as_they_are_then(
    client_a, make_invoice, seller, buyer, django_capture_on_commit_callbacks
):
    invoice = make_invoice(issue=False)
    buyer.legal_address = "Новый адрес"
    buyer.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(invoice_url("invoice_issue", invoice))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT and invoice.issued_at
    assert invoice.buyer_data["address"] == "Новый адрес"
    assert invoice.pdf_ready  # rendered by the task once the issue committed
    buyer.legal_address = "Ещё новее"
    buyer.save()
    invoice.refresh_from_db()
    assert "Новый адрес" in invoice.buyer_line


# The document: page and PDF ----------------------------------------------------------


def document(invoice) -> str:
    return render_to_string("billing/includes/_invoice_document.html", {"invoice": invoice})


def test_dates_amounts_and_units_of_the_invoice_never_break_across_lines(invoice):
    html = document(invoice)
    assert f"от {invoice.date.day}\xa0" in invoice.heading
    assert invoice.heading.endswith(f"\xa0{invoice.date.year}\xa0г.")
    assert invoice.lines_summary.endswith("на сумму 122\xa0500,00\xa0руб.")
    assert invoice.total_in_words.endswith("рублей 00\xa0копеек")
    assert '<td class="inv-unit">усл.\xa0ед</td>' in html


def test_the_page_has_the_russian_invoice_layout(anon, invoice):
    response = anon.get(invoice.public_path())
    assert response.status_code == 200
    text = plain(response.text)
    year = invoice.date.year
    assert f"Счёт на оплату № 1 от {invoice.date.day}" in text and f"{year} г." in text
    # The bank block
    assert "ПАО Сбербанк, г. Москва Банк получателя" in text
    assert "БИК 044525225" in text
    assert "Сч. № 30101810400000000225" in text
    assert "ИНН 7712345671 КПП 771201001 Сч. № 40702810938000012345" in text
    assert "ООО «Пиксель» Получатель" in text
    # The parties with their ИНН
    assert (
        "Поставщик (Исполнитель): ООО «Пиксель», ИНН 7712345671, КПП 771201001, 125009, "
        "г. Москва, ул. Тверская, д. 7, офис 12, тел.: +7 495 123-45-67" in text
    )
    assert "Покупатель (Заказчик): ООО «Ромашка», ИНН 5003123458, КПП 500301001" in text
    # The lines and totals
    assert "№ Товары (работы, услуги) Кол-во Ед. Цена Сумма" in text
    assert "1 Разработка сайта 1 усл. ед 100 000,00 100 000,00" in text
    assert "2 Дизайн страницы 3 шт 7 500,00 22 500,00" in text
    assert "Итого: 122 500,00" in text
    assert "В том числе НДС (22 %): 22 090,17" in text
    assert "Всего к оплате: 122 500,00" in text
    assert "Всего наименований 2, на сумму 122 500,00 руб." in text
    assert "Сто двадцать две тысячи пятьсот рублей 00 копеек" in text
    assert "Руководитель Волков Д. А." in text
    assert "Главный бухгалтер Орлова Е. В." in text


@pytest.mark.parametrize(
    ("regime", "mode", "vat_text", "total"),
    [
        ("osn", "included", "Итого: 122 500,00 В том числе НДС (22 %): 22 090,17", "122 500,00"),
        ("osn", "on_top", "Итого: 122 500,00 НДС (22 %): 26 950,00", "149 450,00"),
        (
            "usn",
            "none",
            "Итого: 122 500,00 Без налога (НДС): — Всего к оплате: 122 500,00 НДС не облагается "
            "в связи с применением упрощённой системы налогообложения (освобождение по п. 1 "
            "ст. 145 НК РФ).",
            "122 500,00",
        ),
    ],
)
def test_the_vat_line_follows_the_sellers_tax_mode(
    invoice_deal, make_invoice, seller, regime, mode, vat_text, total
):
    tax.seller_tax_save(seller=seller, regime=regime, vat_mode=mode, by=None)
    lines = [
        LineData(name="Разработка сайта", quantity=Decimal(1), price=Decimal(100000)),
        LineData(name="Дизайн страницы", quantity=Decimal(3), price=Decimal(7500)),
    ]
    invoice = make_invoice(lines=lines)
    text = plain(document(invoice))
    assert vat_text in text
    assert f"Всего к оплате: {total}" in text
    assert f"на сумму {total} руб." in text


def test_an_individual_buyer_shows_name_and_address(make_invoice, invoice_deal, person_buyer):
    invoice_deal.client = person_buyer
    invoice_deal.save()
    invoice = make_invoice()
    text = plain(document(invoice))
    assert (
        "Покупатель (Заказчик): Кузьмин Андрей Павлович, 129226, г. Москва, "
        "ул. Сельскохозяйственная, д. 3, кв. 15" in text
    )
    assert "Кузьмин Андрей Павлович, ИНН" not in text


def test_an_entrepreneur_seller_signs_alone(make_invoice, seller):
    seller.kind = "entrepreneur"
    seller.person_name = "Соколова Марина Викторовна"
    seller.inn = "771234567859"
    seller.ogrnip = "318774600123452"
    seller.registration_address = "117335, г. Москва, ул. Гарибальди, д. 21"
    seller.normalize()
    seller.save()
    text = plain(document(make_invoice()))
    assert "Индивидуальный предприниматель Соколова М. В." in text
    assert "Руководитель" not in text and "Главный бухгалтер" not in text
    assert (
        "Поставщик (Исполнитель): ИП Соколова Марина Викторовна, ИНН 771234567859, 117335" in text
    )


def test_discounts_get_their_own_column_and_the_lines_add_up(make_invoice):
    lines = [
        LineData(name="Сайт", quantity=Decimal(1), price=Decimal(100000), discount=Decimal(10)),
        LineData(name="Поддержка", quantity=Decimal("7.5"), price=Decimal(2000)),
    ]
    invoice = make_invoice(lines=lines)
    text = plain(document(invoice))
    assert "Цена Скидка Сумма" in text
    assert "1 Сайт 1 шт 100 000,00 10 000,00 90 000,00" in text
    assert "Итого: 105 000,00" in text
    assert sum(line.amount for line in invoice.line_list) == invoice.total


def test_staff_typed_text_is_escaped(make_invoice):
    invoice = make_invoice(
        lines=[LineData(name="<script>alert(1)</script>", quantity=Decimal(1), price=Decimal(10))],
        basis="<b>Договор</b>",
    )
    html = document(invoice)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Договор&lt;/b&gt;" in html


def test_the_pdf_says_what_the_page_says(invoice):
    text = pdf_text(render_pdf(invoice.pdf_html()), flat=True)
    for expected in [
        "Банк получателя",
        "БИК",
        "044525225",
        "30101810400000000225",
        "40702810938000012345",
        "Получатель",
        "ИНН 7712345671",
        "ИНН 5003123458",
        f"Счёт на оплату № {invoice.number} от",
        "В том числе НДС (22 %):",
        "22 090,17",
        "Всего к оплате:",
        "Всего наименований 2, на сумму 122 500,00 руб.",
        "Сто двадцать две тысячи пятьсот рублей 00 копеек",
        "Руководитель",
        "Волков Д. А.",
        "Страница 1 из 1",
    ]:
        assert expected in text, expected


@pytest.mark.parametrize(
    ("regime", "mode", "expected"),
    [
        ("osn", "on_top", ["НДС (22 %):", "26 950,00", "149 450,00"]),
        ("psn", "none", ["Без налога (НДС)", "патентной системы налогообложения"]),
    ],
)
def test_the_pdf_vat_line_for_each_mode(make_invoice, seller, regime, mode, expected):
    tax.seller_tax_save(seller=seller, regime=regime, vat_mode=mode, by=None)
    lines = [
        LineData(name="Разработка сайта", quantity=Decimal(1), price=Decimal(100000)),
        LineData(name="Дизайн страницы", quantity=Decimal(3), price=Decimal(7500)),
    ]
    text = pdf_text(render_pdf(make_invoice(lines=lines).pdf_html()), flat=True)
    for piece in expected:
        assert piece in text, piece
    assert "В том числе НДС" not in text


def test_client_and_staff_download_the_stored_pdf(
    anon, client_a, make_invoice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice()
    invoice.refresh_from_db()
    assert invoice.pdf_ready
    for client, url in [
        (anon, reverse("billing:invoice_public_pdf", args=[invoice.token])),
        (client_a, invoice_url("invoice_pdf", invoice)),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.getvalue().startswith(b"%PDF")


def test_a_pdf_not_rendered_yet_is_prepared_on_request(
    anon, invoice, django_capture_on_commit_callbacks
):
    assert not invoice.pdf_ready  # the on-commit render never ran in this test's transaction
    url = reverse("billing:invoice_public_pdf", args=[invoice.token])
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.get(url)
    assert response.status_code == 302 and response["Location"] == invoice.public_path()
    assert anon.get(url).getvalue().startswith(b"%PDF")


# Client link -----------------------------------------------------------------------------


def test_a_draft_has_no_client_page(anon, make_invoice):
    invoice = make_invoice(issue=False)
    assert anon.get(invoice.public_path()).status_code == 404


def test_a_revoked_or_renewed_link_answers_404(anon, client_a, invoice):
    old = invoice.public_path()
    client_a.post(invoice_url("invoice_new_link", invoice))
    assert anon.get(old).status_code == 404
    invoice.refresh_from_db()
    assert anon.get(invoice.public_path()).status_code == 200
    client_a.post(invoice_url("invoice_revoke", invoice))
    response = anon.get(invoice.public_path())
    assert response.status_code == 404
    assert response["Referrer-Policy"] == "same-origin"


def test_the_first_open_by_the_client_is_noted_once(
    anon, client_a, invoice, django_capture_on_commit_callbacks
):
    client_a.get(invoice.public_path())  # the manager's preview counts nothing
    with django_capture_on_commit_callbacks(execute=True):
        anon.get(invoice.public_path())
        anon.get(invoice.public_path())
    invoice.refresh_from_db()
    assert invoice.open_count == 2
    assert DealEvent.objects.filter(kind="invoice.opened").count() == 1
    opened = [m for m in mail.outbox if m.subject.startswith("Клиент открыл")]
    assert len(opened) == 1
    assert f"счёт № {invoice.number} от" in opened[0].subject


def test_sending_the_link_attaches_the_pdf_when_ready(
    client_a, make_invoice, contact_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice()
    panel = client_a.get(invoice.deal.get_absolute_url()).text
    nonce = re.search(r'name="nonce" value="([0-9a-f]+)"', panel).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            invoice_url("invoice_send", invoice), {"to": contact_email, "nonce": nonce}, follow=True
        )
        client_a.post(invoice_url("invoice_send", invoice), {"to": contact_email, "nonce": nonce})
    assert "с PDF во вложении" in response.text
    [message] = mail.outbox
    assert message.to == [contact_email]
    assert invoice.public_url() in message.body
    assert f"счёт № {invoice.number} от" in message.subject
    [(name, content, mimetype)] = message.attachments
    assert name == f"schet-{invoice.year}-{invoice.number}.pdf"
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert DealEvent.objects.filter(kind="invoice.sent").count() == 1


def test_a_draft_is_not_sent(client_a, make_invoice, contact_email):
    invoice = make_invoice(issue=False)
    response = client_a.post(
        invoice_url("invoice_send", invoice), {"to": contact_email, "nonce": "1"}, follow=True
    )
    assert "Сначала выставьте счёт" in response.text
    assert not mail.outbox


# The card and the list -----------------------------------------------------------------


def test_the_deal_card_shows_the_invoices_panel(client_a, invoice, make_invoice):
    draft = make_invoice(issue=False)
    html = client_a.get(invoice.deal.get_absolute_url()).text
    assert 'id="panel-invoices"' in html
    assert f'id="invoice-{invoice.pk}"' in html and f'id="invoice-{draft.pk}"' in html
    assert invoice.public_url() in html
    assert reverse("billing:payment_create", args=[invoice.deal_id, invoice.pk]) in html
    assert reverse("billing:invoice_issue", args=[draft.deal_id, draft.pk]) in html
    assert "Счёт по текущему расчёту" in html


def test_the_deal_card_query_count_does_not_grow_with_invoices(
    client_a, invoice_deal, make_invoice, django_assert_num_queries
):
    make_invoice()
    url = invoice_deal.get_absolute_url()
    client_a.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        first = client_a.get(url)
    assert first.status_code == 200
    assert first.text.count('id="invoice-') == 1
    for _ in range(6):
        make_invoice()
    with django_assert_num_queries(len(few)):
        response = client_a.get(url)
    assert response.status_code == 200
    assert response.text.count('id="invoice-') == 7


def _many_invoices(make_invoice, n):
    for _ in range(n):
        make_invoice()


@pytest.mark.parametrize("who", ["client_a", "client_head"])
def test_the_invoice_list_query_count_is_flat(
    request, who, make_invoice, django_assert_num_queries
):
    client = request.getfixturevalue(who)
    url = reverse("billing:invoice_list")
    _many_invoices(make_invoice, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _many_invoices(make_invoice, 48)
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count("badge text-bg-") >= 50


def test_the_list_filters_by_status_manager_period_and_overdue(
    client_a, client_b, client_head, make_invoice, make_deal, manager_b, seller, buyer
):
    paid = make_invoice()
    services.payment_record(
        invoice=paid, amount=paid.total, paid_on=timezone.localdate(), method="transfer", by=None
    )
    late = make_invoice(
        date=timezone.localdate() - datetime.timedelta(days=20),
        due_date=timezone.localdate() - datetime.timedelta(days=10),
    )
    draft = make_invoice(issue=False)
    deal_b = make_deal(manager_b, client=buyer)
    foreign = make_invoice(
        deal=deal_b, lines=[LineData(name="Чужое", quantity=Decimal(1), price=Decimal(1))]
    )
    url = reverse("billing:invoice_list")

    def numbers(client, **params):
        html = client.get(url, params).text
        return sorted(int(n) for n in re.findall(r"№ (\d+) от \d\d\.\d\d\.\d{4}</a>", html))

    assert draft.number is None
    assert "без номера (черновик)</a>" in client_a.get(url).text
    assert "без номера (черновик)</a>" not in client_b.get(url).text
    assert numbers(client_a) == sorted([paid.number, late.number])
    assert numbers(client_b) == [foreign.number]
    assert numbers(client_head) == sorted([paid.number, late.number, foreign.number])
    assert numbers(client_a, status="paid") == [paid.number]
    assert numbers(client_a, overdue="on") == [late.number]
    assert numbers(client_head, manager=manager_b.pk) == [foreign.number]
    # A manager has no manager filter: the parameter is ignored, never widens the list.
    assert numbers(client_a, manager=manager_b.pk) == sorted([paid.number, late.number])
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert late.number not in numbers(client_a, date_from=since)
    assert "просрочен" in client_a.get(url).text
    assert 'name="manager"' in client_head.get(url).text
    assert 'name="manager"' not in client_a.get(url).text


def test_the_top_menu_has_invoices(client_a):
    html = client_a.get(reverse("deals:list")).text
    assert f'href="{reverse("billing:invoice_list")}">Счета</a>' in html


def test_the_client_page_runs_a_fixed_number_of_queries(
    anon, make_invoice, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    two = make_invoice()
    many = make_invoice(
        lines=[
            LineData(name=f"Строка {i}", quantity=Decimal(1), price=Decimal(100)) for i in range(40)
        ]
    )
    anon.get(two.public_path())
    anon.get(many.public_path())  # the first opens write the timeline: not counted here
    with CaptureQueriesContext(connection) as few:
        first = anon.get(two.public_path())
    assert first.status_code == 200
    assert two.title in first.text
    assert len(few) <= 7  # with the seller's name and logo for the page's header
    with django_assert_num_queries(len(few)):
        response = anon.get(many.public_path())
    assert response.status_code == 200
    assert "Строка 39" in response.text


def test_a_registered_source_suggests_the_basis(client_a, invoice_deal, monkeypatch):
    from billing import bases

    monkeypatch.setattr(bases, "_sources", [])
    bases.register(lambda deal: [f"Договор № {deal.pk}-К от 5 марта 2026 г.", ""])
    bases.register(lambda deal: [f"Договор № {deal.pk}-К от 5 марта 2026 г.", "Оферта"])
    page = client_a.get(reverse("billing:invoice_create", args=[invoice_deal.pk])).text
    contract = f"Договор № {invoice_deal.pk}-К от 5 марта 2026 г."
    assert f'value="{contract}"' in page  # offered first and filled in
    assert page.count(f'<option value="{contract}">') == 1
    assert '<option value="Оферта">' in page


def test_large_numbers_are_printed_without_a_thousands_space(
    client_a, invoice_deal, make_invoice, django_capture_on_commit_callbacks
):
    from crm.models import NumberCounter

    NumberCounter.objects.create(kind="invoice", year=timezone.localdate().year, last=1233)
    invoice = make_invoice()
    assert invoice.number == 1234
    assert "№ 1234 от" in client_a.get(reverse("billing:invoice_list")).text
    assert "Счёт на оплату № 1234 от" in document(invoice)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_record(
            invoice=invoice, amount=invoice.total, paid_on=invoice.date, method="cash", by=None
        )
    [message] = mail.outbox
    assert "Счёт № 1234 от" in message.subject
    assert f"сделка №{invoice.deal.pk} «" in message.subject


def test_a_draft_for_a_deal_without_a_client_says_so_and_offers_to_pick_one(
    client_a, deal_a, seller, buyer
):
    url = reverse("billing:invoice_create", args=[deal_a.pk]) + "?manual=1"
    page = client_a.get(url)
    assert page.status_code == 200
    assert "У сделки нет клиента — счёт нельзя будет выставить" in page.text
    assert reverse("deals:client_search", args=[deal_a.pk]) in page.text  # the picker is here

    response = client_a.post(url, manual_post([{"name": "Хостинг", "price": "990"}]))
    assert response.status_code == 302
    invoice = Invoice.objects.get()
    detail = client_a.get(response["Location"])
    assert detail.status_code == 200
    assert "у сделки нет клиента: выставить счёт можно будет, когда вы его выберете" in detail.text
    assert 'id="invoice-client-needed"' in detail.text

    # Picked on the invoice's page, the client is the deal's, and the warning is gone.
    picked = client_a.post(
        reverse("deals:client_set", args=[deal_a.pk]), {"client": buyer.pk}, HTTP_HX_REQUEST="true"
    )
    assert picked.status_code == 200 and buyer.name in picked.text
    detail = client_a.get(invoice.get_absolute_url())
    assert 'id="invoice-client-needed"' not in detail.text
    assert "У сделки нет клиента" not in client_a.get(url).text


def test_a_draft_for_a_deal_with_a_client_has_no_warning(client_a, invoice_deal):
    url = reverse("billing:invoice_create", args=[invoice_deal.pk]) + "?manual=1"
    assert "У сделки нет клиента" not in client_a.get(url).text
    response = client_a.post(url, manual_post([{"name": "Хостинг", "price": "990"}]))
    detail = client_a.get(response["Location"])
    assert "Проверьте его и нажмите «Выставить»." in detail.text
    assert 'id="invoice-client-needed"' not in detail.text


def test_the_pdf_button_follows_the_worker_without_a_reload(client_a, invoice):
    from crm.pdf import pdf_store

    page = client_a.get(invoice.get_absolute_url())
    assert page.status_code == 200
    assert not invoice.pdf_ready
    assert "PDF готовится…" in page.text
    assert 'hx-trigger="every 3s" hx-select="#invoice-pdf-state"' in page.text

    pdf_store(invoice)
    invoice.refresh_from_db()
    assert invoice.pdf_ready
    page = client_a.get(invoice.get_absolute_url())
    assert "PDF готовится…" not in page.text
    assert 'id="invoice-pdf-state">' in page.text  # no polling once it is there


def test_ids_past_a_thousand_are_written_whole_in_links_and_forms(client_a, invoice_deal):
    """Numbers are grouped on screen («1 500»), identifiers never: a calculation numbered
    12 345 links to its invoice as ?calculation=12345, and a grouped number typed into the
    address answers 404, not a server error."""
    calculation = Calculation.objects.get(deal=invoice_deal)
    Calculation.objects.filter(pk=calculation.pk).update(id=12345)
    calculation.lines.model.objects.filter(calculation_id=calculation.pk).update(
        calculation_id=12345
    )
    card = client_a.get(invoice_deal.get_absolute_url())
    assert card.status_code == 200
    assert "?calculation=12345" in card.text
    assert "12\xa0345" not in card.text and "12 345" not in card.text
    url = reverse("billing:invoice_create", args=[invoice_deal.pk])
    assert client_a.get(url, {"calculation": "12345"}).status_code == 200
    assert client_a.get(url, {"calculation": "12\xa0345"}).status_code == 404

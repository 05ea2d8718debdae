"""PDFs of proposals and contracts: rendered by the task from the client page's partial,
stored, served by link; readable text with the client's ИНН and the amount in words, the
logo and the text's pictures embedded, the same bytes when rendered again."""

import logging
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from billing.services import LineData
from crm.pdf import render_pdf
from crm.testing import pdf_fonts, pdf_image_count, pdf_spans, pdf_text
from documents import services
from documents.models import Contract, Proposal

from .conftest import TOTAL_WORDS, default_template, png_bytes, spaced

INN = {"legal": "5003123458", "entrepreneur": "771234567859", "person": "772345678901"}


def pdf_of(document) -> bytes:
    with document.pdf.open("rb") as file:
        return file.read()


def test_the_sent_proposal_has_a_readable_pdf(proposal, sent):
    proposal = sent(proposal)
    data = pdf_of(proposal)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, flat=True)
    assert "ИНН 7712345671" in text  # the seller's; a proposal names the client by name
    assert "Кому: ООО «Ромашка»" in text
    assert spaced(TOTAL_WORDS) in text
    assert "Коммерческое предложение № 1" in text
    assert "Страница 1 из 2" in text
    assert any(font.startswith("DejaVu") for font in pdf_fonts(data))


@pytest.mark.parametrize("kind", ["legal", "entrepreneur", "person"])
def test_a_contracts_pdf_has_the_clients_inn_and_the_amount_in_words_for_each_legal_form(
    deal_a, manager_a, real_seller, make_client, save_calculation, sent, kind
):
    from deals.clients.services import deal_set_client

    deal = deal_set_client(deal=deal_a, client=make_client(kind), by=manager_a)
    save_calculation(deal, manager_a)
    contract = services.contract_create(
        deal=deal, template=default_template("contract"), by=manager_a
    )
    text = pdf_text(pdf_of(sent(contract)), flat=True)
    assert f"ИНН {INN[kind]}" in text
    assert spaced(TOTAL_WORDS) in text


def test_rendering_again_gives_the_same_bytes(contract, sent):
    contract = sent(contract)
    again = render_pdf(contract.pdf_html(), allowed_media=contract.pdf_media())
    assert again == pdf_of(contract)
    assert contract.pdf_sha256 == Contract.objects.get(pk=contract.pk).pdf_sha256


def test_a_long_table_repeats_its_header_on_every_page(
    deal_ready, manager_a, save_calculation, sent
):
    lines = [
        LineData(name=f"Позиция {n}", quantity=Decimal("1"), price=Decimal("100"))
        for n in range(1, 91)
    ]
    save_calculation(deal_ready, manager_a, lines=lines)
    proposal = services.proposal_create(
        deal=deal_ready, template=default_template("proposal"), by=manager_a
    )
    data = pdf_of(sent(proposal))
    pages_with_rows = []
    for page in range(1, 6):
        text = pdf_text(data, pages=[page])
        if "Позиция " in text:
            pages_with_rows.append("Наименование" in text)
    assert len(pages_with_rows) >= 2
    assert all(pages_with_rows)


def test_the_logo_and_the_pictures_of_the_text_are_embedded_nothing_else(
    proposal, sent, real_seller, settings, caplog
):
    # The text names a media file outside the editor's folder: the PDF is made without it
    # and the loss is reported as it is in production.
    settings.PDF_STRICT = False
    picture = default_storage.save("documents/images/plan.png", ContentFile(png_bytes((0, 90, 0))))
    body = (
        f'<p>План:</p><p><img src="/media/{picture}" alt=""></p>'
        '<p><img src="http://127.0.0.1:9/tracker.png"><img src="/media/seller/other.png"></p>'
        "<p>{{ client.inn }}</p>"
    )
    services.document_save_body(document=proposal, body=body, by=None)
    with caplog.at_level(logging.ERROR, logger="crm.pdf"):
        proposal = sent(Proposal.objects.get(pk=proposal.pk))
    assert proposal.pdf_media() == [real_seller.logo.name, picture]
    assert pdf_image_count(pdf_of(proposal)) == 2  # the logo and the plan
    (report,) = [r.getMessage() for r in caplog.records if r.name == "crm.pdf"]
    assert f"documents.proposal #{proposal.pk}" in report
    assert "/media/seller/other.png" in report
    assert "tracker" not in report  # the editor's cleaning dropped it before any rendering


def test_the_client_downloads_the_stored_pdf(anon, proposal, sent):
    proposal = sent(proposal)
    response = anon.get(reverse("documents:proposal_public_pdf", args=[proposal.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.getvalue() == pdf_of(proposal)


def test_a_pdf_still_rendering_tells_the_client_to_come_back(
    anon, proposal, manager_a, django_capture_on_commit_callbacks
):
    # Fixed while the broker was down: nothing rendered it yet.
    services.document_finalize(document=proposal, by=manager_a)
    url = reverse("documents:proposal_public_pdf", args=[proposal.token])
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.get(url)
    assert response.status_code == 202
    assert "PDF документа" in response.content.decode() and "готовится" in response.content.decode()
    # The visit published the rendering again; the task (in-process here) has stored it.
    assert anon.get(url).getvalue().startswith(b"%PDF")


def test_staff_get_a_marked_pdf_of_a_draft_and_nothing_is_stored(client_a, proposal):
    response = client_a.get(proposal.urls["pdf"])
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert "Черновик без номера: текст ещё не зафиксирован" in pdf_text(response.content, flat=True)
    proposal.refresh_from_db()
    assert not proposal.pdf


def test_the_pdf_comes_from_the_same_partial_as_the_client_page(anon, contract, sent):
    contract = sent(contract)
    page = anon.get(contract.public_path()).content.decode()
    pdf_html = contract.pdf_html()
    for part in ('<div class="client-doc">', '<article class="doc-body">', contract.sent_html):
        assert part in page and part in pdf_html


@pytest.mark.parametrize("kind", ["legal", "entrepreneur", "person"])
def test_the_clients_signature_line_is_level_with_the_sellers(
    deal_a, manager_a, real_seller, make_client, save_calculation, sent, kind
):
    from deals.clients.services import deal_set_client

    client = make_client(kind)
    deal = deal_set_client(deal=deal_a, client=client, by=manager_a)
    save_calculation(deal, manager_a)
    contract = sent(
        services.contract_create(deal=deal, template=default_template("contract"), by=manager_a)
    )
    data = pdf_of(contract)
    last = pdf_text(data).count("\f")
    spans = [s for s in pdf_spans(data, page=last) if "_____" in s.text]

    def line_of(initials):
        (span,) = [s for s in spans if f"/ {initials} /" in s.text]
        return span

    # The seller's line and the client's, side by side at one height (pypdf may read the
    # two as one run of text when they are level).
    seller_line, client_line = (
        line_of(real_seller.signatory_initials),
        line_of(client.signatory_initials),
    )
    assert client_line.top == seller_line.top
    assert client_line == seller_line or client_line.x > seller_line.x

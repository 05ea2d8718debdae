"""Proposals and contracts keep their stylesheet in the PDF under production settings (DEBUG
off, static files collected with hashed names)."""

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage

from crm.testing import pdf_page_size, pdf_span, pdf_spans


@pytest.mark.parametrize("kind", ["proposal", "contract"])
def test_the_documents_pdf_is_laid_out_by_its_stylesheet(production_static, request, sent, kind):
    document = sent(request.getfixturevalue(kind))
    assert staticfiles_storage.url("css/pdf/document.css") in document.pdf_html()
    with document.pdf.open("rb") as file:
        data = file.read()
    assert pdf_page_size(data) == (595.3, 841.9)
    left_margin = min(span.x for span in pdf_spans(data))
    # document.css: the heading centred, in 14 pt (print.css alone: at the left margin, 15 pt).
    title = pdf_span(data, "Коммерческое предложение" if kind == "proposal" else "Договор")
    assert title.size == 14
    assert title.x > left_margin + 50

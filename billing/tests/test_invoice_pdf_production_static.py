"""The invoice PDF keeps its stylesheet under production settings (DEBUG off, static files
collected with hashed names): rendered by the task as a worker renders it."""

from django.contrib.staticfiles.storage import staticfiles_storage

from crm.testing import pdf_page_size, pdf_span

A4 = (595.3, 841.9)


def test_the_invoice_pdf_is_laid_out_by_its_stylesheet(
    production_static, make_invoice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice()
    invoice.refresh_from_db()
    assert staticfiles_storage.url("css/invoice.css") in invoice.pdf_html()  # the hashed name
    with invoice.pdf.open("rb") as file:
        data = file.read()
    width, height = pdf_page_size(data)
    assert (width, height) == A4
    # invoice.css: the title in 14 pt (print.css alone gives a heading 15 pt) and the totals
    # pushed to the right edge (without it they start at the left margin).
    assert pdf_span(data, "Счёт на оплату").size == 14
    assert pdf_span(data, "Всего к оплате").x > width / 2

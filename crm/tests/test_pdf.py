import functools
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from crm.pdf import PdfResourceError, render_pdf
from crm.testing import pdf_fonts, pdf_text


@pytest.fixture
def web_server():
    """A local HTTP server counting the requests it gets."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red; }")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_it_renders_cyrillic_text_with_page_numbers():
    rows = "".join(f"<tr><td>Строка {i}</td><td>{i * 100},00</td></tr>" for i in range(120))
    html = (
        "<html><body><h1>Счёт на оплату № 15</h1>"
        "<table><thead><tr><th>Наименование</th><th>Сумма</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, layout=True)
    assert "Счёт на оплату № 15" in text
    pages = int(re.search(r"Страница 1 из (\d+)", text).group(1))
    assert pages >= 2
    assert f"Страница {pages} из {pages}" in text
    # The table header is repeated on every page.
    assert text.count("Наименование") == pages
    assert "DejaVu-Sans" in pdf_fonts(pdf)


def test_it_does_not_fetch_remote_urls_and_says_so(web_server, settings, caplog):
    settings.PDF_STRICT = False  # as in production: the PDF is made, the loss is an error
    base, hits = web_server
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/evil.css"></head>'
        f'<body><p>Привет</p><img src="{base}/pixel.png">'
        f'<img src="file:///etc/hostname"></body></html>'
    )
    with caplog.at_level(logging.ERROR, logger="crm.pdf"):
        pdf = render_pdf(html, label="billing.invoice #12")
    assert pdf.startswith(b"%PDF")
    assert "Привет" in pdf_text(pdf, layout=True)
    assert hits == []
    (report,) = [r for r in caplog.records if r.name == "crm.pdf"]
    assert report.levelno == logging.ERROR
    message = report.getMessage()
    assert "billing.invoice #12" in message
    for lost in (f"{base}/evil.css", f"{base}/pixel.png", "file:///etc/hostname"):
        assert lost in message


def test_a_lost_resource_fails_the_rendering_in_strict_mode(web_server):
    base, hits = web_server
    html = f'<html><body><p>Привет</p><img src="{base}/pixel.png"></body></html>'
    with pytest.raises(PdfResourceError, match=r"contracts #3 .*pixel\.png"):
        render_pdf(html, label="contracts #3")
    assert hits == []


@pytest.mark.parametrize(
    "html",
    [
        '<link rel="stylesheet" href="/static/css/missing.css"><p>Привет</p>',
        '<p><img src="/static/img/missing.png"></p>',
        '<p><img src="data:image/png;base64,bm90IGEgcGljdHVyZQ=="></p>',  # not a picture
        "<style>@import url(/static/css/missing.css);</style><p>Привет</p>",
        "<style>@font-face { font-family: X; src: url(/static/fonts/x.woff2) }</style>"
        '<p style="font-family: X">Привет</p>',
    ],
)
def test_every_lost_resource_is_reported(html, settings, caplog, monkeypatch):
    from weasyprint.text.fonts import FontConfiguration

    from crm import pdf

    # A font face goes into the font configuration: this test's stays out of the shared one.
    pdf._print_css()
    monkeypatch.setattr(pdf, "_fonts", functools.cache(FontConfiguration))
    with pytest.raises(PdfResourceError, match="proposal #7"):
        render_pdf(f"<html><body>{html}</body></html>", label="proposal #7")
    settings.PDF_STRICT = False
    with caplog.at_level(logging.ERROR, logger="crm.pdf"):
        assert render_pdf(f"<html><body>{html}</body></html>", label="proposal #7")
    assert [r.levelno for r in caplog.records if r.name == "crm.pdf"] == [logging.ERROR]


def test_a_pdf_that_loses_nothing_reports_nothing(caplog):
    html = (
        '<html><head><link rel="stylesheet" href="/static/css/invoice.css"></head>'
        '<body><img src="/static/favicon.svg"><p>Привет</p></body></html>'
    )
    with caplog.at_level(logging.WARNING):
        render_pdf(html, label="billing.invoice #1")
    assert not [r for r in caplog.records if r.name in ("crm.pdf", "weasyprint")]


def test_it_serves_the_projects_static_files():
    from crm.pdf import _fetcher

    fetcher = _fetcher()
    response = fetcher("https://crm.invalid/static/css/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    for url in (
        "https://crm.invalid/static/../crm/settings.py",
        "https://crm.invalid/static/css/../../crm/settings.py",
        "https://crm.invalid/etc/passwd",
        "https://example.com/static/css/print.css",
        "file:///etc/passwd",
        "http://crm.invalid/static/css/print.css",
    ):
        with pytest.raises(ValueError):
            fetcher(url)


def test_media_only_when_the_caller_allows_it(settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from crm.pdf import _fetcher

    name = default_storage.save("logos/logo.svg", ContentFile(b"<svg/>"))
    url = f"https://crm.invalid{settings.MEDIA_URL}{name}"
    with pytest.raises(ValueError):
        _fetcher()(url)
    assert _fetcher(allowed_media=[name])(url).read() == b"<svg/>"

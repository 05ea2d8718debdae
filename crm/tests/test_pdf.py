import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from crm.pdf import render_pdf


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


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


def test_it_renders_cyrillic_text_with_page_numbers(tmp_path):
    rows = "".join(f"<tr><td>Строка {i}</td><td>{i * 100},00</td></tr>" for i in range(120))
    html = (
        "<html><body><h1>Счёт на оплату № 15</h1>"
        "<table><thead><tr><th>Наименование</th><th>Сумма</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf, tmp_path)
    assert "Счёт на оплату № 15" in text
    pages = int(re.search(r"Страница 1 из (\d+)", text).group(1))
    assert pages >= 2
    assert f"Страница {pages} из {pages}" in text
    # The table header is repeated on every page.
    assert text.count("Наименование") == pages
    path = tmp_path / "doc.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "DejaVu-Sans" in fonts


def test_it_does_not_fetch_remote_urls(web_server, tmp_path):
    base, hits = web_server
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/evil.css"></head>'
        f'<body><p>Привет</p><img src="{base}/pixel.png">'
        f'<img src="file:///etc/hostname"></body></html>'
    )
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert "Привет" in _text(pdf, tmp_path)
    assert hits == []


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

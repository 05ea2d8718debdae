"""Under production settings (DEBUG off, static files collected by the manifest storage, so
`{% static %}` gives hashed names) the PDF fetcher serves the project's static files by
those names, and still nothing else."""

import re

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage

from crm.pdf import BASE_URL, PdfResourceError, _fetcher, render_pdf
from crm.testing import pdf_page_size

ORIGIN = BASE_URL.rstrip("/")


def test_the_fetcher_serves_hashed_and_plain_names_from_the_collected_files(production_static):
    hashed = staticfiles_storage.url("css/invoice.css")
    assert re.fullmatch(r"/static/css/invoice\.[0-9a-f]{12}\.css", hashed)
    fetcher = _fetcher()
    response = fetcher(ORIGIN + hashed)
    assert response.content_type == "text/css"
    body = response.read()
    assert body == (production_static / hashed.removeprefix("/static/")).read_bytes()
    assert b".invoice-doc" in body
    # A plain name the manifest knows is served from its hashed copy (present even where
    # WHITENOISE_KEEP_ONLY_HASHED_FILES deletes the plain one).
    assert fetcher(f"{ORIGIN}/static/css/invoice.css").read() == body
    assert b"@page" in fetcher(f"{ORIGIN}/static/css/print.css").read()


def test_a_page_with_a_hashed_stylesheet_gets_it(production_static):
    href = staticfiles_storage.url("css/pdf/funnel.css")
    html = f'<html><head><link rel="stylesheet" href="{href}"></head><body>Воронка</body></html>'
    width, height = pdf_page_size(render_pdf(html))
    assert width > height  # funnel.css turns the page to landscape


def test_the_fetcher_refuses_everything_else_under_the_manifest_storage(production_static):
    hashed = staticfiles_storage.url("css/invoice.css")
    assert (production_static / "staticfiles.json").exists()
    # What production's compression leaves beside a file: in STATIC_ROOT, not in the manifest.
    collected = production_static / hashed.removeprefix("/static/")
    collected.with_name(collected.name + ".gz").write_bytes(b"\x1f\x8b")
    fetcher = _fetcher()
    for path in (
        "/static/../crm/settings.py",
        "/static/css/../../crm/settings.py",
        "/static/%2e%2e/crm/settings.py",
        "/static/css/./invoice.css",
        "/static//etc/passwd",
        "/static/css/invoice.0123456789ab.css",  # a hash the manifest does not know
        "/static/css/missing.css",
        "/static/staticfiles.json",  # in STATIC_ROOT, but not a static file
        hashed + ".gz",  # a compressed copy: not in the manifest either
        "/crm/settings.py",
    ):
        with pytest.raises(ValueError):
            fetcher(ORIGIN + path)
    for url in (
        f"file://{production_static}{hashed.removeprefix('/static')}",
        f"https://example.com{hashed}",
        f"http://crm.invalid{hashed}",
    ):
        with pytest.raises(ValueError):
            fetcher(url)


def test_an_unknown_hashed_stylesheet_fails_the_pdf(production_static):
    html = (
        '<html><head><link rel="stylesheet" href="/static/css/invoice.0123456789ab.css">'
        "</head><body>Счёт</body></html>"
    )
    with pytest.raises(PdfResourceError, match=r"invoice\.0123456789ab\.css"):
        render_pdf(html, label="billing.invoice #1")

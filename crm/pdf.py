"""The one way the project turns HTML into PDF (reports, proposals, contracts, invoices).

``render_pdf(html)`` renders with WeasyPrint under three rules:
- the page may load only the project's own static files (``{% static %}`` URLs), and the
  media files the caller names; every other address (http, https, file, other hosts) is
  refused, so a document never reaches the network or the disk beyond those files;
- the shared print stylesheet ``static/css/print.css`` (A4, margins, «Страница N из M»,
  table headers repeated on every page, DejaVu Sans for Cyrillic) applies to every PDF;
- fonts and the stylesheet are prepared once per process and reused.

Relative URLs in the HTML resolve against an internal address that no network can reach, so
``/static/css/x.css`` and ``{% static 'css/x.css' %}`` both work.
"""

import functools
import logging
import mimetypes
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

# RFC 2606 reserves .invalid: this host never resolves, it only marks the project's own files.
BASE_HOST = "crm.invalid"
BASE_URL = f"https://{BASE_HOST}/"
PRINT_CSS = "css/print.css"


class ResourceRefused(ValueError):
    pass


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFetcher(URLFetcher):
        """Serves static files and the allowed media; refuses everything else."""

        def __init__(self, allowed_media: Iterable[str] = ()):
            super().__init__(allowed_protocols={"https", "data"}, allow_redirects=False)
            self.allowed_media = frozenset(name.lstrip("/") for name in allowed_media)

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme != "https" or parts.netloc != BASE_HOST:
                raise ResourceRefused(f"external resource refused: {url}")
            path = unquote(parts.path)
            body = self._static(path) or self._media(path)
            if body is None:
                raise ResourceRefused(f"not a project file: {url}")
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

        @staticmethod
        def _static(path: str) -> bytes | None:
            if not path.startswith(settings.STATIC_URL):
                return None
            try:
                found = finders.find(path.removeprefix(settings.STATIC_URL))
            except SuspiciousFileOperation:
                return None
            if not found:
                return None
            with open(found, "rb") as file:
                return file.read()

        def _media(self, path: str) -> bytes | None:
            if not path.startswith(settings.MEDIA_URL):
                return None
            name = path.removeprefix(settings.MEDIA_URL)
            if name not in self.allowed_media:
                return None
            with default_storage.open(name, "rb") as file:
                return file.read()

    return ProjectFetcher


@functools.cache
def _fonts():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def _print_css():
    from weasyprint import CSS

    path = finders.find(PRINT_CSS)
    with open(path, encoding="utf-8") as file:
        css = file.read()
    return CSS(string=css, base_url=BASE_URL, font_config=_fonts(), url_fetcher=_fetcher())


def _fetcher(allowed_media: Iterable[str] = ()):
    return _fetcher_class()(allowed_media)


def render_pdf(html: str, *, allowed_media: Iterable[str] = ()) -> bytes:
    """Render a complete HTML document to PDF bytes. ``allowed_media`` names the files in
    the media storage the document may embed (e.g. ``"logos/company.png"``)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher(allowed_media))
    return document.write_pdf(stylesheets=[_print_css()], font_config=_fonts())


def pdf_store(document) -> str:
    """Render a StoredPdf document and keep the file; returns the SHA-256 of its bytes."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    data = render_pdf(document.pdf_html(), allowed_media=document.pdf_media())
    digest = hashlib.sha256(data).hexdigest()
    old_name = document.pdf.name if document.pdf else ""
    document.pdf.save(document.pdf_filename(), ContentFile(data), save=False)
    document.pdf_sha256 = digest
    document.pdf_rendered_at = timezone.now()
    type(document).objects.filter(pk=document.pk).update(
        pdf=document.pdf.name, pdf_sha256=digest, pdf_rendered_at=document.pdf_rendered_at
    )
    if old_name and old_name != document.pdf.name:
        default_storage.delete(old_name)
    return digest


def pdf_enqueue(document) -> None:
    """Render the document's PDF in a worker once the current transaction commits."""
    from django.db import transaction

    from .tasks import render_document_pdf

    meta = document._meta

    def publish():
        try:
            render_document_pdf.delay(meta.app_label, meta.model_name, document.pk)
        except Exception:
            # A broker that is down must not break the request; the document shows that its
            # PDF is being prepared and the next render request (or a resend) publishes again.
            logger.exception("Could not enqueue the PDF of %s #%s", meta.label, document.pk)

    transaction.on_commit(publish)

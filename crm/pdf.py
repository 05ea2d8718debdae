"""The one way the project turns HTML into PDF (reports, proposals, contracts, invoices).

``render_pdf(html, label=...)`` renders with WeasyPrint under these rules:
- the page may load only the project's own static files (``{% static %}`` URLs, plain or
  hashed by the manifest storage of production), and the media files the caller names;
  every other address (http, https, file, other hosts, paths outside the static files) is
  refused, so a document never reaches the network or the disk beyond those files;
- the shared print stylesheet ``static/css/print.css`` (A4, margins, «Страница N из M»,
  table headers repeated on every page, DejaVu Sans for Cyrillic) applies to every PDF;
- a PDF that lost a resource (a refused or missing stylesheet, image or font) is a failure:
  with ``PDF_STRICT`` (the test suite) it raises ``PdfResourceError``, otherwise it is logged
  as an error naming the document;
- fonts and the stylesheet are prepared once per process and reused.

Relative URLs in the HTML resolve against an internal address that no network can reach, so
``/static/css/x.css`` and ``{% static 'css/x.css' %}`` both work.
"""

import functools
import logging
import mimetypes
import posixpath
from collections.abc import Iterable
from contextvars import ContextVar
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

# RFC 2606 reserves .invalid: this host never resolves, it only marks the project's own files.
BASE_HOST = "crm.invalid"
BASE_URL = f"https://{BASE_HOST}/"
PRINT_CSS = "css/print.css"


class ResourceRefused(ValueError):
    pass


class PdfResourceError(RuntimeError):
    """A PDF lost a stylesheet, an image or a font while rendering (raised with PDF_STRICT)."""


# What the render_pdf call running in this context has lost, by address; None outside it.
_lost: ContextVar[dict[str, str] | None] = ContextVar("pdf_lost_resources", default=None)


def _report_lost(address: str, reason: str) -> None:
    lost = _lost.get()
    if lost is not None:
        lost.setdefault(address, reason)


class _WeasyPrintReports(logging.Handler):
    """WeasyPrint logs a resource it could not use and goes on rendering without it."""

    # Its messages for resources (weasyprint 70: css/, images.py, html.py, urls.py,
    # text/fonts.py, pdf/anchors.py); the rest of its errors are about syntax or options.
    RESOURCE_MESSAGES = (
        "Failed to ",
        "Unsupported stylesheet type",
        "Font-face ",
        "Relative URI reference without a base URI",
    )

    def __init__(self):
        super().__init__(level=logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        lost = _lost.get()
        if lost is None or not str(record.msg).startswith(self.RESOURCE_MESSAGES):
            return
        message = record.getMessage()
        # A refusal of the fetcher comes back as WeasyPrint's "Failed to load …" for the
        # same address: it is reported once.
        if not any(address in message for address in lost):
            lost[message] = message


@functools.cache
def _listen_to_weasyprint() -> None:
    logging.getLogger("weasyprint").addHandler(_WeasyPrintReports())


def _static_name(name: str) -> bool:
    """A relative path that stays inside the static files: no "..", no "//", no "./"."""
    return (
        bool(name)
        and "\\" not in name
        and "\0" not in name
        and (posixpath.normpath(name) == name and not name.startswith(("/", "../")))
    )


def static_file(name: str) -> bytes | None:
    """The bytes of the project's static file ``name`` (as ``{% static %}`` writes it, less
    STATIC_URL), or None for anything else. With the manifest storage of production, the
    names the manifest knows, plain or hashed, read from the collected files; before any
    collectstatic, the files the static finders know."""
    if not _static_name(name):
        return None
    storage = staticfiles_storage
    if isinstance(storage, ManifestFilesMixin) and storage.hashed_files:
        # A plain name is read from its hashed copy: the one whose url()s were rewritten.
        stored = storage.hashed_files.get(name)
        if stored is None and name in storage.hashed_files.values():
            stored = name
        if stored is None:
            return None
        try:
            with storage.open(stored, "rb") as file:
                return file.read()
        except OSError:
            return None
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    if not found:
        return None
    with open(found, "rb") as file:
        return file.read()


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFetcher(URLFetcher):
        """Serves static files and the allowed media; refuses everything else."""

        def __init__(self, allowed_media: Iterable[str] = ()):
            super().__init__(allowed_protocols={"https", "data"}, allow_redirects=False)
            self.allowed_media = frozenset(name.lstrip("/") for name in allowed_media)

        def fetch(self, url, headers=None):
            try:
                return self._fetch(url, headers)
            except Exception as exc:
                _report_lost(url, f"{url}: {exc}")
                raise

        def _fetch(self, url, headers):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme != "https" or parts.netloc != BASE_HOST:
                raise ResourceRefused(f"external resource refused: {url}")
            path = unquote(parts.path)
            body = self._static(path)
            if body is None:
                body = self._media(path)
            if body is None:
                raise ResourceRefused(f"not a project file: {url}")
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

        @staticmethod
        def _static(path: str) -> bytes | None:
            if not path.startswith(settings.STATIC_URL):
                return None
            return static_file(path.removeprefix(settings.STATIC_URL))

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

    css = static_file(PRINT_CSS)
    if css is None:
        raise ResourceRefused(f"the print stylesheet {PRINT_CSS} is not among the static files")
    return CSS(
        string=css.decode("utf-8"),
        base_url=BASE_URL,
        font_config=_fonts(),
        url_fetcher=_fetcher(),
    )


def _fetcher(allowed_media: Iterable[str] = ()):
    return _fetcher_class()(allowed_media)


def render_pdf(html: str, *, allowed_media: Iterable[str] = (), label: str = "a document") -> bytes:
    """Render a complete HTML document to PDF bytes. ``allowed_media`` names the files in
    the media storage the document may embed (e.g. ``"logos/company.png"``); ``label`` names
    the document in the report of a resource it lost (e.g. ``"billing.invoice #12"``)."""
    from weasyprint import HTML

    _listen_to_weasyprint()
    lost: dict[str, str] = {}
    token = _lost.set(lost)
    try:
        stylesheets = []
        try:
            stylesheets.append(_print_css())
        except ResourceRefused as exc:
            lost[PRINT_CSS] = str(exc)
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher(allowed_media))
        data = document.write_pdf(stylesheets=stylesheets, font_config=_fonts())
    finally:
        _lost.reset(token)
    if lost:
        problems = "; ".join(lost.values())
        if settings.PDF_STRICT:
            raise PdfResourceError(f"The PDF of {label} lost resources: {problems}")
        logger.error("The PDF of %s was rendered without: %s", label, problems)
    return data


def pdf_label(document) -> str:
    """How a report names a stored document: ``billing.invoice #12``."""
    return f"{document._meta.label_lower} #{document.pk}"


def pdf_store(document) -> str:
    """Render a StoredPdf document and keep the file; returns the SHA-256 of its bytes."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    data = render_pdf(
        document.pdf_html(), allowed_media=document.pdf_media(), label=pdf_label(document)
    )
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

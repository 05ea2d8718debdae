"""Test fixtures for apps that send e-mail, run tasks or render PDFs, and the helpers that
read a PDF back. Import the fixtures into a conftest.py:
`from crm.testing import celery_in_process  # noqa: F401`."""

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass

import pytest


@pytest.fixture(autouse=True)
def celery_in_process(request):
    """Run tasks in-process even when CELERY_BROKER_URL is set (CI), except in tests marked
    `integration`, which talk to a real worker."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    from crm.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas are created for almost every test; real hashing would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class FrozenClock:
    """The project's clock, stopped: `set("2026-12-31 23:59")` reads a naive time in
    TIME_ZONE (Europe/Moscow), an aware one ("2026-12-31T21:30+00:00") as it is. Sessions
    in the database move with it, so a persona logged in before the clock jumps stays
    logged in."""

    def __init__(self, *, sessions: bool):
        self.moment = datetime.datetime.now(datetime.UTC)
        self.sessions = sessions

    def set(self, moment: str | datetime.datetime) -> datetime.datetime:
        from django.utils import timezone

        if isinstance(moment, str):
            moment = datetime.datetime.fromisoformat(moment)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        self.moment = moment
        if self.sessions:
            from django.conf import settings
            from django.contrib.sessions.models import Session

            age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
            Session.objects.update(expire_date=moment + age)
        return moment

    def now(self) -> datetime.datetime:
        return self.moment


@pytest.fixture
def frozen_clock(request, monkeypatch):
    """Stops django.utils.timezone.now, and with it localdate() and auto_now, for the test;
    the test moves it with `frozen_clock.set(...)`."""
    from django.utils import timezone

    clock = FrozenClock(sessions="db" in request.fixturenames)
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


PRODUCTION_STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """`collectstatic` once per run into a temporary STATIC_ROOT, by the manifest storage of
    production: hashed names and the manifest. Its gzip and brotli copies, a minute of work
    that no PDF reads, are skipped."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("staticfiles")
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STATIC_STORAGE}}
    extensions = {
        path.rsplit(".", 1)[-1]
        for finder in get_finders()
        for path, _ in finder.list([])
        if "." in path
    }
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=root,
        STORAGES=storages,
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=sorted(extensions),
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_static(settings, collected_static):
    """Static files as production serves them (DEBUG off, the collected files, names hashed
    through the manifest): `{% static 'css/x.css' %}` gives `/static/css/x.<hash>.css`."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    from crm import pdf

    settings.DEBUG = False
    settings.STATIC_ROOT = collected_static
    # Assigning STORAGES fires setting_changed: the cached static storage is dropped.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STATIC_STORAGE}}
    pdf._print_css.cache_clear()
    assert staticfiles_storage.url(pdf.PRINT_CSS) != settings.STATIC_URL + pdf.PRINT_CSS
    yield collected_static
    pdf._print_css.cache_clear()


class _BrokerOutage:
    KEYS = ["broker_url", "broker_write_url", "broker_read_url", "task_always_eager"]

    def __init__(self, app):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.app = app
        self.saved = {key: app.conf[key] for key in self.KEYS}
        closed = f"redis://127.0.0.1:{port}/0"
        app.conf.update(broker_url=closed, broker_write_url=closed, broker_read_url=closed)
        app.conf.task_always_eager = False
        self._drop_connections()

    def restore(self) -> None:
        """The broker is back."""
        self.app.conf.update(self.saved)
        self._drop_connections()

    def _drop_connections(self) -> None:
        # What Celery itself does after a fork: the next publish opens a new connection.
        self.app._pool = None
        self.app.amqp._producer_pool = None


@pytest.fixture
def celery_broker_down():
    """Point this process's Celery app at a local port where nothing listens, as when Redis
    is down; `.restore()` brings the configured broker back (also done afterwards)."""
    from crm.celery import app

    outage = _BrokerOutage(app)
    yield outage
    outage.restore()


# Media in a bucket -----------------------------------------------------------------------

S3_REGION = "ru-central1"
S3_ACCESS_KEY = "crm-test"
# A "/" and a "+" as real secret keys have: the address carries it percent-encoded.
S3_SECRET_KEY = "test/secret+key"


class Bucket:
    """The private bucket a test's media lives in, seen from outside the project."""

    def __init__(self, endpoint: str, name: str, prefix: str):
        import boto3

        self.endpoint, self.name, self.prefix = endpoint, name, prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=S3_REGION,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
        )

    def listing(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def key(self, name: str) -> str:
        """The object key of a file the project calls `name` (a FileField's .name)."""
        return f"{self.prefix}/{name}"

    def plain_url(self, name: str) -> str:
        """The object's address with no signature: what anyone who learnt it could try."""
        from urllib.parse import quote

        return f"{self.endpoint}/{self.name}/{quote(self.key(name))}"


@pytest.fixture(scope="session")
def s3_server():
    """A local S3-compatible server (moto) for the whole run."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def media_bucket(s3_server, settings):
    """Media in a new private bucket, set up through MEDIA_STORAGE_URL as in production."""
    import uuid
    from urllib.parse import quote

    from crm.storage import media_storage

    bucket = Bucket(s3_server, f"crm-media-{uuid.uuid4().hex[:12]}", prefix="crm")
    bucket.client.create_bucket(
        Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": S3_REGION}
    )
    url = (
        f"s3://{S3_ACCESS_KEY}:{quote(S3_SECRET_KEY, safe='')}@{bucket.name}/{bucket.prefix}"
        f"?endpoint_url={s3_server}&region={S3_REGION}&addressing_style=path"
    )
    storage = media_storage(url, signed_url_seconds=settings.MEDIA_SIGNED_URL_SECONDS)
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return bucket


# Reading PDFs back, with pypdf: the tests need no poppler binaries.


def _pdf_pages(data: bytes, pages: Iterable[int] | None = None) -> list:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    numbers = range(1, len(reader.pages) + 1) if pages is None else pages
    return [reader.pages[number - 1] for number in numbers if 0 < number <= len(reader.pages)]


def pdf_text(
    data: bytes, *, layout: bool = False, pages: Iterable[int] | None = None, flat: bool = False
) -> str:
    """The text of a PDF as `pdftotext` prints it: the pages in order, each followed by a form
    feed. ``layout`` keeps the columns in place (as ``pdftotext -layout``), ``pages`` picks
    pages by number from 1 (as ``-f``/``-l``), ``flat`` gives the words with one space between
    them, no-break spaces included, as a person reads the text."""
    mode = "layout" if layout else "plain"
    text = "".join(
        page.extract_text(extraction_mode=mode) + "\f" for page in _pdf_pages(data, pages)
    )
    if flat:
        return " ".join(text.replace("\xa0", " ").split())
    return text


@dataclass(frozen=True)
class PdfSpan:
    """A run of text where the PDF draws it: points from the page's top left corner."""

    text: str
    x: float
    top: float
    size: float


def pdf_spans(data: bytes, *, page: int = 1) -> list[PdfSpan]:
    """The text runs of one page with their position and font size, in drawing order."""
    (pdf_page,) = _pdf_pages(data, [page])
    height = float(pdf_page.mediabox.top)
    spans = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        # The text matrix in the user space of the page: [tm] × [cm].
        a = tm[0] * cm[0] + tm[1] * cm[2]
        b = tm[0] * cm[1] + tm[1] * cm[3]
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (abs(a * d - b * c)) ** 0.5
        spans.append(
            PdfSpan(text.strip(), round(x, 2), round(height - y, 2), round(size * scale, 2))
        )

    pdf_page.extract_text(visitor_text=visit)
    return spans


def pdf_span(data: bytes, starts_with: str, *, page: int = 1) -> PdfSpan:
    """The first text run of the page that starts with ``starts_with``."""
    for span in pdf_spans(data, page=page):
        if span.text.startswith(starts_with):
            return span
    raise AssertionError(f"no text starting with «{starts_with}» on page {page}")


def pdf_page_size(data: bytes, *, page: int = 1) -> tuple[float, float]:
    """Width and height of a page in points (A4 portrait is 595 × 842)."""
    (pdf_page,) = _pdf_pages(data, [page])
    return round(float(pdf_page.mediabox.width), 1), round(float(pdf_page.mediabox.height), 1)


def pdf_fonts(data: bytes) -> set[str]:
    """The fonts a PDF embeds, without the subset prefix: {"DejaVu-Sans", …}."""
    names = set()
    for pdf_page in _pdf_pages(data):
        fonts = pdf_page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            name = str(font.get_object().get("/BaseFont", ""))
            names.add(name.lstrip("/").split("+", 1)[-1])
    return names


def pdf_image_count(data: bytes) -> int:
    """How many images the pages of a PDF draw (as ``pdfimages -list`` counts them)."""
    return sum(len(pdf_page.images) for pdf_page in _pdf_pages(data))

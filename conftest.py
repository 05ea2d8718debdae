"""Personas shared by every app's tests: two managers, a head of sales, an anonymous client."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import User
from crm.testing import (  # noqa: F401
    celery_in_process,
    collected_static,
    fast_password_hashing,
    frozen_clock,
    media_bucket,
    production_static,
    s3_server,
)

# A PDF that loses a stylesheet, an image or a font fails the test that rendered it, also in
# the workers that integration tests start (they inherit the environment).
os.environ["PDF_STRICT"] = "True"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _pdf_strict(settings):
    settings.PDF_STRICT = True


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _user(username, role=User.Role.MANAGER, **extra):
    return User.objects.create_user(
        username=username,
        password=username,
        email=f"{username}@example.ru",
        role=role,
        first_name=extra.pop("first_name", username.title()),
        **extra,
    )


@pytest.fixture
def manager_a(db):
    return _user("manager_a", first_name="Анна")


@pytest.fixture
def manager_b(db):
    return _user("manager_b", first_name="Борис")


@pytest.fixture
def head(db):
    return _user("head", role=User.Role.HEAD, first_name="Ольга")


@pytest.fixture
def client_a(client, manager_a):
    client.force_login(manager_a)
    return client


@pytest.fixture
def client_b(manager_b):
    from django.test import Client

    c = Client()
    c.force_login(manager_b)
    return c


@pytest.fixture
def client_head(head):
    from django.test import Client

    c = Client()
    c.force_login(head)
    return c


@pytest.fixture
def anon():
    from django.test import Client

    return Client()


def _ensure_migrated_rows():
    from deals.defaults import ensure_pipeline
    from deals.models import LossReason, Stage
    from documents.defaults import load_default_templates
    from documents.models import DocumentTemplate

    ensure_pipeline(Stage, LossReason)
    load_default_templates(DocumentTemplate)


@pytest.fixture(autouse=True)
def _migrated_rows_back(request):
    """A test on a transactional database starts after an earlier one's flush, which empties
    the rows the data migrations wrote; they are put back (serialized rollback would reload
    them on top of the content types the flush has already recreated)."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        _ensure_migrated_rows()


@pytest.fixture
def stages(db):
    """The default pipeline. Tests on a transactional database flush the tables that the
    data migrations filled, so it is ensured here rather than taken for granted."""
    from deals.models import Stage

    _ensure_migrated_rows()
    return list(Stage.objects.all())


@pytest.fixture
def make_deal(db, stages):
    from deals import services

    def make(manager, title="Сайт для стоматологии", budget=Decimal("100000"), **kwargs):
        return services.deal_create(
            title=title, manager=manager, by=manager, budget=budget, **kwargs
        )

    return make


@pytest.fixture
def deal_a(make_deal, manager_a):
    return make_deal(manager_a)


@pytest.fixture
def future():
    return timezone.now() + timedelta(days=2)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CRM_REQUIRE_BROWSER set (CI), a browser test that was skipped — Chromium or
    playwright missing — is a failure, not a silent skip; so is an IMAP test skipped for want
    of Dovecot under CRM_REQUIRE_IMAP."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and item.get_closest_marker("browser")
        and os.environ.get("CRM_REQUIRE_BROWSER")
    ):
        report.outcome = "failed"
        report.longrepr = f"Browser test skipped where it must run: {report.longrepr}"
    if (
        report.skipped
        and item.get_closest_marker("imap")
        and os.environ.get("CRM_REQUIRE_IMAP")
        and "Dovecot" in str(report.longrepr)
    ):
        report.outcome = "failed"
        report.longrepr = f"IMAP test skipped where it must run: {report.longrepr}"

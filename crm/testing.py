"""Test fixtures for apps that send e-mail or run tasks. Import them into an app's
tests/conftest.py: `from crm.testing import celery_in_process  # noqa: F401`."""

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

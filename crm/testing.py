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

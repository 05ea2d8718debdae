"""Generated requests for every operation of the committed schema (api/openapi.yaml), sent
through the WSGI application with a head of sales' key: no request, however odd, makes the
API answer 500, and every answer has the shape the schema promises."""

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from crm.api_tokens import api_token_create

SCHEMA = schemathesis.openapi.from_path(Path(__file__).resolve().parents[1] / "openapi.yaml")
# About 50 operations: a handful of examples each keeps the run near a minute.
EXAMPLES_PER_OPERATION = 5

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_key(head, manager_a, manager_b, stages, settings):
    from tests.test_security_matrix import build_world

    settings.API_RATE_PER_MINUTE = 100_000
    build_world(manager_a, manager_b, head)
    _token, key = api_token_create(user=head, name="Schemathesis")
    return key


@pytest.fixture(scope="module")
def application():
    # As Django's test client does: a request must not close the database connection that
    # holds the test's transaction (on PostgreSQL it would; SQLite in memory never closes).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_500_and_answers_match_the_schema(case, head_key, application):
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Bearer {head_key}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )

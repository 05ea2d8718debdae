import re
from pathlib import Path

import pytest
from django.core.management import call_command

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "openapi.yaml"

pytestmark = pytest.mark.django_db
# The largest whole number of a model field is the database's: PostgreSQL's integer, SQLite's
# 64 bits. The committed schema is written on PostgreSQL, as production runs; the comparison
# leaves those bounds aside so that it holds on either database.
DATABASE_RANGE = re.compile(
    r"^\s*(maximum: (9223372036854775807|2147483647|32767)|format: int64)\n", re.M
)


def _without_database_ranges(text: str) -> str:
    return DATABASE_RANGE.sub("", text)


def test_the_committed_schema_is_up_to_date(tmp_path):
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(fresh), "--validate")
    assert _without_database_ranges(fresh.read_text()) == _without_database_ranges(
        SCHEMA_FILE.read_text()
    ), "api/openapi.yaml is stale: python manage.py spectacular --file api/openapi.yaml"


def test_the_schema_is_served_to_a_signed_in_caller(api_a, api_anon):
    assert api_anon.get("/api/v1/schema/").status_code == 401
    response = api_a.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/deals/{id}/move/" in response.json()["paths"]


def test_the_documentation_page_uses_only_the_projects_static_files(client_a, anon):
    response = client_a.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html and "<script>" not in html
    script = client_a.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert anon.get("/api/v1/docs/").status_code == 302

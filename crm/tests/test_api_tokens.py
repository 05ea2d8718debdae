import hashlib

import pytest

from crm.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_key_is_shown_once_and_stored_hashed(client_a, manager_a):
    response = client_a.post("/profile/api-tokens/", {"name": "1С"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    token = ApiToken.objects.get(user=manager_a)
    key = html.split('data-testid="new-api-key"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert key.startswith("crm_") and token.prefix in key
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values_list())
    again = client_a.get("/profile/")
    assert key not in again.content.decode()
    assert "1С" in again.content.decode() and token.prefix in again.content.decode()
    assert "не использовался" in again.content.decode()


def test_a_key_needs_a_name(client_a):
    response = client_a.post("/profile/api-tokens/", {"name": "  "})
    assert response.status_code == 400
    assert "Назовите ключ" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_key_and_nobody_else_can(client_a, client_b, manager_a):
    client_a.post("/profile/api-tokens/", {"name": "Телефония"})
    token = ApiToken.objects.get()
    url = f"/profile/api-tokens/{token.pk}/revoke/"
    assert client_b.post(url).status_code == 404
    token.refresh_from_db()
    assert token.is_active
    response = client_a.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active
    page = client_a.get("/profile/").content.decode()
    assert "отозван" in page and token.prefix not in page

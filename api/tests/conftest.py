"""The API's callers: the same personas as the pages, each with a personal key."""

import pytest
from rest_framework.test import APIClient

from crm.api_tokens import api_token_create


def keyed(user) -> APIClient:
    _token, key = api_token_create(user=user, name="Тест")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api_a(manager_a):
    return keyed(manager_a)


@pytest.fixture
def api_b(manager_b):
    return keyed(manager_b)


@pytest.fixture
def api_head(head):
    return keyed(head)


@pytest.fixture
def api_anon():
    return APIClient()

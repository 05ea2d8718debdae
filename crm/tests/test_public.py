import os

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from crm.models import new_link_token, token_digest
from crm.public import client_ip, public_view


@public_view
def page(request):
    if request.GET.get("missing"):
        raise Http404("Анкета 5 отозвана")
    return HttpResponse("документ")


def get(path="/p/x/", ip="203.0.113.5", **headers):
    request = RequestFactory().get(path, REMOTE_ADDR=ip, headers=headers)
    request.user = AnonymousUser()
    return page(request)


def test_public_pages_need_no_login_and_send_privacy_headers(db):
    assert page.login_required is False
    response = get()
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "no-store"


def test_a_missing_document_is_the_plain_404_with_no_detail(db):
    response = get("/p/x/?missing=1")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Ссылка неверна или больше не действует." in text
    assert "отозвана" not in text
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


def test_it_answers_429_past_the_limit_per_ip(db, settings):
    settings.PUBLIC_RATE_PER_MINUTE = 3
    assert [get().status_code for _ in range(3)] == [200, 200, 200]
    limited = get()
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Слишком много запросов" in limited.content.decode()
    assert limited["X-Robots-Tag"] == "noindex, nofollow"
    # Another visitor is not affected.
    assert get(ip="198.51.100.7").status_code == 200


def test_behind_a_proxy_the_configured_header_names_the_client(db, settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", headers={"X-Real-IP": "1.2.3.4"})
    assert client_ip(request) == "10.0.0.1"
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request) == "1.2.3.4"


def test_only_a_well_formed_address_is_taken_from_the_header(db, settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    factory = RequestFactory()
    for value in ("not-an-address", "1.2.3.4.5", "", "x" * 100):
        request = factory.get("/", REMOTE_ADDR="10.0.0.1", headers={"X-Real-IP": value})
        assert client_ip(request) == "10.0.0.1"
    request = factory.get("/", REMOTE_ADDR="", headers={"X-Real-IP": "2001:db8::1, 10.0.0.2"})
    assert client_ip(request) == "2001:db8::1"
    assert client_ip(factory.get("/", REMOTE_ADDR="")) == ""


def test_tokens_carry_256_random_bits():
    token = new_link_token()
    assert len(token) == 43
    assert token != new_link_token()
    assert token_digest(token) != token and len(token_digest(token)) == 64


def test_the_rate_limit_counts_a_minute_in_redis_in_one_round_trip(settings):
    """With the shared Redis cache each hit is one pipeline: the window opened for a minute
    and counted; the limit answers from the hit after it."""
    import uuid

    import redis
    from django.core.cache import caches

    from crm.public import rate_limited, rate_reached

    url = os.environ.get("CACHE_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("needs CACHE_URL of a Redis server")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    key = f"test-{uuid.uuid4()}"
    client = redis.Redis.from_url(url)
    sent = []
    original = redis.client.Pipeline.execute

    def execute(pipe, *args, **kwargs):
        sent.append(len(pipe.command_stack))
        return original(pipe, *args, **kwargs)

    redis.client.Pipeline.execute = execute
    try:
        hits = [rate_limited(key, 3) for _ in range(4)]
    finally:
        redis.client.Pipeline.execute = original
    assert hits == [False, False, False, True]
    assert sent == [2, 2, 2, 2]
    assert rate_reached(key, 4) and not rate_reached(key, 5)
    name = caches["default"].make_and_validate_key(f"rate:{key}")
    assert 0 < client.ttl(name) <= 60

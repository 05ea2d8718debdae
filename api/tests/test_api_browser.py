"""The pages of the API and webhooks in a real browser, at 1366 and 360 px: a personal key
made and shown once on «Мой профиль», the documentation page rendering the schema from the
project's own static files under the site's CSP, and the head of sales' webhook pages."""

import pytest

from tests import test_e2e_browser as e2e
from tests.test_e2e_browser import CHROMIUM, Actor, expect

browser = e2e.browser  # the same Chromium fixture as the workflow tests

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def people(stages):
    from crm.models import User

    return {
        "olga": User.objects.create_user(
            "olga", password="olga", first_name="Ольга", role=User.Role.HEAD, email="o@ex.ru"
        ),
    }


@pytest.mark.parametrize("mobile", [False, True], ids=["1366", "360"])
def test_a_key_the_docs_and_the_webhooks_in_the_browser(browser, live_server, people, mobile):
    width = "360" if mobile else "1366"
    head = Actor(browser, live_server, f"api-{width}", mobile=mobile)
    if not mobile:
        head.page.set_viewport_size({"width": 1366, "height": 900})
    head.login("olga")

    head.go("/profile/", "profile")
    head.page.fill("input[name=name]", "1С: выгрузка оплат")
    head.page.click("text=Создать ключ")
    key_field = head.page.get_by_test_id("new-api-key")
    expect(key_field).to_be_visible()
    key = key_field.input_value()
    assert key.startswith("crm_")
    head.shot("key-shown-once")
    head.go("/profile/", "profile-after")
    assert key not in head.page.content()
    expect(head.page.locator("text=1С: выгрузка оплат")).to_be_visible()

    head.page.goto(head.base + "/api/v1/docs/")
    expect(head.page.locator(".swagger-ui .information-container")).to_be_visible()
    expect(head.page.locator("text=/api/v1/deals/").first).to_be_visible()
    head.shot("docs")
    outside = [u for u in head.requests if not u.startswith(head.base)]
    assert outside == [], outside

    head.go("/webhooks/new/", "webhook-new")
    head.page.fill("input[name=url]", "http://example.com/hook")
    head.page.check("input[value='deal.won']")
    head.page.click("text=Сохранить")
    expect(head.page.locator("text=https://").first).to_be_visible()
    head.shot("webhook-http-refused")
    head.page.fill("input[name=url]", "https://erp.example.com/crm-hook")
    head.page.click("text=Сохранить")
    expect(head.page.get_by_test_id("webhook-secret")).to_be_visible()
    head.shot("webhook-detail")
    head.go("/webhooks/", "webhook-list")
    # The refused form answers 400, which the browser reports; nothing else may fail.
    failures = [line for line in head.console if "400 (Bad Request)" not in line]
    assert failures == [], failures

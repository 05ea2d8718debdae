"""The client form's script in a real browser: the bank filled from the БИК and the company
from the ИНН (DaData answers from a recorded response; nothing leaves the machine)."""

import io
import json
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from contacts.models import Client
from deals.tests.conftest import settlement_account

from .test_e2e_browser import CHROMIUM, Actor, browser  # noqa: F401 (the browser fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.django_db(transaction=True),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

DATA = Path(__file__).resolve().parents[1] / "contacts" / "tests" / "data"


@pytest.fixture
def recorded_dadata(settings, monkeypatch):
    """The ИНН each request to DaData asked about; every answer is the recorded one."""
    settings.DADATA_API_KEY = "test-token"
    answer = json.loads((DATA / "dadata_party_legal.json").read_text(encoding="utf-8"))
    asked = []

    def handle(transport, request):
        asked.append(json.loads(request.content)["query"])
        return httpx.Response(200, json=answer)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    return asked


def test_the_bik_and_the_inn_fill_the_client_form(
    browser,  # noqa: F811 (the fixture imported above)
    live_server,
    manager_a,
    recorded_dadata,
):
    call_command("load_bik", str(DATA / "ed807_sample.xml"), stdout=io.StringIO())
    anna = Actor(browser, live_server, "autofill")
    anna.login("manager_a")
    anna.go("/clients/new/", "client-new")
    page = anna.page
    # An individual's ИНН is personal data: it is not sent to DaData.
    page.locator("input[name=kind][value=person]").check()
    page.fill("input[name=inn]", "500100732259")
    page.wait_for_timeout(800)
    assert recorded_dadata == [] and not page.locator("[data-party-offers]").count()
    page.fill("input[name=inn]", "")
    page.locator("input[name=kind][value=legal]").check()

    page.fill("input[name=inn]", "7707083893")
    offer = page.locator("[data-party-offers] button").first
    expect(offer).to_contain_text("ПАО СБЕРБАНК")
    anna.shot("inn-offers")
    offer.click()
    assert recorded_dadata == ["7707083893"]
    expect(page.locator("input[name=kpp]")).to_have_value("773601001")
    expect(page.locator("input[name=ogrn]")).to_have_value("1027700132195")
    expect(page.locator("input[name=signatory_name]")).to_have_value("Греф Герман Оскарович")
    expect(page.locator("input[name=signatory_name_genitive]")).to_have_value(
        "Грефа Германа Оскаровича"
    )

    bik = page.locator("input[name=accounts-0-bik]")
    bik.fill("044525226")
    expect(page.locator("[data-live-note]").last).to_contain_text("нет в справочнике БИК")
    bik.fill("044525974")
    expect(page.locator("input[name=accounts-0-bank_name]")).to_have_value('АО "ТБанк", г. Москва')
    expect(page.locator("input[name=accounts-0-correspondent_account]")).to_have_value(
        "30101810145250000974"
    )
    anna.shot("bik-filled")
    page.fill("input[name=accounts-0-settlement_account]", settlement_account(1, "044525974"))
    page.click("button:has-text('Создать клиента')")
    page.wait_for_url(lambda url: "/clients/new/" not in url)
    client = Client.objects.get()
    assert (client.name, client.kpp) == ("ПАО СБЕРБАНК", "773601001")
    assert client.default_bank_account.bank_name == 'АО "ТБанк", г. Москва'
    assert not [c for c in anna.console if "Content Security Policy" in c], anna.console

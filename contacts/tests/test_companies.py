"""Company details by ИНН from DaData, on recorded answers: no test reaches the network."""

import json
from pathlib import Path

import httpx
import pytest
from django.urls import reverse

from contacts import companies
from contacts.models import Client
from deals.tests.conftest import ACCOUNT, LEGAL, form_data

DATA = Path(__file__).parent / "data"
PARTY = reverse("clients:party")
DADATA_URL = "https://suggestions.dadata.ru/suggestions/api/4_1/rs/findById/party"
UNAVAILABLE = "DaData сейчас не отвечает — заполните реквизиты вручную."


def recorded(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class FakeDadata:
    """Answers every request the dadata package sends through httpx."""

    def __init__(self):
        self.requests: list[httpx.Request] = []
        self.answer: dict | Exception | httpx.Response = recorded("dadata_party_legal.json")

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        if isinstance(self.answer, httpx.Response):
            return self.answer
        return httpx.Response(200, json=self.answer)


@pytest.fixture
def dadata(settings, monkeypatch):
    settings.DADATA_API_KEY = "test-token"
    fake = FakeDadata()
    monkeypatch.setattr(
        httpx.HTTPTransport, "handle_request", lambda transport, request: fake.handle(request)
    )
    return fake


SBERBANK = {
    "kind": "legal",
    "name": "ПАО СБЕРБАНК",
    "full_name": "ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО «СБЕРБАНК РОССИИ»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "okpo": "00032537",
    "legal_address": "117312, г Москва, Академический р-н, ул Вавилова, д 19",
    "signatory_position": "Президент, председатель правления",
    "signatory_name": "Греф Герман Оскарович",
}


class TestOffers:
    """What a recorded DaData answer becomes: the fields of the client form."""

    def test_an_organisation_offers_its_requisites_and_director(self):
        offers = companies.offers(recorded("dadata_party_legal.json")["suggestions"])
        main, branch = offers
        assert main["fields"] == SBERBANK
        assert main["title"] == "ПАО СБЕРБАНК"
        assert main["details"] == (
            "КПП 773601001 · ОГРН 1027700132195 · "
            "117312, г Москва, Академический р-н, ул Вавилова, д 19"
        )
        assert main["status"] == ""
        assert branch["title"] == "ПАО СБЕРБАНК — филиал"
        assert branch["fields"]["kpp"] == "667102008"
        assert "signatory_name" not in branch["fields"]

    def test_a_sole_proprietor_offers_the_person_and_says_it_is_closed(self):
        (offer,) = companies.offers(recorded("dadata_party_entrepreneur.json")["suggestions"])
        assert offer["fields"] == {
            "kind": "entrepreneur",
            "person_name": "Соколова Марина Викторовна",
            "inn": "500100732259",
            "ogrnip": "304500116000157",
            "ogrnip_date": "2004-04-23",
            "registration_address": "143900, Московская обл, г Балашиха",
        }
        assert offer["status"] == "Деятельность прекращена"


@pytest.mark.django_db
class TestPartyEndpoint:
    def test_typing_an_inn_offers_the_company(self, client_a, dadata):
        response = client_a.get(PARTY, {"inn": "7707083893"})
        assert response.status_code == 200
        body = response.json()
        assert body["note"] == ""
        assert body["offers"][0]["fields"] == SBERBANK
        (request,) = dadata.requests
        assert str(request.url) == DADATA_URL
        assert request.headers["Authorization"] == "Token test-token"
        assert json.loads(request.content)["query"] == "7707083893"

    def test_the_offer_fills_a_form_that_saves(self, client_a, dadata):
        fields = client_a.get(PARTY, {"inn": "7707083893"}).json()["offers"][0]["fields"]
        data = form_data({**fields, "basis_kind": "charter"}, [ACCOUNT])
        assert client_a.post(reverse("clients:create"), data).status_code == 302
        client = Client.objects.get()
        assert client.signatory_name_genitive == "Грефа Германа Оскаровича"
        assert client.kpp == "773601001"

    def test_a_wrong_inn_is_explained_without_asking_dadata(self, client_a, dadata):
        response = client_a.get(PARTY, {"inn": "7707083894"})
        assert response.json() == {
            "offers": [],
            "note": "ИНН: неверное контрольное число — проверьте, нет ли опечатки в цифрах.",
        }
        assert dadata.requests == []

    def test_an_unknown_inn_says_so(self, client_a, dadata):
        dadata.answer = {"suggestions": []}
        assert client_a.get(PARTY, {"inn": "7707083893"}).json() == {
            "offers": [],
            "note": "По ИНН 7707083893 в DaData ничего не нашлось — заполните реквизиты вручную.",
        }

    @pytest.mark.parametrize(
        "answer",
        [
            httpx.ReadTimeout("timed out"),
            httpx.ConnectError("no route"),
            httpx.Response(403, json={"message": "Forbidden"}),
            httpx.Response(500, text="Internal Server Error"),
            httpx.Response(503, text="<html>Service Unavailable</html>"),
            httpx.Response(200, text="<html>not json</html>"),
            httpx.Response(200, json={"unexpected": True}),
        ],
        ids=["timeout", "connect", "403", "500", "503", "html", "shape"],
    )
    def test_a_dadata_failure_leaves_typing_by_hand(self, client_a, dadata, answer):
        dadata.answer = answer
        response = client_a.get(PARTY, {"inn": "7707083893"})
        assert response.status_code == 502
        assert response.json() == {"offers": [], "note": UNAVAILABLE}
        by_hand = client_a.post(reverse("clients:create"), form_data(LEGAL, [ACCOUNT]))
        assert by_hand.status_code == 302

    def test_it_is_rate_limited_per_user(self, client_a, client_b, dadata, settings):
        settings.DADATA_RATE_PER_MINUTE = 2
        for _ in range(2):
            assert client_a.get(PARTY, {"inn": "7707083893"}).status_code == 200
        refused = client_a.get(PARTY, {"inn": "7707083893"})
        assert refused.status_code == 429
        assert refused.json()["note"] == (
            "Слишком много запросов к DaData: подождите минуту или заполните реквизиты вручную."
        )
        assert client_b.get(PARTY, {"inn": "7707083893"}).status_code == 200
        assert len(dadata.requests) == 3

    def test_it_needs_a_login(self, anon, dadata):
        response = anon.get(PARTY, {"inn": "7707083893"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert dadata.requests == []

    def test_it_is_off_without_a_key(self, client_a, dadata, settings):
        settings.DADATA_API_KEY = ""
        assert client_a.get(PARTY, {"inn": "7707083893"}).status_code == 404
        assert dadata.requests == []
        assert "data-party-url" not in client_a.get(reverse("clients:create")).text

    def test_the_client_forms_offer_it_when_on(self, client_a, deal_a, dadata):
        attribute = f'data-party-url="{PARTY}"'
        assert attribute in client_a.get(reverse("clients:create")).text
        panel = client_a.get(
            reverse("deals:client_create", args=[deal_a.pk]), headers={"HX-Request": "true"}
        )
        assert attribute in panel.text
        assert 'data-party-source="1"' in panel.text

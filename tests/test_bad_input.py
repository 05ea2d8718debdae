"""Generated bad input against the intake endpoint, the deal forms and the requisites of
clients (pages and import): never a server error, always a clear answer, and nothing saved
half-way."""

import json
import re

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from deals.models import Comment, Deal, LeadRequest, LeadSource, Stage, Task

TEXT = st.text(max_size=300)
FIELD_VALUES = st.one_of(TEXT, st.integers(), st.none(), st.booleans(), st.lists(TEXT, max_size=3))
LEAD = st.fixed_dictionaries(
    {},
    optional={
        name: FIELD_VALUES
        for name in ("name", "phone", "email", "message", "source_page", "utm_source", "website")
    },
)


class IntakeFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        from crm.models import User
        from deals.defaults import ensure_pipeline
        from deals.models import LossReason

        ensure_pipeline(Stage, LossReason)
        cls.manager = User.objects.create_user("fuzz", password="x")
        cls.source = LeadSource.objects.create(name="Сайт", manager=cls.manager)

    def setUp(self):
        # Each example starts with fresh one-minute limits.
        cache.clear()

    def post(self, body, content_type="application/json", **headers):
        cache.clear()
        before = LeadRequest.objects.count()
        response = self.client.post(
            "/api/leads/",
            body,
            content_type=content_type,
            HTTP_AUTHORIZATION=f"Bearer {self.source.key}",
            **headers,
        )
        assert response.status_code in (200, 201, 400), response.status_code
        assert LeadRequest.objects.count() == before + 1
        assert Deal.objects.count() == LeadRequest.objects.filter(deal__isnull=False).count()
        return response

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(payload=LEAD)
    def test_any_json_gets_a_clear_answer_and_is_kept(self, payload):
        cache.clear()
        before = LeadRequest.objects.count()
        response = self.client.post(
            "/api/leads/",
            json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.source.key}",
        )
        assert response.status_code in (200, 201, 400, 429), response.status_code
        body = response.json()
        if response.status_code == 400:
            assert body["errors"] and all(isinstance(m, list) for m in body["errors"].values())
            assert (
                Deal.objects.filter(lead_source=self.source).count()
                == LeadRequest.objects.filter(status=LeadRequest.Status.CREATED).count()
            )
        assert LeadRequest.objects.count() == before + 1

    @settings(max_examples=30, deadline=None)
    @given(body=st.binary(max_size=200))
    def test_any_bytes_never_break_the_endpoint(self, body):
        response = self.client.post(
            "/api/leads/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.source.key}",
        )
        assert response.status_code in (200, 201, 400, 429)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        value=st.recursive(
            TEXT | st.integers() | st.none(),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
            max_leaves=20,
        ),
        depth=st.integers(min_value=0, max_value=20_000),
    )
    def test_nested_json_is_refused_before_it_is_parsed(self, value, depth):
        body = json.dumps({"phone": "+79161234567", "name": value})
        body = "[" * depth + body + "]" * depth
        response = self.post(body)
        if depth > 7:
            assert response.status_code == 400
            assert "вложенность" in response.json()["errors"]["non_field"][0]
            kept = LeadRequest.objects.latest("pk")
            assert kept.status == LeadRequest.Status.INVALID
            assert kept.payload["_body"].startswith("[" * min(depth, 100))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        size=st.integers(min_value=0, max_value=200_000),
        char=st.sampled_from(["ы", "a", "\x00", "😀", "\\"]),
        as_form=st.booleans(),
    )
    # A cut body of NUL characters grows threefold when each is kept as U+FFFD.
    @example(size=65_367, char="\x00", as_form=True)
    @example(size=70_000, char="\x00", as_form=False)
    def test_a_body_of_any_size_gets_a_clear_answer_and_is_kept(self, size, char, as_form):
        fields = {"phone": "+79161234567", "message": char * size}
        if as_form:
            from django.test.client import MULTIPART_CONTENT

            response = self.post(fields, content_type=MULTIPART_CONTENT, HTTP_ACCEPT="text/html")
            assert response["Content-Type"].startswith("text/html")
        else:
            response = self.post(json.dumps(fields))
        kept = LeadRequest.objects.latest("pk")
        if "_body" in kept.payload:
            assert response.status_code == 400
            assert len(kept.payload["_body"].encode()) <= 64 * 1024
            assert kept.status == LeadRequest.Status.INVALID
        assert "\x00" not in json.dumps(kept.payload, ensure_ascii=False)

    @settings(max_examples=30, deadline=None)
    @given(
        fields=st.dictionaries(TEXT, TEXT, max_size=6), accept=st.sampled_from(["", "text/html"])
    )
    def test_any_form_post_gets_a_page_or_json(self, fields, accept):
        response = self.post(
            fields, content_type="application/x-www-form-urlencoded", HTTP_ACCEPT=accept
        )
        if accept:
            assert response["Content-Type"].startswith("text/html")
        else:
            assert response["Content-Type"] == "application/json"


FORM_VALUE = st.one_of(TEXT, st.sampled_from(["", "-1", "0", "1e309", "9" * 30, "2026-13-45"]))


class DealFormsFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        from crm.models import User
        from deals import services
        from deals.defaults import ensure_pipeline
        from deals.models import LossReason

        ensure_pipeline(Stage, LossReason)
        cls.manager = User.objects.create_user("fuzz", password="x")
        cls.deal = services.deal_create(title="Сделка", manager=cls.manager, by=cls.manager)

    def browser(self):
        from django.test import Client

        client = Client()
        client.force_login(self.manager)
        return client

    @settings(max_examples=40, deadline=None)
    @given(title=FORM_VALUE, budget=FORM_VALUE, source=FORM_VALUE, manager=FORM_VALUE)
    def test_deal_form_answers_every_input(self, title, budget, source, manager):
        before = Deal.objects.count()
        response = self.browser().post(
            "/deals/new/", {"title": title, "budget": budget, "source": source, "manager": manager}
        )
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert "invalid-feedback" in response.text or "alert" in response.text
            assert Deal.objects.count() == before

    @settings(max_examples=40, deadline=None)
    @given(text=FORM_VALUE, kind=FORM_VALUE, assignee=FORM_VALUE, due_at=FORM_VALUE)
    def test_task_form_answers_every_input(self, text, kind, assignee, due_at):
        before = Task.objects.count()
        response = self.browser().post(
            f"/deals/{self.deal.pk}/tasks/new/",
            {"text": text, "kind": kind, "assignee": assignee, "due_at": due_at},
        )
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert Task.objects.count() == before

    @settings(max_examples=30, deadline=None)
    @given(text=TEXT)
    def test_comment_form_answers_every_input(self, text):
        before = Comment.objects.count()
        response = self.browser().post(f"/deals/{self.deal.pk}/comments/new/", {"text": text})
        assert response.status_code in (302, 400)
        assert Comment.objects.count() == before + (1 if response.status_code == 302 else 0)


# Requisites: digits of every kind, long strings, NUL

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DIGIT_LIKE = "0123456789０１２３４５６７８９⁰¹²³⁴⁵⁶⁷⁸⁹₀₁٠١٢٣٤٥٦٧٨٩०१२३४५६७८९①⑩ -\x00"


def requisite(valid: str):
    return st.one_of(
        st.just(valid),
        st.just(valid.translate(FULL_WIDTH)),
        st.text(alphabet=DIGIT_LIKE, max_size=30),
        st.text(max_size=40),
        st.integers(min_value=100, max_value=5000).map(lambda n: valid[0] * n),
        st.builds(lambda i, c: valid[:i] + c + valid[i:], st.integers(0, len(valid)), TEXT),
        # One digit typed as a look-alike: superscript, full-width, Arabic, circled.
        st.builds(
            lambda i, c: valid[:i] + c + valid[i + 1 :],
            st.integers(0, len(valid) - 1),
            st.sampled_from(DIGIT_LIKE),
        ),
    )


LEGAL = {
    "kind": "legal",
    "name": "ООО «Ромашка»",
    "full_name": "Общество с ограниченной ответственностью «Ромашка»",
    "legal_address": "г. Москва",
    "signatory_position": "Генеральный директор",
    "signatory_name": "Петров Сергей Николаевич",
    "basis_kind": "charter",
}
ASCII_NUMBER_RE = re.compile(r"[0-9A-Z-]*")
# Valid values; each example changes one or two of them.
ORGANISATION = {
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "okpo": "00032537",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40702810938000012345",
}
PERSON = {
    "inn": "500100732259",
    "ogrnip": "304500116000157",
    "phones_text": "+7 916 123-45-67",
    "passport_series": "4510",
    "passport_number": "123456",
    "passport_code": "770-001",
}


class RequisitesFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        from crm.models import User

        cls.manager = User.objects.create_user("fuzz", password="x")

    def post_client(self, values: dict, account: dict | None = None):
        from django.test import Client as Browser

        from contacts.models import BankAccount, Client

        browser = Browser()
        browser.force_login(self.manager)
        data = {
            **values,
            "accounts-TOTAL_FORMS": "1" if account else "0",
            "accounts-INITIAL_FORMS": "0",
        }
        data.update({f"accounts-0-{k}": v for k, v in (account or {}).items()})
        before = (Client.objects.count(), BankAccount.objects.count())
        response = browser.post("/clients/new/", data)
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code != 302:
            assert (Client.objects.count(), BankAccount.objects.count()) == before
            return None
        client = Client.objects.latest("pk")
        numbers = [getattr(client, name) for name in values if name in NUMBER_FIELDS]
        numbers += [
            getattr(a, name)
            for a in client.bank_accounts.all()
            for name in ("bik", "correspondent_account", "settlement_account")
        ]
        assert all(ASCII_NUMBER_RE.fullmatch(str(n)) for n in numbers), numbers
        return client

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.data(),
        names=st.lists(st.sampled_from(list(ORGANISATION)), min_size=1, max_size=2, unique=True),
    )
    def test_the_requisites_of_an_organisation_never_break_the_page(self, data, names):
        values = dict(ORGANISATION)
        for name in names:
            values[name] = data.draw(requisite(values[name]), label=name)
        account = {k: values.pop(k) for k in ("bik", "correspondent_account", "settlement_account")}
        self.post_client({**LEGAL, **values}, {"bank_name": "ПАО Сбербанк", **account})

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.data(),
        names=st.lists(st.sampled_from(list(PERSON)), min_size=1, max_size=2, unique=True),
    )
    def test_passports_phones_and_ogrnip_never_break_the_page(self, data, names):
        values = dict(PERSON)
        for name in names:
            values[name] = data.draw(requisite(values[name]), label=name)
        self.post_client(
            {
                "kind": "entrepreneur",
                "person_name": "Соколова Марина Викторовна",
                "ogrnip_date": "2004-03-12",
                "registration_address": "г. Москва",
                "basis_kind": "charter",
                **{k: values[k] for k in ("inn", "ogrnip", "phones_text")},
            }
        )
        self.post_client(
            {
                "kind": "person",
                "person_name": "Кузьмин Андрей Павлович",
                "passport_issued_by": "ГУ МВД России по г. Москве",
                "passport_issued_date": "2015-06-10",
                "registration_address": "г. Москва",
                "basis_kind": "charter",
                **{k: values[k] for k in values if k.startswith("passport")},
            }
        )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        data=st.data(),
        name=st.sampled_from([*ORGANISATION, "poa_date"]),
    )
    def test_the_import_answers_every_row(self, data, name):
        import tablib

        from contacts.models import BankAccount, Client
        from contacts.resources import COLUMNS, ClientResource

        values = {**ORGANISATION, "poa_date": "12.03.2004"}
        if name == "poa_date":
            values[name] = data.draw(st.one_of(st.just("31.02.2004"), TEXT), label=name)
        else:
            values[name] = data.draw(requisite(values[name]), label=name)
        columns = {**dict(COLUMNS), "bik": "БИК", "correspondent_account": "Корреспондентский счёт"}
        columns["settlement_account"] = "Расчётный счёт"
        row = {
            "Тип": "Юридическое лицо",
            "Краткое наименование": LEGAL["name"],
            "Полное наименование": LEGAL["full_name"],
            "Юридический адрес": "г. Москва",
            "Должность подписанта": "Директор",
            "ФИО подписанта": LEGAL["signatory_name"],
            "Банк": "ПАО Сбербанк",
            **{columns[k]: v for k, v in values.items()},
        }
        dataset = tablib.Dataset(headers=list(row))
        dataset.append(list(row.values()))
        before = (Client.objects.count(), BankAccount.objects.count())
        result = ClientResource().import_data(dataset, dry_run=False, user=self.manager)
        assert not result.has_errors(), [
            e.error for _, errors in result.row_errors() for e in errors
        ]
        if result.has_validation_errors():
            assert (Client.objects.count(), BankAccount.objects.count()) == before
        else:
            client = Client.objects.get()
            assert ASCII_NUMBER_RE.fullmatch(client.inn + client.kpp + client.ogrn + client.okpo)
            assert ASCII_NUMBER_RE.fullmatch(client.default_bank_account.bik)


NUMBER_FIELDS = {
    "inn",
    "kpp",
    "ogrn",
    "okpo",
    "ogrnip",
    "passport_series",
    "passport_number",
    "passport_code",
}

pytestmark = pytest.mark.django_db

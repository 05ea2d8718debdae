"""Generated bad input against the intake endpoint and the deal forms: never a server error,
always a clear answer, and nothing saved half-way."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
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

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(payload=LEAD)
    def test_any_json_gets_a_clear_answer_and_is_kept(self, payload):
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


pytestmark = pytest.mark.django_db

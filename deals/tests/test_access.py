"""Who may do what on a deal and who sees a client's personal data, as managers and the head
of sales meet it through the pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.models import Client
from crm.models import OutgoingEmail
from deals import services
from deals.models import Comment, Deal, DealEvent, Stage, Task

from .conftest import PERSON, form_data

PASSPORT_NUMBER = "654321"
BIRTH_DATE = "14.03.1985"


@pytest.fixture
def person_of_a(manager_a, make_client):
    """An individual created by manager_a, with a passport, a birth date and an account,
    on a deal of manager_a."""
    import datetime

    client = make_client(
        manager_a,
        kind="person",
        inn="500100732259",
        passport_number=PASSPORT_NUMBER,
        birth_date=datetime.date(1985, 3, 14),
    )
    services.deal_create(title="Сайт", manager=manager_a, by=manager_a, client=client)
    return client


@pytest.fixture
def deal_of_b(make_deal, manager_b):
    return make_deal(manager_b, title="Сделка Бориса")


@pytest.fixture
def task_of_b(deal_a, manager_a, manager_b, future):
    """manager_b holds an open task on manager_a's deal."""
    return services.task_create(
        deal=deal_a,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Позвонить клиенту",
        due_at=future,
    )


def account_of(client) -> str:
    return client.bank_accounts.get().settlement_account


class TestAttachByInn:
    """Knowing an ИНН lets a manager attach the client to their deal, nothing more."""

    @pytest.fixture
    def attached(self, client_b, deal_of_b, person_of_a):
        response = client_b.post(
            reverse("deals:client_set", args=[deal_of_b.pk]),
            {"client": person_of_a.pk, "inn": person_of_a.inn},
        )
        assert response.status_code == 302
        deal_of_b.refresh_from_db()
        assert deal_of_b.client == person_of_a
        return person_of_a

    def test_the_card_hides_the_passport_birth_date_and_account(self, client_b, attached):
        page = client_b.get(reverse("clients:detail", args=[attached.pk]))
        assert page.status_code == 200
        assert attached.name in page.text
        assert PASSPORT_NUMBER not in page.text
        assert BIRTH_DATE not in page.text
        assert account_of(attached) not in page.text
        assert "Паспортные данные видят только" in page.text

    def test_the_change_log_masks_the_personal_values(self, client_b, attached):
        page = client_b.get(reverse("clients:detail", args=[attached.pk])).text
        assert "Номер паспорта: — → •••• (скрыто)" in page
        assert account_of(attached) not in page

    def test_the_edit_form_is_refused_and_changes_nothing(self, client_b, attached):
        url = reverse("clients:edit", args=[attached.pk])
        page = client_b.get(url)
        assert page.status_code == 403
        assert PASSPORT_NUMBER not in page.text
        assert "Менять реквизиты клиента могут" in page.text
        data = form_data(
            {**PERSON, "person_name": "Чужой Человек", "passport_number": "111111"}, []
        )
        assert client_b.post(url, data).status_code == 403
        attached.refresh_from_db()
        assert attached.person_name.startswith("Петров")
        assert attached.passport_number == PASSPORT_NUMBER

    def test_the_creator_and_the_head_still_see_and_edit(self, client_a, client_head, attached):
        for c in (client_a, client_head):
            page = c.get(reverse("clients:detail", args=[attached.pk])).text
            assert f"№ {PASSPORT_NUMBER}" in page and BIRTH_DATE in page
            assert account_of(attached) in page
            assert c.get(reverse("clients:edit", args=[attached.pk])).status_code == 200

    def test_the_head_attaching_it_entrusts_it_to_the_deal(
        self, client_head, client_b, deal_of_b, attached
    ):
        client_head.post(reverse("deals:client_set", args=[deal_of_b.pk]), {"client": attached.pk})
        page = client_b.get(reverse("clients:detail", args=[attached.pk])).text
        assert f"№ {PASSPORT_NUMBER}" in page
        event = DealEvent.objects.filter(deal=deal_of_b, kind="client").latest("pk")
        assert event.text.startswith(f"Клиент {attached} доверен ответственному")


class TestResponsibleManager:
    def test_the_manager_a_deal_is_handed_to_with_its_client_sees_the_passport(
        self, client_head, client_b, manager_b, person_of_a
    ):
        deal = Deal.objects.get(client=person_of_a)
        response = client_head.post(
            reverse("deals:edit", args=[deal.pk]),
            {"title": deal.title, "source": deal.source, "manager": manager_b.pk, "budget": "0"},
        )
        assert response.status_code == 302
        page = client_b.get(reverse("clients:detail", args=[person_of_a.pk])).text
        assert f"№ {PASSPORT_NUMBER}" in page
        assert client_b.get(reverse("clients:edit", args=[person_of_a.pk])).status_code == 200

    def test_a_client_created_in_the_card_goes_with_the_deal(
        self, client_a, client_b, deal_a, manager_b
    ):
        data = form_data({**PERSON, "passport_number": PASSPORT_NUMBER}, [], prefix="client")
        response = client_a.post(reverse("deals:client_create", args=[deal_a.pk]), data)
        assert response.status_code == 302
        client = Client.objects.get()
        client_a.post(
            reverse("deals:edit", args=[deal_a.pk]),
            {"title": deal_a.title, "source": "phone", "manager": manager_b.pk, "budget": "1"},
        )
        page = client_b.get(reverse("clients:detail", args=[client.pk])).text
        assert f"№ {PASSPORT_NUMBER}" in page


class TestTaskHolder:
    """A manager with an open task on someone else's deal sees the card, comments and
    completes their own task; everything else is refused and changes nothing."""

    def edit_data(self, deal, manager):
        return {"title": deal.title, "source": deal.source, "manager": manager.pk, "budget": "1"}

    def test_they_cannot_take_the_deal_over(self, client_a, client_b, deal_a, manager_b, task_of_b):
        events = DealEvent.objects.count()
        url = reverse("deals:edit", args=[deal_a.pk])
        assert client_b.get(url).status_code == 403
        response = client_b.post(url, self.edit_data(deal_a, manager_b))
        assert response.status_code == 403
        assert "ответственный менеджер или руководитель" in response.text
        deal_a.refresh_from_db()
        assert deal_a.manager.username == "manager_a" and deal_a.budget == Decimal("100000")
        assert DealEvent.objects.count() == events
        assert client_a.get(deal_a.get_absolute_url()).status_code == 200

    def test_they_cannot_move_the_stage(self, client_b, deal_a, task_of_b):
        target = list(Stage.objects.filter(kind=Stage.Kind.OPEN))[2]
        response = client_b.post(reverse("deals:move", args=[deal_a.pk]), {"stage": target.pk})
        assert response.status_code == 403
        deal_a.refresh_from_db()
        assert deal_a.stage == Stage.first_open()

    def test_they_cannot_change_the_client_contacts_or_tasks(
        self, client_b, deal_a, manager_b, task_of_b, future
    ):
        before = DealEvent.objects.count()
        posts = [
            ("deals:task_create", {"text": "Ещё", "kind": "call", "assignee": manager_b.pk}),
            ("deals:contact_create", {"name": "Чужой", "phones_text": "+79160000000"}),
            ("deals:client_unlink", {}),
            ("deals:client_create", form_data(PERSON, [], prefix="client")),
        ]
        for name, data in posts:
            response = client_b.post(reverse(name, args=[deal_a.pk]), data)
            assert response.status_code == 403, name
        assert client_b.get(reverse("deals:client_search", args=[deal_a.pk])).status_code == 403
        assert DealEvent.objects.count() == before
        assert Task.objects.count() == 1 and not Client.objects.exists()

    def test_they_see_the_card_without_the_edit_buttons(self, client_b, deal_a, task_of_b):
        page = client_b.get(deal_a.get_absolute_url())
        assert page.status_code == 200
        assert reverse("deals:edit", args=[deal_a.pk]) not in page.text
        assert "у вас здесь только задача" in page.text

    def test_they_comment_and_complete_their_own_task(self, client_b, deal_a, manager_b, task_of_b):
        response = client_b.post(
            reverse("deals:comment_create", args=[deal_a.pk]), {"text": "Клиент не отвечает"}
        )
        assert response.status_code == 302
        assert Comment.objects.get().author == manager_b
        response = client_b.post(
            reverse("deals:task_complete", args=[deal_a.pk, task_of_b.pk]), {"result": "Дозвонился"}
        )
        assert response.status_code == 302
        task_of_b.refresh_from_db()
        assert task_of_b.done_at is not None

    def test_after_their_last_task_they_land_on_my_tasks_with_a_message(
        self, client_b, deal_a, task_of_b
    ):
        response = client_b.post(
            reverse("deals:task_complete", args=[deal_a.pk, task_of_b.pk]),
            {"result": "Дозвонился", "next": deal_a.get_absolute_url()},
            follow=True,
        )
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("deals:my_tasks")
        assert f"Сделка №{deal_a.pk}" in response.text
        assert "больше не видна" in response.text

    def test_they_cannot_complete_someone_elses_task(
        self, client_b, deal_a, manager_a, task_of_b, future
    ):
        owners = services.task_create(
            deal=deal_a,
            author=manager_a,
            assignee=manager_a,
            kind="call",
            text="Моя",
            due_at=future,
        )
        url = reverse("deals:task_complete", args=[deal_a.pk, owners.pk])
        assert client_b.post(url, {"result": "Сделано"}).status_code == 403
        owners.refresh_from_db()
        assert owners.done_at is None


class TestReassign:
    def test_the_head_reassigns_with_a_timeline_entry_and_e_mails(
        self, client_head, deal_a, manager_a, manager_b, head
    ):
        response = client_head.post(
            reverse("deals:edit", args=[deal_a.pk]),
            {"title": deal_a.title, "source": "phone", "manager": manager_b.pk, "budget": "100000"},
        )
        assert response.status_code == 302
        deal_a.refresh_from_db()
        assert deal_a.manager == manager_b
        event = DealEvent.objects.get(deal=deal_a, kind="manager")
        assert event.actor == head
        assert event.text == "Ответственный: Анна → Борис"
        mails = {m.recipient: m for m in OutgoingEmail.objects.filter(template="deal_reassigned")}
        assert set(mails) == {manager_a.email, manager_b.email}
        assert f"№{deal_a.pk}" in mails[manager_b.email].subject
        assert "Теперь вы ответственный" in mails[manager_b.email].body_text
        assert "Кто передал: Ольга" in mails[manager_b.email].body_text
        assert "Вы больше не отвечаете" in mails[manager_a.email].body_text
        assert "Новый ответственный: Борис" in mails[manager_a.email].body_text
        assert deal_a.get_absolute_url() in mails[manager_b.email].body_html

    def test_the_owner_hands_over_and_lands_on_the_list(
        self, client_a, deal_a, manager_a, manager_b
    ):
        response = client_a.post(
            reverse("deals:edit", args=[deal_a.pk]),
            {"title": deal_a.title, "source": "phone", "manager": manager_b.pk, "budget": "100000"},
            follow=True,
        )
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("deals:list")
        assert "передана" in response.text and "Борис" in response.text
        deal_a.refresh_from_db()
        assert deal_a.manager == manager_b
        assert DealEvent.objects.get(deal=deal_a, kind="manager").actor == manager_a
        # The one who handed it over knows already; the new manager is told.
        recipients = set(
            OutgoingEmail.objects.filter(template="deal_reassigned").values_list(
                "recipient", flat=True
            )
        )
        assert recipients == {manager_b.email}

    def test_an_edit_that_keeps_the_manager_writes_no_manager_entry(
        self, client_a, deal_a, manager_a
    ):
        client_a.post(
            reverse("deals:edit", args=[deal_a.pk]),
            {"title": "Другое", "source": "phone", "manager": manager_a.pk, "budget": "100000"},
        )
        assert not DealEvent.objects.filter(kind="manager").exists()
        assert not OutgoingEmail.objects.filter(template="deal_reassigned").exists()

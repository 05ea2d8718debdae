"""A contract with an individual: its staff preview and PDFs follow the client card's rule on
personal data (deals.clients.access.may_see_personal_data); the client's own copy by link
is complete."""

import pytest

from crm.testing import pdf_text
from deals import services as deal_services
from documents import services

from .conftest import default_template

PASSPORT = "№ 123456"  # the demo individual's passport number
BIRTH_DATE = "14 марта 1985"
ACCOUNT = "40817810838000098765"
MASK = "•••• (скрыто)"


@pytest.fixture
def deal_with_person(deal_a, manager_a, real_seller, make_client, save_calculation):
    from deals.clients.services import deal_set_client

    deal = deal_set_client(deal=deal_a, client=make_client("person"), by=manager_a)
    save_calculation(deal, manager_a)
    return deal


@pytest.fixture
def contract(deal_with_person, manager_a):
    body = default_template("contract").body + (
        "<p>Дата рождения: {{ client.birth_date }}. Счёт: {{ client.bank.account }}.</p>"
    )
    contract = services.contract_create(
        deal=deal_with_person, template=default_template("contract"), by=manager_a
    )
    contract.body = body
    contract.save(update_fields=["body"])
    return contract


@pytest.fixture
def task_holder(deal_with_person, manager_a, manager_b, future):
    deal_services.task_create(
        deal=deal_with_person,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Согласовать договор",
        due_at=future,
    )
    return manager_b


def shows_personal_data(text: str) -> bool:
    text = text.replace("\u00a0", " ")  # dates are written with no-break spaces
    found = [value in text for value in (PASSPORT, BIRTH_DATE, ACCOUNT)]
    assert len(set(found)) == 1, f"partly masked: {found}"
    return found[0]


def pdf_of(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.getvalue(), flat=True)


class TestDraft:
    def test_the_task_holder_sees_the_preview_masked(self, client_b, task_holder, contract):
        page = client_b.get(contract.get_absolute_url())
        assert page.status_code == 200
        assert not shows_personal_data(page.text)
        assert f"паспорт: {MASK}" in page.text

    def test_the_task_holder_gets_a_masked_draft_pdf(self, client_b, task_holder, contract):
        text = pdf_of(client_b.get(contract.urls["pdf"]))
        assert not shows_personal_data(text)
        assert "(скрыто)" in text

    def test_the_responsible_manager_and_the_head_see_it_whole(
        self, client_a, client_head, contract
    ):
        for c in (client_a, client_head):
            assert shows_personal_data(c.get(contract.get_absolute_url()).text)
            assert shows_personal_data(pdf_of(c.get(contract.urls["pdf"])))


class TestSent:
    @pytest.fixture
    def fixed(self, contract, sent):
        return sent(contract)

    def test_the_client_gets_the_complete_copy(self, anon, fixed):
        assert shows_personal_data(anon.get(fixed.public_path()).text)
        assert shows_personal_data(pdf_of(anon.get(fixed.public_path() + "pdf/")))

    def test_the_task_holder_sees_the_sent_text_masked(self, client_b, task_holder, fixed):
        page = client_b.get(fixed.get_absolute_url())
        assert page.status_code == 200
        assert not shows_personal_data(page.text)
        assert f"паспорт: {MASK}" in page.text

    def test_the_link_to_the_complete_copy_is_not_shown_to_them(
        self, client_a, client_b, task_holder, fixed
    ):
        for url in (fixed.get_absolute_url(), fixed.deal.get_absolute_url()):
            page = client_b.get(url).text
            assert fixed.token not in page
            assert "Ссылка открывает документ с персональными данными клиента" in page
            assert fixed.token in client_a.get(url).text

    def test_the_task_holder_gets_a_masked_copy_of_the_stored_pdf(
        self, client_b, client_a, task_holder, fixed
    ):
        text = pdf_of(client_b.get(fixed.urls["pdf"]))
        assert not shows_personal_data(text)
        assert fixed.number_label in text and "(скрыто)" in text
        # The stored PDF itself stays the client's complete copy.
        stored = client_a.get(fixed.urls["pdf"]).getvalue()
        with fixed.pdf.open("rb") as file:
            assert stored == file.read()
        assert shows_personal_data(pdf_text(stored, flat=True))

    def test_the_accepted_original_is_masked_for_them_too(
        self, anon, client_b, task_holder, fixed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            anon.post(
                fixed.public_path() + "accept/",
                {"full_name": "Кузьмин Андрей Павлович", "consent": "on"},
            )
        fixed.refresh_from_db()
        assert fixed.is_accepted
        text = pdf_of(client_b.get(fixed.urls["pdf"] + "?original=1"))
        assert not shows_personal_data(text)

    def test_a_text_fixed_without_a_masked_copy_is_not_shown_to_them(
        self, client_a, client_b, task_holder, fixed
    ):
        # Documents fixed before masked copies were kept: nothing to show but the notice.
        type(fixed).objects.filter(pk=fixed.pk).update(masked_html="")
        page = client_b.get(fixed.get_absolute_url())
        assert page.status_code == 200
        assert not shows_personal_data(page.text)
        assert "с персональными данными клиента" in page.text
        response = client_b.get(fixed.urls["pdf"], follow=True)
        assert response["Content-Type"].startswith("text/html")
        assert not shows_personal_data(response.text)
        assert "с персональными данными клиента" in response.text
        assert shows_personal_data(client_a.get(fixed.get_absolute_url()).text)

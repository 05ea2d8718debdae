"""Contracts: only with a client, numbered apart from proposals, accepted by the client with
their full name and consent, the acceptance recorded with the SHA-256 of the exact PDF and
stamped onto a new PDF."""

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.formats import date_long
from crm.models import OutgoingEmail
from crm.testing import pdf_text
from deals.models import DealEvent, Stage, StageAutomation
from documents import services
from documents.models import Contract, Proposal

from .conftest import default_template

NAME = "Петров Сергей Николаевич"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


def accept(anon, contract, **data):
    return anon.post(
        reverse("documents:contract_public_accept", args=[contract.token]),
        data,
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="203.0.113.7",
    )


def test_a_contract_needs_a_client_first(client_a, deal_a):
    url = reverse("documents:contract_create", args=[deal_a.pk])
    card = client_a.get(deal_a.get_absolute_url()).content.decode()
    assert "Договор составляется с клиентом" in card
    assert url not in card  # no «Создать договор» without a client
    response = client_a.post(url, {"template": default_template("contract").pk}, follow=True)
    assert "сначала укажите клиента сделки" in response.content.decode()
    assert not Contract.objects.exists()


def test_contracts_are_numbered_apart_from_proposals(client_a, deal_ready, manager_a):
    for _ in range(2):
        proposal = services.proposal_create(
            deal=deal_ready, template=default_template("proposal"), by=manager_a
        )
        services.document_finalize(document=proposal, by=manager_a)
    client_a.post(
        reverse("documents:contract_create", args=[deal_ready.pk]),
        {"template": default_template("contract").pk},
    )
    client_a.post(Contract.objects.get().urls["finalize"])
    assert Contract.objects.get().sequence == 1
    assert sorted(Proposal.objects.values_list("sequence", flat=True)) == [1, 2]


def test_a_template_of_the_other_kind_is_refused(client_a, deal_ready):
    response = client_a.post(
        reverse("documents:contract_create", args=[deal_ready.pk]),
        {"template": default_template("proposal").pk},
        follow=True,
    )
    assert "Такого шаблона нет — выберите из списка." in response.content.decode()
    assert not Contract.objects.exists()


def test_the_client_accepts_the_contract_and_the_pdf_hash_is_recorded(
    anon,
    client_a,
    deal_ready,
    contract,
    sent,
    manager_a,
    django_capture_on_commit_callbacks,
):
    invoice_stage = Stage.objects.get(name="Счёт выставлен")
    StageAutomation.objects.update_or_create(
        pk=1, defaults={"contract_accepted_stage": invoice_stage}
    )
    contract = sent(contract)
    original_hash = contract.pdf_sha256
    page = anon.get(contract.public_path()).content.decode()
    assert "Согласен с условиями" in page and "Скачать PDF" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = accept(anon, contract, full_name=f"  {NAME} ", consent="on")
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACCEPTED
    assert contract.accepted_name == NAME
    assert contract.accepted_ip == "203.0.113.7"
    assert contract.accepted_user_agent == BROWSER
    assert contract.accepted_at is not None
    # The hash of the very PDF the client was offered, and a copy of it kept.
    assert contract.accepted_pdf_sha256 == original_hash
    with contract.accepted_pdf.open("rb") as file:
        original = file.read()
    assert hashlib.sha256(original).hexdigest() == original_hash
    # The stored PDF is now the contract with the acceptance stamped at its end.
    with contract.pdf.open("rb") as file:
        stamped = file.read()
    assert contract.pdf_sha256 == hashlib.sha256(stamped).hexdigest() != original_hash
    stamped_text = pdf_text(stamped, flat=True)
    assert "Условия договора приняты" in stamped_text
    assert NAME in stamped_text and "203.0.113.7" in stamped_text
    assert original_hash[:32] in stamped_text.replace(" ", "")
    assert "Условия договора приняты" not in pdf_text(original, flat=True)
    # The deal moves on; the manager is told once; the card shows the record.
    deal_ready.refresh_from_db()
    assert deal_ready.stage == invoice_stage
    email = OutgoingEmail.objects.get(template="contract_accepted")
    assert email.recipient == manager_a.email
    assert NAME in email.body_text and original_hash in email.body_text
    card = client_a.get(deal_ready.get_absolute_url()).content.decode()
    assert "Клиент согласился с условиями договора." in card
    assert original_hash in card and "203.0.113.7" in card and BROWSER in card
    assert client_a.get(contract.urls["pdf"] + "?original=1").getvalue() == original
    assert client_a.get(contract.urls["pdf"]).getvalue() == stamped
    accepted_page = anon.get(contract.public_path()).content.decode()
    assert "Вы согласились с условиями договора" in accepted_page
    assert "Согласен с условиями</button>" not in accepted_page


def test_a_pdf_not_rendered_yet_is_rendered_for_the_acceptance(anon, contract, manager_a):
    # Fixed, but the worker has not run (on_commit callbacks are not executed here).
    contract = services.document_finalize(document=contract, by=manager_a)
    contract.refresh_from_db()
    assert not contract.pdf_ready
    accept(anon, contract, full_name=NAME, consent="on")
    contract.refresh_from_db()
    assert contract.pdf and contract.accepted_pdf  # rendered in the request
    with contract.pdf.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == contract.accepted_pdf_sha256


def test_until_the_stamp_is_rendered_nobody_gets_the_unstamped_pdf_as_the_current_one(
    anon, client_a, contract, sent, django_capture_on_commit_callbacks
):
    contract = sent(contract)
    accept(anon, contract, full_name=NAME, consent="on")  # the worker has not run
    contract.refresh_from_db()
    assert not contract.pdf_ready
    url = reverse("documents:contract_public_pdf", args=[contract.token])
    with django_capture_on_commit_callbacks(execute=True):
        assert anon.get(url).status_code == 202
    stamped = anon.get(url).getvalue()
    assert "Условия договора приняты" in pdf_text(stamped, flat=True)
    assert "Условия договора приняты" in pdf_text(
        client_a.get(contract.urls["pdf"]).getvalue(), flat=True
    )


def test_it_is_accepted_once(anon, deal_ready, contract, sent):
    contract = sent(contract)
    accept(anon, contract, full_name=NAME, consent="on")
    accept(anon, contract, full_name="Иванов Иван Иванович", consent="on")
    contract.refresh_from_db()
    assert contract.accepted_name == NAME
    assert OutgoingEmail.objects.filter(template="contract_accepted").count() == 1
    assert DealEvent.objects.filter(deal=deal_ready, kind="contract.accepted").count() == 1


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Введите фамилию, имя и отчество.", "Подтвердите согласие с условиями договора."]),
        ({"full_name": NAME}, ["Подтвердите согласие с условиями договора."]),
        ({"full_name": "Петров", "consent": "on"}, ["Введите фамилию и имя полностью"]),
        ({"full_name": "Петров 123", "consent": "on"}, ["В ФИО не бывает цифр"]),
    ],
)
def test_acceptance_errors_are_in_russian_next_to_the_fields_with_the_input_kept(
    anon, contract, sent, data, messages
):
    contract = sent(contract)
    response = accept(anon, contract, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Согласие не отправлено" in page
    for message in messages:
        assert message in page
    if data.get("full_name"):
        assert f'value="{data["full_name"]}"' in page
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SENT and not contract.accepted_pdf_sha256


def test_a_replaced_version_cannot_be_accepted(client_a, anon, contract, sent):
    first = sent(contract)
    client_a.post(first.urls["new_version"])
    second = sent(Contract.objects.exclude(pk=first.pk).get())
    accept(anon, first, full_name=NAME, consent="on")
    first.refresh_from_db()
    assert first.status == Contract.Status.SENT
    accept(anon, second, full_name=NAME, consent="on")
    second.refresh_from_db()
    assert second.is_accepted


def test_another_manager_gets_404_on_every_contract_url(client_b, contract, sent, anon):
    draft_urls = dict(contract.urls)
    contract = sent(contract)
    accept(anon, contract, full_name=NAME, consent="on")
    for name, url in {**draft_urls, **contract.urls}.items():
        assert client_b.get(url).status_code in (404, 405), name
        assert client_b.post(url).status_code == 404, name
    assert client_b.get(contract.urls["pdf"] + "?original=1").status_code == 404


def test_an_invoice_on_a_deal_with_an_accepted_contract_names_it_as_its_basis(
    anon, client_a, deal_ready, contract, sent, django_capture_on_commit_callbacks
):
    from billing.models import Invoice

    url = reverse("billing:invoice_create", args=[deal_ready.pk])
    contract = sent(contract)
    basis = f"Договор № {contract.sequence} от {date_long(contract.date)}"
    assert basis not in client_a.get(url).text  # sent, not yet accepted
    with django_capture_on_commit_callbacks(execute=True):
        accept(anon, contract, full_name=NAME, consent="on")
    assert f'value="{basis}"' in client_a.get(url).text  # filled in; the manager may edit it
    today = timezone.localdate()
    client_a.post(
        url,
        {
            "source": "calculation",
            "calculation": deal_ready.calculations.get(is_current=True).pk,
            "date": today.isoformat(),
            "due_date": today.isoformat(),
            "basis": basis,
        },
    )
    invoice = Invoice.objects.get(deal=deal_ready)
    shown = client_a.get(invoice.get_absolute_url()).text
    assert "Основание:" in shown and basis in shown

"""An act of the services of a contract: the contract's calculation gives its lines, the
contract is its basis, and it closes the deal's issued invoices of that calculation (the act
itself is billing's)."""

from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from billing.models import Act
from deals.models import DealEvent

from .conftest import TOTAL


def act_url(contract):
    return reverse("documents:contract_act", args=[contract.deal_id, contract.pk])


def issue_invoice(deal, manager):
    invoice = billing_services.invoice_create(
        deal=deal, by=manager, calculation=deal.calculations.get(is_current=True)
    )
    return billing_services.invoice_issue(invoice=invoice, by=manager)


def test_an_act_of_a_contract_takes_its_calculation_and_closes_its_invoices(
    client_a, anon, contract, sent, manager_a
):
    contract = sent(contract)
    invoice = issue_invoice(contract.deal, manager_a)
    draft_invoice = billing_services.invoice_create(
        deal=contract.deal, by=manager_a, calculation=contract.calculation
    )
    card = client_a.get(contract.deal.get_absolute_url()).content.decode()
    assert act_url(contract) in card
    response = client_a.post(act_url(contract), follow=True)
    act = Act.objects.get()
    assert response.redirect_chain[-1][0] == act.get_absolute_url()
    assert act.basis == contract.title
    assert act.total == TOTAL
    assert [line.name for line in act.line_list] == [
        "Разработка корпоративного сайта",
        "Дизайн внутренней страницы",
        "Техническая поддержка",
    ]
    assert list(act.invoices.all()) == [invoice]  # the draft invoice is not closed
    assert draft_invoice not in act.invoices.all()
    page = " ".join(response.content.decode().split())
    assert "Черновик акта по договору готов" in page
    assert DealEvent.objects.filter(kind="act.created", text__contains=contract.title).exists()
    # Signed on paper: the contract's invoice is handed over.
    act = billing_services.act_fix(act=act, by=manager_a)
    billing_services.act_sign_on_paper(act=act, signed_on=timezone.localdate(), by=manager_a)
    invoice.refresh_from_db()
    assert invoice.is_delivered


def test_a_draft_contract_gives_no_act(client_a, contract):
    response = client_a.post(act_url(contract), follow=True)
    assert "Акт составляется по зафиксированному договору" in response.content.decode()
    assert not Act.objects.exists()


def test_another_manager_cannot_make_an_act_of_a_contract(client_b, contract, sent):
    contract = sent(contract)
    assert client_b.post(act_url(contract)).status_code == 404
    assert client_b.get(act_url(contract)).status_code in (404, 405)
    assert not Act.objects.exists()

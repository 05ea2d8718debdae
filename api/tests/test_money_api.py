from decimal import Decimal

import pytest

from billing.models import CatalogItem, Invoice
from contacts.models import BankAccount, Client, Contact, Seller
from contacts.services import seller_save
from crm.models import OutgoingEmail
from deals import services
from deals.clients.services import deal_set_client
from deals.models import DealEvent
from documents.models import DocumentTemplate, Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(db):
    return seller_save(
        seller=Seller(
            kind="legal", name="ООО «Продавец»", inn="7712345671", kpp="771201001", is_active=True
        ),
        by=None,
        accounts=[
            BankAccount(
                bank_name="ПАО Сбербанк",
                bik="044525225",
                correspondent_account="30101810400000000225",
                settlement_account="40702810938000012345",
                is_default=True,
            )
        ],
    )


@pytest.fixture
def sold_deal(deal_a, manager_a, seller):
    client = Client.objects.create(kind="legal", name="ООО «Ромашка»", created_by=manager_a)
    return deal_set_client(deal=deal_a, client=client, by=manager_a)


def _calculation(api, deal, **extra):
    item = CatalogItem.objects.create(name="Разработка сайта", price=Decimal("40000"))
    body = {"deal": deal.pk, "lines": [{"catalog_item": item.pk, "quantity": "2"}], **extra}
    return api.post("/api/v1/calculations/", body, format="json")


def test_a_calculation_from_catalog_lines_sets_the_deal_budget(api_a, deal_a):
    response = _calculation(api_a, deal_a)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["lines"][0]["name"] == "Разработка сайта"
    assert data["total"] == "80000.00"
    assert data["is_current"] is True
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("80000.00")
    assert DealEvent.objects.filter(deal=deal_a, kind="budget").exists()


def test_a_calculation_line_with_errors_is_named_by_its_index(api_a, deal_a):
    body = {"deal": deal_a.pk, "lines": [{"name": "Хостинг", "quantity": "1", "price": "-1"}]}
    response = api_a.post("/api/v1/calculations/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["lines[0].price"] == ["Цена не может быть отрицательной."]
    empty = api_a.post("/api/v1/calculations/", {"deal": deal_a.pk, "lines": []}, format="json")
    assert empty.status_code == 400
    assert "хотя бы одну строку" in empty.json()["errors"]["lines"][0]


def test_an_invoice_from_the_current_calculation_is_issued_and_paid(api_a, sold_deal):
    assert _calculation(api_a, sold_deal).status_code == 201
    response = api_a.post("/api/v1/invoices/", {"deal": sold_deal.pk}, format="json")
    assert response.status_code == 201, response.json()
    invoice = response.json()
    assert invoice["status"] == "draft" and invoice["number"] is None
    assert invoice["total"] == "80000.00"
    issued = api_a.post(f"/api/v1/invoices/{invoice['id']}/issue/", format="json")
    assert issued.status_code == 200, issued.json()
    assert issued.json()["number"] == 1
    assert issued.json()["client_url"].startswith("http")
    paid = api_a.post(
        f"/api/v1/invoices/{invoice['id']}/pay/",
        {"amount": "80000", "method": "transfer", "comment": "п/п 12"},
        format="json",
    )
    assert paid.status_code == 201, paid.json()
    assert Invoice.objects.get(pk=invoice["id"]).is_paid
    again = api_a.post(f"/api/v1/invoices/{invoice['id']}/pay/", {"amount": "1"}, format="json")
    assert again.status_code == 409
    assert "не ждёт оплаты" in again.json()["errors"]["__all__"][0]
    payments = api_a.get("/api/v1/payments/", {"invoice": invoice["id"]}).json()["results"]
    assert [p["amount"] for p in payments] == ["80000.00"]


def test_an_invoice_without_a_seller_account_is_not_issued(api_a, deal_a):
    assert _calculation(api_a, deal_a).status_code == 201
    draft = api_a.post("/api/v1/invoices/", {"deal": deal_a.pk}, format="json").json()
    response = api_a.post(f"/api/v1/invoices/{draft['id']}/issue/", format="json")
    assert response.status_code == 400
    assert any("реквизиты" in m for m in response.json()["errors"]["__all__"])


def test_a_proposal_from_a_template_is_sent_to_a_contact_once(api_a, sold_deal, manager_a):
    services.contact_save(
        contact=Contact(name="Иван"), phones=[], emails=["ivan@example.ru"], deal=sold_deal
    )
    template = DocumentTemplate.objects.filter(kind="proposal", active=True).first()
    response = api_a.post(
        "/api/v1/proposals/", {"deal": sold_deal.pk, "template": template.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert proposal["status"] == "draft"
    url = f"/api/v1/proposals/{proposal['id']}/send/"
    wrong = api_a.post(url, {"to": "stranger@example.ru"}, format="json")
    assert wrong.status_code == 400
    assert "контактных лиц" in wrong.json()["errors"]["to"][0]
    headers = {"HTTP_IDEMPOTENCY_KEY": "send-1"}
    sent = api_a.post(url, {"to": "ivan@example.ru"}, format="json", **headers)
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "sent" and sent.json()["client_url"]
    again = api_a.post(url, {"to": "ivan@example.ru"}, format="json", **headers)
    assert again.json() == sent.json()
    assert OutgoingEmail.objects.filter(recipient="ivan@example.ru").count() == 1
    assert Proposal.objects.get(pk=proposal["id"]).sequence is not None

"""What a manager or a client typed (a client's name, a calculation line) reaches a proposal
or a contract only escaped: in the draft preview, in the fixed text and its masked copy, on
the client's page (whose pictures are re-addressed through the link) and in the PDF."""

from decimal import Decimal

import pytest

from billing.services import LineData
from contacts.models import Client
from crm.testing import pdf_text
from deals import services as deal_services
from documents import services

from .conftest import default_template

EVIL = '<script>alert("x")</script><b>жирный</b>'


@pytest.fixture
def hostile_deal(deal_ready, manager_a, save_calculation):
    Client.objects.filter(pk=deal_ready.client_id).update(name=EVIL, full_name=EVIL)
    save_calculation(
        deal_ready,
        manager_a,
        lines=[LineData(name=EVIL, quantity=Decimal("1"), price=Decimal("1000"))],
    )
    deal_ready.refresh_from_db()
    return deal_ready


def assert_text(html: str) -> None:
    assert "<script>" not in html and "<b>жирный</b>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("kind", ["proposal", "contract"])
def test_typed_markup_stays_text_in_every_copy_of_a_document(
    kind, hostile_deal, manager_a, manager_b, client_a, client_b, anon, sent, future
):
    create = services.proposal_create if kind == "proposal" else services.contract_create
    draft = create(deal=hostile_deal, template=default_template(kind), by=manager_a)
    preview = client_a.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert_text(preview.content.decode())

    fixed = sent(draft)
    assert_text(fixed.sent_html)
    assert_text(fixed.masked_html)

    page = anon.get(fixed.public_path())
    assert page.status_code == 200
    assert_text(page.content.decode())

    # A colleague who only holds a task reads the masked copy: escaped just the same.
    deal_services.task_create(
        deal=hostile_deal,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Звонок",
        due_at=future,
    )
    staff = client_b.get(fixed.get_absolute_url())
    assert staff.status_code == 200
    assert_text(staff.content.decode())

    with fixed.pdf.open("rb") as file:
        assert '<script>alert("x")</script>' in pdf_text(file.read(), flat=True)

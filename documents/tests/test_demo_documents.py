"""The demo has a deal with an accepted proposal and contract and a deal whose proposal and
contract wait for the client, with PDFs a person can read."""

import io

import pytest
from django.core.management import call_command

from contacts.models import Seller
from crm.testing import pdf_text
from deals.models import StageAutomation
from documents.models import Contract, Proposal


@pytest.mark.django_db
def test_the_demo_has_sent_proposals_and_contracts_with_readable_pdfs(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", stdout=io.StringIO())
    counts = (Proposal.objects.count(), Contract.objects.count())
    assert counts == (2, 2)
    assert Seller.objects.active().logo
    assert StageAutomation.load().proposal_accepted_stage.name == "Договор"
    accepted = Contract.objects.get(status=Contract.Status.ACCEPTED)
    waiting = Contract.objects.get(status=Contract.Status.SENT)
    assert Proposal.objects.get(deal=accepted.deal).status == Proposal.Status.ACCEPTED
    assert Proposal.objects.get(deal=waiting.deal).status == Proposal.Status.SENT
    assert accepted.deal.stage.name == "Договор"
    for document in [*Proposal.objects.all(), accepted, waiting]:
        assert document.pdf_ready, document
        with document.pdf.open("rb") as file:
            text = pdf_text(file.read(), flat=True)
        client = document.deal.client
        if isinstance(document, Contract):
            assert client.full_name in text and f"ИНН {client.inn}" in text
        else:
            assert f"Кому: {client.name}" in text
        assert "рублей" in text and "Страница 1 из" in text
    with accepted.pdf.open("rb") as file:
        stamped = pdf_text(file.read(), flat=True)
    assert "Условия договора приняты" in stamped
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", stdout=io.StringIO())
    assert (Proposal.objects.count(), Contract.objects.count()) == counts

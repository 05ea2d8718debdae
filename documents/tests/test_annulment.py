"""A fixed proposal or contract is never deleted: it is annulled, with who and why, and keeps
its number. A draft (never seen by the client) may be deleted."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, DealEvent
from documents import services
from documents.models import Contract, Proposal

from .conftest import default_template


def plain(html: str) -> str:
    return " ".join(html.replace("\xa0", " ").split())


def annul(client, document, reason="Клиент передумал", **extra):
    return client.post(document.urls["annul"], {"reason": reason, **extra}, follow=True)


# Annulling on the deal card


@pytest.mark.django_db
def test_the_owner_annuls_a_sent_contract_and_the_client_sees_it(
    client_a, anon, contract, sent, manager_a
):
    contract = sent(contract)
    assert "Аннулировать" in client_a.get(contract.get_absolute_url()).content.decode()
    page = plain(annul(client_a, contract, reason="").content.decode())
    assert "Укажите причину" in page
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SENT

    page = plain(annul(client_a, contract).content.decode())
    assert "Договор № 1 от" in page and "аннулирован" in page
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ANNULLED
    assert contract.sequence == 1 and contract.annul_reason == "Клиент передумал"
    assert contract.annulled_by == manager_a and contract.annulled_at is not None
    event = DealEvent.objects.get(deal=contract.deal, kind="contract.annulled")
    assert event.actor == manager_a and "Клиент передумал" in event.text
    assert "Договор № 1" in event.text

    public = plain(anon.get(contract.public_path()).content.decode())
    assert "Договор аннулирован" in public and "Клиент передумал" not in public
    assert "Согласен с условиями" not in public
    accept = reverse("documents:contract_public_accept", args=[contract.token])
    anon.post(accept, {"full_name": "Петров Пётр Петрович", "consent": "on"})
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ANNULLED and contract.accepted_at is None


@pytest.mark.django_db
def test_an_annulled_proposal_cannot_be_answered_nor_revised(client_a, anon, proposal, sent):
    proposal = sent(proposal)
    annul(client_a, proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ANNULLED
    public = plain(anon.get(proposal.public_path()).content.decode())
    assert "Коммерческое предложение аннулировано" in public
    assert "Принять предложение" not in public
    respond = reverse("documents:proposal_public_respond", args=[proposal.token])
    anon.post(respond, {"action": "accept", "comment": ""})
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ANNULLED

    page = plain(client_a.post(proposal.urls["new_version"], follow=True).content.decode())
    assert "аннулировано" in page
    assert Proposal.objects.count() == 1


@pytest.mark.django_db
def test_annulling_annuls_every_version_of_the_number_and_drops_the_draft_of_the_next(
    client_a, anon, proposal, sent, manager_a
):
    first = sent(proposal)
    second = sent(services.document_new_version(document=first, by=manager_a))
    services.document_new_version(document=second, by=manager_a)  # a draft of ред. 3
    annul(client_a, second)
    versions = Proposal.objects.order_by("version")
    assert [(p.version, p.status) for p in versions] == [(1, "annulled"), (2, "annulled")]
    public = plain(anon.get(first.public_path()).content.decode())
    assert "аннулировано" in public


@pytest.mark.django_db
def test_the_head_annuls_but_a_manager_who_only_holds_a_task_may_not(
    client_b, client_head, contract, sent, manager_b
):
    from deals import services as deal_services

    contract = sent(contract)
    deal_services.task_create(
        deal=contract.deal,
        author=contract.deal.manager,
        assignee=manager_b,
        kind="call",
        text="Позвонить",
        due_at=timezone.now() + timedelta(days=1),
    )
    assert client_b.get(contract.get_absolute_url()).status_code == 200
    assert "Аннулировать" not in client_b.get(contract.get_absolute_url()).content.decode()
    response = client_b.post(contract.urls["annul"], {"reason": "Хочу"})
    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SENT

    annul(client_head, contract, reason="Дубль")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ANNULLED


@pytest.mark.django_db
def test_a_draft_is_deleted_not_annulled_and_a_fixed_document_is_not_deleted(
    client_a, contract, proposal, sent
):
    page = plain(annul(client_a, contract).content.decode())
    assert "Черновик не аннулируют" in page
    assert Contract.objects.get(pk=contract.pk).is_draft

    response = client_a.post(contract.urls["delete"], follow=True)
    assert "Черновик договора удалён" in plain(response.content.decode())
    assert not Contract.objects.filter(pk=contract.pk).exists()
    assert DealEvent.objects.filter(deal=contract.deal, kind="contract.deleted").exists()

    proposal = sent(proposal)
    page = plain(client_a.post(proposal.urls["delete"], follow=True).content.decode())
    assert "не удаляется" in page
    assert Proposal.objects.filter(pk=proposal.pk).exists()


# The admin


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_admin_deletes_drafts_only_and_annuls_with_a_reason(
    superuser_client, contract, proposal, sent
):
    contract = sent(contract)
    delete = reverse("admin:documents_contract_delete", args=[contract.pk])
    assert superuser_client.get(delete).status_code == 403
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert Contract.objects.filter(pk=contract.pk).exists()

    changelist = reverse("admin:documents_contract_changelist")
    data = {"action": "annul", "_selected_action": [contract.pk]}
    assert "Причина" in superuser_client.post(changelist, data).content.decode()
    superuser_client.post(changelist, data | {"apply": "1", "reason": "Ошибка в реквизитах"})
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ANNULLED
    assert contract.annul_reason == "Ошибка в реквизитах"

    delete = reverse("admin:documents_proposal_delete", args=[proposal.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_a_deal_with_a_fixed_contract_is_not_deleted_and_the_admin_says_why(
    superuser_client, contract, proposal, sent
):
    contract = sent(contract)
    deal = contract.deal
    url = reverse("admin:deals_deal_delete", args=[deal.pk])
    page = plain(superuser_client.get(url).content.decode())
    assert "Договор № 1" in page
    superuser_client.post(url, {"post": "yes"})
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert Contract.objects.filter(pk=contract.pk).exists()
    assert Proposal.objects.filter(pk=proposal.pk).exists()


@pytest.mark.django_db
def test_a_deal_with_only_drafts_is_deleted_with_them(
    superuser_client, deal_a, make_client, manager_a
):
    from deals.clients.services import deal_set_client

    deal = deal_set_client(deal=deal_a, client=make_client("legal"), by=manager_a)
    services.contract_create(deal=deal, template=default_template("contract"), by=manager_a)
    services.proposal_create(deal=deal, template=default_template("proposal"), by=manager_a)
    url = reverse("admin:deals_deal_delete", args=[deal.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not Deal.objects.filter(pk=deal.pk).exists()
    assert not Contract.objects.exists() and not Proposal.objects.exists()


@pytest.mark.django_db
def test_deleting_a_deal_in_code_does_not_cascade_to_fixed_documents(contract, sent):
    from django.db.models import ProtectedError

    contract = sent(contract)
    with pytest.raises(ProtectedError):
        contract.deal.delete()
    assert Contract.objects.filter(pk=contract.pk).exists()

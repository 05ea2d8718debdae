"""Upgrading an installed database keeps what the administrator set and the numbers already
given: the migrations that moved a model from one app to another are run back and forth on
rows written in the old shape."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from crm.numbering import next_number


def migrate(targets):
    """Bring the database to `targets` and return the models as they were at that point."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_stages_events_move_deals_to_are_carried_into_deals():
    old = migrate([("billing", "0004_invoices"), ("documents", "0004_proposals_contracts")])
    stage = old.get_model("deals", "Stage")
    brief, contract, paid = (
        stage.objects.get(name=name).pk for name in ("Бриф", "Договор", "Оплачено")
    )
    old.get_model("billing", "BillingSettings").objects.create(paid_stage_id=paid)
    old.get_model("documents", "DocumentSettings").objects.create(
        proposal_accepted_stage_id=brief, contract_accepted_stage_id=contract
    )

    new = migrate(latest())
    row = new.get_model("deals", "StageAutomation").objects.get()
    assert (row.proposal_accepted_stage_id, row.contract_accepted_stage_id) == (brief, contract)
    assert row.invoice_paid_stage_id == paid

    # And back again, for a rollback of the release.
    old = migrate([("billing", "0004_invoices"), ("documents", "0004_proposals_contracts")])
    assert old.get_model("billing", "BillingSettings").objects.get().paid_stage_id == paid
    documents = old.get_model("documents", "DocumentSettings").objects.get()
    assert documents.contract_accepted_stage_id == contract
    migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_document_numbers_go_on_where_they_stopped_after_the_counters_move_to_crm():
    old = migrate([("billing", "0005_paid_stage_to_deals")])
    counter = old.get_model("billing", "DocumentCounter")
    counter.objects.create(kind="invoice", year=2026, last=41)
    counter.objects.create(kind="contract", year=2026, last=7)
    counter.objects.create(kind="invoice", year=2025, last=120)

    migrate(latest())
    with transaction.atomic():
        taken = [next_number(kind=kind, year=2026) for kind in ("invoice", "contract", "proposal")]
    assert taken == [42, 8, 1]

    old = migrate([("billing", "0005_paid_stage_to_deals")])
    kept = old.get_model("billing", "DocumentCounter").objects.values_list("kind", "year", "last")
    assert sorted(kept) == [
        ("contract", 2026, 8),
        ("invoice", 2025, 120),
        ("invoice", 2026, 42),
        ("proposal", 2026, 1),
    ]
    migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_clients_stay_entrusted_to_their_creators_deals_and_sent_texts_get_masked_copies():
    old = migrate(
        [
            ("deals", "0004_lead_request_limits"),
            ("documents", "0005_accepted_stages_to_deals"),
            ("contacts", "0004_seller_tax_moves_to_billing"),
            ("crm", "0005_notifications"),
        ]
    )
    user = old.get_model("crm", "User")
    anna, boris = (user.objects.create(username=name) for name in ("anna", "boris"))
    client = old.get_model("contacts", "Client")
    annas = client.objects.create(kind="person", name="Кузьмин А. П.", created_by=anna)
    imported = client.objects.create(kind="legal", name="ООО «Ромашка»", inn="7707083893")
    deal = old.get_model("deals", "Deal")
    stage = old.get_model("deals", "Stage").objects.order_by("order").first()

    def make(manager, client, title):
        return deal.objects.create(title=title, manager=manager, stage=stage, client=client)

    own, by_inn, of_imported = (
        make(anna, annas, "своя"),
        make(boris, annas, "по ИНН"),
        make(boris, imported, "импорт"),
    )
    today = datetime.date(2026, 3, 5)
    sent = {"status": "sent", "date": today, "body": "-", "token": "t", "year": 2026}
    contract = old.get_model("documents", "Contract").objects.create(
        deal=own, sequence=1, sent_html="<p>паспорт 4510 123456</p>", **sent
    )
    proposal = old.get_model("documents", "Proposal").objects.create(
        deal=of_imported, sequence=1, sent_html="<p>КП</p>", **{**sent, "token": "p"}
    )

    new = migrate(latest())
    entrusted = dict(new.get_model("deals", "Deal").objects.values_list("pk", "client_entrusted"))
    assert entrusted == {own.pk: True, by_inn.pk: False, of_imported.pk: True}
    assert new.get_model("documents", "Contract").objects.get(pk=contract.pk).masked_html == ""
    masked = new.get_model("documents", "Proposal").objects.get(pk=proposal.pk).masked_html
    assert masked == "<p>КП</p>"


BEFORE_NUMBERING_AT_FIXING = [
    ("billing", "0008_tax_regime_and_receipts"),
    ("documents", "0006_masked_copies"),
    ("deals", "0007_lead_request_statuses"),
    ("crm", "0005_notifications"),
]


@pytest.mark.django_db(transaction=True)
def test_drafts_numbered_before_the_upgrade_give_their_number_up_and_it_is_never_reused(
    manager_a,
):
    old = migrate(BEFORE_NUMBERING_AT_FIXING)
    deal = old.get_model("deals", "Deal").objects.create(
        title="Сделка",
        manager_id=manager_a.pk,
        stage=old.get_model("deals", "Stage").objects.order_by("order").first(),
    )
    counter = old.get_model("crm", "NumberCounter")
    counter.objects.create(kind="invoice", year=2026, last=3)
    counter.objects.create(kind="contract", year=2026, last=2)
    invoice = old.get_model("billing", "Invoice")
    common = {"deal": deal, "year": 2026, "vat_mode": "included", "total": 100}
    day = datetime.date(2026, 3, 5)
    invoice.objects.create(number=1, status="sent", date=day, due_date=day, **common)
    invoice.objects.create(number=2, status="draft", date=day, due_date=day, **common)
    invoice.objects.create(number=3, status="cancelled", date=day, due_date=day, **common)
    contract = old.get_model("documents", "Contract")
    fields = {"deal": deal, "year": 2026, "date": day, "body": "<p>Текст</p>"}
    contract.objects.create(sequence=1, status="sent", **fields)
    contract.objects.create(sequence=1, version=2, status="draft", **fields)
    contract.objects.create(sequence=2, status="draft", **fields)

    new = migrate(latest())
    invoices = new.get_model("billing", "Invoice").objects.order_by("pk")
    assert [(i.status, i.number) for i in invoices] == [
        ("sent", 1),
        ("draft", None),
        ("annulled", 3),
    ]
    contracts = new.get_model("documents", "Contract").objects.order_by("pk")
    assert [(c.status, c.sequence, c.version) for c in contracts] == [
        ("sent", 1, 1),
        ("draft", 1, 2),  # the next version of a fixed number keeps it
        ("draft", None, 1),
    ]
    with transaction.atomic():
        taken = [next_number(kind=kind, year=2026) for kind in ("invoice", "contract")]
    assert taken == [4, 3]  # the numbers the drafts gave up are not given again

    # And back: the drafts get numbers again, after the last one given.
    old = migrate(BEFORE_NUMBERING_AT_FIXING)
    invoices = old.get_model("billing", "Invoice").objects.order_by("pk")
    assert [(i.status, i.number) for i in invoices] == [
        ("sent", 1),
        ("draft", 5),
        ("cancelled", 3),
    ]
    contracts = old.get_model("documents", "Contract").objects.order_by("pk")
    assert [c.sequence for c in contracts] == [1, 1, 4]
    migrate(latest())

"""Upgrading an installed database keeps what the administrator set and the numbers already
given: the migrations that moved a model from one app to another are run back and forth on
rows written in the old shape."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


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

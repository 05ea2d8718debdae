"""Proposals and contracts take gapless numbers per year, also when created at once."""

import threading

import pytest
from django.db import connection, connections

from documents import services
from documents.models import Contract, Proposal

from .conftest import default_template

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent creation needs PostgreSQL row locks; SQLite serialises every write",
)


def race(workers: int, job) -> list:
    """Runs job(i) in `workers` threads released at the same moment; returns the results."""
    start = threading.Barrier(workers)
    results, errors = [None] * workers, []

    def run(i):
        try:
            start.wait()
            results[i] = job(i)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_rows")
def test_proposals_and_contracts_created_at_once_get_gapless_numbers(
    manager_a, manager_b, make_deal, make_client
):
    from deals.clients.services import deal_set_client

    client = make_client("legal")
    deals = [
        deal_set_client(deal=make_deal(manager), client=client, by=manager)
        for manager in (manager_a, manager_b)
    ]
    templates = {"proposal": default_template("proposal"), "contract": default_template("contract")}
    create = {"proposal": services.proposal_create, "contract": services.contract_create}

    def job(i):
        kind = "contract" if i % 3 == 0 else "proposal"
        deal = deals[i % 2]
        document = create[kind](deal=deal, template=templates[kind], by=deal.manager)
        return kind, document.sequence

    results = race(12, job)
    proposals = sorted(n for kind, n in results if kind == "proposal")
    contracts = sorted(n for kind, n in results if kind == "contract")
    assert proposals == list(range(1, 9))
    assert contracts == list(range(1, 5))
    assert Proposal.objects.count() == 8 and Contract.objects.count() == 4


@pytest.mark.django_db
def test_numbers_follow_one_another_and_versions_keep_theirs(deal_ready, manager_a, sent):
    template = default_template("proposal")
    first = services.proposal_create(deal=deal_ready, template=template, by=manager_a)
    second = services.proposal_create(deal=deal_ready, template=template, by=manager_a)
    assert (first.sequence, second.sequence) == (1, 2)
    revised = services.document_new_version(document=sent(first), by=manager_a)
    third = services.proposal_create(deal=deal_ready, template=template, by=manager_a)
    assert (revised.sequence, revised.version, third.sequence) == (1, 2, 3)

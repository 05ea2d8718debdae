"""Proposals and contracts take gapless numbers per year when they are fixed (sent), from
the year of that day in Moscow, also when fixed at once; drafts have no number."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from crm.models import NumberCounter
from deals.models import DealEvent
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
def test_proposals_and_contracts_fixed_at_once_get_gapless_numbers(
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
    drafts = []
    for i in range(12):
        kind = "contract" if i % 3 == 0 else "proposal"
        deal = deals[i % 2]
        drafts.append(create[kind](deal=deal, template=templates[kind], by=deal.manager))
    assert all(draft.sequence is None for draft in drafts)

    def job(i):
        document = services.document_finalize(document=drafts[i], by=drafts[i].deal.manager)
        return document.KIND, document.sequence

    results = race(12, job)
    proposals = sorted(n for kind, n in results if kind == "proposal")
    contracts = sorted(n for kind, n in results if kind == "contract")
    assert proposals == list(range(1, 9))
    assert contracts == list(range(1, 5))
    assert Proposal.objects.count() == 8 and Contract.objects.count() == 4


@pytest.mark.django_db
def test_numbers_are_given_when_fixed_and_versions_keep_theirs(deal_ready, manager_a, sent):
    template = default_template("proposal")
    first = services.proposal_create(deal=deal_ready, template=template, by=manager_a)
    second = services.proposal_create(deal=deal_ready, template=template, by=manager_a)
    assert (first.sequence, second.sequence) == (None, None)
    second, first = sent(second), sent(first)
    assert (second.sequence, first.sequence) == (1, 2)
    revised = services.document_new_version(document=first, by=manager_a)
    assert (revised.sequence, revised.version) == (2, 2)
    third = sent(services.proposal_create(deal=deal_ready, template=template, by=manager_a))
    revised = sent(revised)
    assert (revised.sequence, revised.version, third.sequence) == (2, 2, 3)


# The New Year: a document is numbered from the year of the day it is fixed

KINDS = {"proposal": services.proposal_create, "contract": services.contract_create}
NOUNS = {"proposal": "Коммерческое предложение", "contract": "Договор"}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["proposal", "contract"])
def test_a_draft_of_new_years_eve_fixed_on_january_2_is_number_one_of_the_new_year(
    client_a, deal_ready, manager_a, sent, frozen_clock, kind
):
    template = default_template(kind)
    frozen_clock.set("2026-12-31 10:00")
    old = sent(KINDS[kind](deal=deal_ready, template=template, by=manager_a))
    assert (old.year, old.sequence) == (2026, 1)
    frozen_clock.set("2026-12-31 23:59")
    response = client_a.post(
        reverse(f"documents:{kind}_create", args=[deal_ready.pk]), {"template": template.pk}
    )
    assert response.status_code == 302
    draft = type(old).objects.get(status="draft")
    assert (draft.year, draft.sequence) == (None, None)

    frozen_clock.set("2027-01-02 09:00")
    client_a.post(draft.urls["finalize"])
    draft.refresh_from_db()
    assert (draft.year, draft.sequence, draft.date) == (2027, 1, datetime.date(2027, 1, 2))
    assert draft.title == f"{NOUNS[kind]} № 1 от 2\u00a0января\u00a02027\u00a0г."
    # The text the client sees carries the same number and date.
    assert "2\u00a0января\u00a02027" in draft.sent_html
    # The next document made and fixed in 2027 is the second, not another first.
    later = sent(KINDS[kind](deal=deal_ready, template=template, by=manager_a))
    assert later.title == f"{NOUNS[kind]} № 2 от 2\u00a0января\u00a02027\u00a0г."


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["proposal", "contract"])
def test_half_past_midnight_in_moscow_is_already_the_new_year(
    deal_ready, manager_a, sent, frozen_clock, kind
):
    frozen_clock.set("2026-12-31 12:00")
    draft = KINDS[kind](deal=deal_ready, template=default_template(kind), by=manager_a)
    frozen_clock.set("2026-12-31T21:30:00+00:00")  # UTC is still in 2026
    fixed = sent(draft)
    assert (fixed.year, fixed.sequence, fixed.date) == (2027, 1, datetime.date(2027, 1, 1))


@pytest.mark.django_db
def test_a_new_version_fixed_in_the_new_year_keeps_the_number_of_the_first(
    deal_ready, manager_a, sent, frozen_clock
):
    template = default_template("contract")
    frozen_clock.set("2026-12-20 12:00")
    first = sent(services.contract_create(deal=deal_ready, template=template, by=manager_a))
    frozen_clock.set("2027-01-02 12:00")
    revised = sent(services.document_new_version(document=first, by=manager_a))
    assert revised.title == "Договор № 1 (ред. 2) от 2\u00a0января\u00a02027\u00a0г."
    assert (revised.year, revised.sequence) == (2026, 1)
    assert not NumberCounter.objects.filter(kind="contract", year=2027).exists()
    fresh = sent(services.contract_create(deal=deal_ready, template=template, by=manager_a))
    assert fresh.title == "Договор № 1 от 2\u00a0января\u00a02027\u00a0г."


# Drafts show no number


@pytest.mark.django_db
def test_a_draft_shows_no_number_on_any_staff_page(client_a, deal_ready, contract, proposal):
    assert contract.title == "Договор без номера (черновик)"
    assert proposal.title == "Коммерческое предложение без номера (черновик)"
    client_page = reverse("clients:detail", args=[deal_ready.client_id])
    for url in (
        deal_ready.get_absolute_url(),
        contract.get_absolute_url(),
        contract.urls["edit"],
        proposal.get_absolute_url(),
        client_page,
    ):
        page = client_a.get(url)
        assert page.status_code == 200, url
        text = " ".join(page.content.decode().replace("\xa0", " ").split())
        assert "без номера" in text, url
        assert "№ None" not in text and "№ 1 " not in text, url
    texts = DealEvent.objects.filter(deal=deal_ready).values_list("text", flat=True)
    created = [text for text in texts if "черновик" in text]
    assert len(created) == 2 and all("№" not in text for text in created)


@pytest.mark.django_db
def test_a_drafts_pdf_and_tags_say_it_has_no_number_yet(client_a, contract):
    from crm.testing import pdf_text

    response = client_a.get(contract.urls["pdf"])
    text = pdf_text(response.content, flat=True)
    assert "Черновик" in text
    assert "№ None" not in text
    assert (
        "без номера" in response["Content-Disposition"]
        or "%D0%B1%D0%B5%D0%B7" in (response["Content-Disposition"])
    )

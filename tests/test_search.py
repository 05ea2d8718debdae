"""The top bar's search through the client, as each persona: it finds deals, contacts,
clients, invoices, acts and documents among what the user may open, and nothing else."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Client, Contact
from deals import services

from .test_security_matrix import build_world


@pytest.fixture
def world(manager_a, manager_b, head, stages):
    """manager_a's deal with contact «Иван» (+7 916 123-45-67, ivan@example.ru), client
    «ООО «Ромашка»», an issued invoice, a fixed act, a draft proposal and contract."""
    from documents.services import document_finalize

    world = build_world(manager_a, manager_b, head)
    world.objects["proposal"] = document_finalize(document=world.objects["proposal"], by=manager_a)
    return world


def search(client, q, *, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(reverse("search"), {"q": q}, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def links(html: str) -> set[str]:
    return set(re.findall(r'href="(/[^"?#]*)[^"]*"', html))


def new_client(name, *, by, inn=""):
    client = Client(kind="legal", name=name, inn=inn, created_by=by)
    client.normalize()
    client.save()
    return client


def other_deal(world, **fields):
    return services.deal_create(
        title=fields.pop("title", "Чужая сделка"), manager=world.other, by=world.other, **fields
    )


def test_a_manager_finds_their_deal_by_title_and_number_never_another_s(client_a, client_b, world):
    mine = world.deal
    theirs = other_deal(world, title="Сделка владельца тоже")

    html = search(client_a, "сделка владельца")
    assert mine.get_absolute_url() in links(html)
    assert theirs.get_absolute_url() not in links(html)
    assert mine.get_absolute_url() in links(search(client_a, f"№{mine.pk}"))
    assert theirs.get_absolute_url() not in links(search(client_a, str(theirs.pk)))
    # The other manager finds only theirs.
    html = search(client_b, "сделка владельца")
    assert theirs.get_absolute_url() in links(html) and mine.get_absolute_url() not in links(html)


def test_the_head_finds_every_deal(client_head, world):
    theirs = other_deal(world, title="Сделка владельца тоже")

    found = links(search(client_head, "владельца"))

    assert {world.deal.get_absolute_url(), theirs.get_absolute_url()} <= found


@pytest.mark.parametrize(
    "typed", ["8 (916) 123-45-67", "+7 916 123-45-67", "89161234567", "916 123", "123-45-67"]
)
def test_a_phone_typed_in_any_format_finds_the_contact(client_a, world, typed):
    html = search(client_a, typed)

    assert "Иван" in html
    assert world.deal.get_absolute_url() in links(html)
    assert "+7 916 123-45-67" in html


def test_contacts_by_name_and_e_mail_only_through_deals_one_may_open(client_a, client_b, world):
    for q in ("иван", "IVAN@EXAMPLE", "8 (916) 123-45-67"):
        assert "Иван" not in search(client_b, q), q
        assert "Иван" in search(client_a, q), q
    # A contact of another manager with the same phone stays theirs.
    theirs = other_deal(world)
    services.contact_save(
        contact=Contact(name="Пётр Чужой"), phones=["+79161234567"], emails=[], deal=theirs
    )
    html = search(client_a, "8 (916) 123-45-67")
    assert "Пётр Чужой" not in html and theirs.get_absolute_url() not in links(html)


def test_clients_by_name_and_inn_only_those_one_sees(client_a, client_b, client_head, world):
    client = world.objects["client"]
    client.inn = "7701234567"
    client.normalize()
    client.save()
    foreign = new_client("ООО «Ромашка-2»", inn="7709876543", by=world.other)
    url = reverse("clients:detail", args=[client.pk])
    foreign_url = reverse("clients:detail", args=[foreign.pk])

    assert url in links(search(client_a, "ромашка"))
    assert url in links(search(client_a, "7701234567"))
    assert foreign_url not in links(search(client_a, "ромашка"))
    assert foreign_url not in links(search(client_a, "7709876543"))
    assert url not in links(search(client_b, "ромашка"))
    assert {url, foreign_url} <= links(search(client_head, "ромашка"))


def test_invoices_acts_and_documents_by_number_only_on_deals_one_sees(
    client_a, client_b, client_head, world
):
    invoice, act, proposal = (world.objects[k] for k in ("invoice", "act", "proposal"))
    for document, q in (
        (invoice, invoice.number),
        (act, act.number),
        (proposal, proposal.sequence),
    ):
        url = document.get_absolute_url()
        assert url in links(search(client_a, f"№ {q}")), document
        assert url in links(search(client_head, str(q))), document
        assert url not in links(search(client_b, f"№{q}")), document


def test_a_task_holder_finds_the_deal_they_hold_a_task_on(client_b, world, future):
    services.task_create(
        deal=world.deal,
        author=world.owner,
        assignee=world.other,
        kind="call",
        text="Перезвонить",
        due_at=future,
    )

    assert world.deal.get_absolute_url() in links(search(client_b, "владельца"))


def test_as_one_types_the_list_is_a_fragment_with_keyboard_targets(client_a, world):
    html = search(client_a, "владел", htmx=True)

    assert "<html" not in html
    assert 'role="option"' in html and "data-search-hit" in html
    assert "Сделки" in html
    assert f"{reverse('search')}?q=%D0%B2%D0%BB%D0%B0%D0%B4%D0%B5%D0%BB" in html


def test_the_page_works_without_scripts_and_says_when_nothing_is_found(client_a, world):
    html = search(client_a, "несуществующее")
    assert "Ничего не нашлось по «несуществующее»" in html
    assert 'id="search-too-short"' in search(client_a, "ы")
    assert "Ничего не нашлось" not in search(client_a, "ы", htmx=True)


def test_typed_markup_is_shown_as_text(client_a, world):
    html = search(client_a, "<script>alert(1)</script>")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_the_number_of_queries_does_not_grow_with_the_hits(client_a, world, manager_a):
    def count(q):
        with CaptureQueriesContext(connection) as queries:
            search(client_a, q)
        return len(queries)

    def add(n):
        deal = services.deal_create(title=f"Редкое слово {n}", manager=manager_a, by=manager_a)
        services.contact_save(
            contact=Contact(name=f"Редкое имя {n}"),
            phones=[f"+7916555{n:04d}"],
            emails=[f"r{n}@example.ru"],
            deal=deal,
        )
        deal.client = new_client(f"Редкое ООО {n}", by=manager_a)
        deal.save()

    add(0)
    one = count("редкое")
    for n in range(1, 13):
        add(n)

    assert count("редкое") == one


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_on_postgresql_each_text_search_can_read_its_trigram_index(world, manager_a):
    """The indexes are built on the very expressions Django writes for the lookups; were
    they not, the planner could never use them (seq scans and plain index scans, which an
    ordering index offers on tables this small, are switched off to ask)."""
    from contacts.models import ContactEmail, ContactPhone
    from deals.models import Deal

    searches = {
        "deals_deal_title_trgm": Deal.objects.filter(title__icontains="владельца").order_by(),
        "contacts_contact_name_trgm": Contact.objects.filter(name__icontains="иван"),
        "contacts_contactemail_email_trgm": ContactEmail.objects.filter(email__icontains="ivan"),
        "contacts_contactphone_number_trgm": ContactPhone.objects.filter(number__contains="9161"),
        "contacts_client_search_text_trgm": Client.objects.search("ромашка"),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for index, queryset in searches.items():
            assert index in queryset.explain(), index


def test_a_title_with_the_number_sign_is_found_as_typed(client_a, world, manager_a):
    deal = services.deal_create(title="Заказ №512 от сайта", manager=manager_a, by=manager_a)

    assert deal.get_absolute_url() in links(search(client_a, "заказ №512"))

"""Prepare a seeded database for `make bench` and print the targets as one JSON line.

Adds what seed_bench leaves out for the page benchmark (a contact and comments for every
deal, set-based), a deal card with 50 tasks, 50 comments and 20 contacts, client documents
with links, a website key for the intake, and logged-in sessions."""

import json
import os
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Contact, ContactPhone
from crm.phones import fill_display
from deals import pagination, services
from deals.models import Deal, LeadRequest, LeadSource
from deals.views import PAGE_SIZE

CARD_TITLE = "Карточка для замеров"
BENCH_KEY = "bench-intake-key-" + "b" * 24


class Command(BaseCommand):
    help = "Подготовить базу к замерам (make bench) и вывести цели в JSON."

    def add_arguments(self, parser):
        parser.add_argument("--count", action="store_true", help="только число сделок")
        parser.add_argument(
            "--count-intake", action="store_true", help="все ли заявки замера сохранены"
        )

    def handle(self, *args, count=False, count_intake=False, **options):
        if count:
            self.stdout.write(str(Deal.objects.count()))
            return
        if count_intake:
            requests = LeadRequest.objects.filter(source__key=BENCH_KEY)
            # A repeat lead of the same client goes into its open deal: taken, not lost.
            taken = [LeadRequest.Status.CREATED, LeadRequest.Status.ATTACHED]
            lost = requests.exclude(status__in=taken).count()
            self.stdout.write(json.dumps({"requests": requests.count(), "not_created": lost}))
            return
        head = get_user_model().objects.filter(role="head", is_active=True).first()
        if head is None:
            head = get_user_model().objects.create_user(
                "bench-head", password=None, role="head", first_name="Руководитель"
            )
        manager = (
            get_user_model()
            .objects.filter(role="manager", deals__isnull=False)
            .order_by("pk")
            .first()
        )
        self._children()
        card = self._card(manager)
        source, _ = LeadSource.objects.get_or_create(
            key=BENCH_KEY, defaults={"name": "Сайт для замеров", "manager": manager}
        )
        head_cookie = f"sessionid={_session(head)}"
        manager_cookie = f"sessionid={_session(manager)}"
        targets = [
            {"name": "deal_list_first", "path": "/deals/", "cookie": head_cookie},
            {
                "name": "deal_list_deep",
                "path": f"/deals/?after={_deep_cursor()}",
                "cookie": head_cookie,
            },
            {"name": "board", "path": "/deals/board/", "cookie": head_cookie},
            {"name": "deal_card", "path": f"/deals/{card.pk}/", "cookie": head_cookie},
            {"name": "my_tasks", "path": "/deals/tasks/my/", "cookie": manager_cookie},
            {
                "name": "intake",
                "path": "/api/leads/",
                "method": "POST",
                "content_type": "application/json",
                "auth": f"Bearer {source.key}",
                "body": json.dumps(
                    {"name": "Замер", "phone": "+79990000000", "message": "Заявка для замера"},
                    ensure_ascii=False,
                ),
            },
        ]
        # The search page as a manager looks for part of a phone: the trigram indexes, the
        # visibility rule and every kind of result at once.
        targets.append(
            {
                "name": "search",
                "path": "/search/?q=" + quote("999 000 12"),
                "cookie": manager_cookie,
            }
        )
        api_auth = f"Bearer {_api_key(head)}"
        targets += [
            {"name": "api_deal_list_first", "path": "/api/v1/deals/", "auth": api_auth},
            {
                "name": "api_deal_list_deep",
                "path": f"/api/v1/deals/?after={_deep_cursor()}",
                "auth": api_auth,
            },
        ]
        proposal, invoice = _client_documents(card, manager)
        targets += [
            {"name": "proposal_client_page", "path": proposal.public_path()},
            {"name": "invoice_client_page", "path": invoice.public_path()},
        ]
        self.stdout.write(json.dumps({"targets": targets, "intake_check": True}))

    def _children(self) -> None:
        """A contact with a phone and two comments for every deal that has none (set-based
        on PostgreSQL, so 100 000 deals take seconds)."""
        if Contact.objects.exists() or connection.vendor != "postgresql":
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO contacts_contact (name, position, messengers, note, created_at,
                                              updated_at)
                SELECT 'Контакт ' || d.id, 'директор', '', '', d.created_at, d.created_at
                FROM deals_deal d ORDER BY d.id
                """
            )
            cursor.execute(
                """
                INSERT INTO deals_deal_contacts (deal_id, contact_id)
                SELECT d.id, c.id
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM deals_deal) d
                JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM contacts_contact) c
                  ON c.n = d.n
                """
            )
            cursor.execute(
                """
                INSERT INTO contacts_contactphone (contact_id, number, display)
                SELECT id, '+7999' || lpad((id % 10000000)::text, 7, '0'), ''
                FROM contacts_contact
                """
            )
            cursor.execute(
                """
                INSERT INTO deals_comment (deal_id, author_id, text, created_at)
                SELECT d.id, d.manager_id, t.text, d.created_at + t.shift
                FROM deals_deal d
                CROSS JOIN (VALUES ('Клиент описал задачу по телефону.', interval '1 hour'),
                                   ('Договорились о встрече в офисе.', interval '2 days')) AS
                     t(text, shift)
                """
            )
            fill_display(ContactPhone)
            cursor.execute("ANALYZE")

    def _card(self, manager) -> Deal:
        card = Deal.objects.filter(title=CARD_TITLE).first()
        if card is not None:
            return card
        card = services.deal_create(
            title=CARD_TITLE, manager=manager, by=manager, budget=Decimal("250000")
        )
        due = timezone.now() + timedelta(days=3)
        for i in range(50):
            services.task_create(
                deal=card,
                author=manager,
                assignee=manager,
                kind="call",
                text=f"Задача {i}",
                due_at=due,
            )
            services.comment_add(deal=card, author=manager, text=f"Комментарий {i}")
        for i in range(20):
            services.contact_save(
                contact=Contact(name=f"Контакт карточки {i}"),
                phones=[f"+7916555{i:04d}"],
                emails=[f"card{i}@example.ru"],
                deal=card,
                by=manager,
            )
        return card


def _client_documents(card, manager):
    """A sent proposal and an issued invoice of the card's deal, from a calculation of 12
    lines, for a client with full requisites and the demo seller."""
    from billing.models import Invoice
    from billing.services import LineData, calculation_save, invoice_create, invoice_issue
    from contacts.demo import load as load_requisites
    from contacts.models import Client
    from deals.clients.services import deal_set_client
    from documents.models import DocumentTemplate, Proposal
    from documents.services import document_finalize, proposal_create

    proposal = Proposal.objects.filter(deal=card).first()
    invoice = Invoice.objects.filter(deal=card).exclude(token="").first()
    if proposal and invoice:
        return proposal, invoice
    load_requisites(stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client.objects.filter(kind=Client.Kind.LEGAL).exclude(inn="").first()
    card = deal_set_client(deal=card, client=client, by=manager)
    calculation = calculation_save(
        deal=card,
        by=manager,
        lines=[
            LineData(name=f"Работа {i}", quantity=Decimal(i), price=Decimal("1500"))
            for i in range(1, 13)
        ],
        make_current=True,
    )
    template = DocumentTemplate.objects.get(kind="proposal", is_default=True)
    proposal = proposal_create(deal=card, template=template, by=manager)
    proposal = document_finalize(document=proposal, by=manager)
    invoice = invoice_create(deal=card, by=manager, calculation=calculation)
    invoice = invoice_issue(invoice=invoice, by=manager)
    return proposal, invoice


def _session(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(60 * 60 * 6)
    session.create()
    return session.session_key


def _api_key(user) -> str:
    """A fresh personal API key of the user; the previous run's key is revoked."""
    from crm.api_tokens import api_token_create, api_token_revoke
    from crm.models import ApiToken

    for token in ApiToken.objects.filter(user=user, name=BENCH_TOKEN, revoked_at__isnull=True):
        api_token_revoke(token=token)
    _token, key = api_token_create(user=user, name=BENCH_TOKEN)
    return key


BENCH_TOKEN = "Замеры"


def _deep_cursor() -> str:
    """The cursor of a page near the end of the whole list in its default order."""
    total = Deal.objects.count()
    row = Deal.objects.order_by("-created_at", "-pk").values_list("created_at", "pk")[
        max(total - 2 * PAGE_SIZE, 0)
    ]
    return pagination.encode_cursor(list(row))

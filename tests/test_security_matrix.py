"""Every URL of the project, tried as an anonymous visitor, as the manager who owns the
object, as another manager and as the head of sales. The list of URLs comes from the URLconf
itself: a new URL that is not classified below fails `test_every_url_is_classified`."""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import Client as HttpClient
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

# Deliberately public, each with the reason. Everything else needs a login.
PUBLIC = {
    "login": "the login form itself",
    "deals:lead_intake": "websites post leads here, authenticated by the source key",
    "documents:questionnaire_public": "the client's questionnaire, authenticated by its token",
    "documents:questionnaire_public_file": "a file the client uploaded, by the same token",
    "documents:questionnaire_public_logo": "the seller's logo in the page header, by its token",
    "billing:sandbox_payment": "the sandbox payment page, identified by an unguessable id",
    "billing:payment_notify": "payment notifications, verified by the provider's rules",
    "documents:proposal_public": "the client's proposal, authenticated by its token",
    "documents:proposal_public_pdf": "the proposal's PDF, by the same token",
    "documents:proposal_public_respond": "accept / decline, by the same token",
    "documents:contract_public": "the client's contract, authenticated by its token",
    "documents:contract_public_pdf": "the contract's PDF, by the same token",
    "documents:contract_public_accept": "the contract acceptance, by the same token",
    "documents:proposal_public_media": "the logo and pictures of that proposal, by its token",
    "documents:contract_public_media": "the logo and pictures of that contract, by its token",
    "billing:invoice_public": "the client's invoice, authenticated by its token",
    "billing:invoice_public_pdf": "the invoice's PDF, by the same token",
    "billing:invoice_public_pay": "starts an online payment of that invoice, by the same token",
    "billing:act_public": "the client's act, authenticated by its token",
    "billing:act_public_pdf": "the act's PDF, by the same token",
    "billing:act_public_accept": "the client signs that act, by the same token",
    "billing:invoice_public_logo": "the seller's logo in the page header, by the same token",
}

# URLs with no object: any logged-in user may open them (head-only ones are listed apart).
GLOBAL = {
    "home",
    "logout",
    "password_change",
    "password_change_done",
    "profile",
    "deals:list",
    "deals:create",
    "deals:board",
    "deals:my_tasks",
    "deals:task_calendar",
    "deals:task_due",
    "clients:list",
    "clients:create",
    "clients:genitive",
    "clients:bank",
    "clients:party",
    "billing:catalog",
    "analytics:funnel",
    "analytics:funnel_export",
    "analytics:funnel_pdf",
    "analytics:funnel_deals",
    "billing:invoice_list",
    # Everyone's own notification centre: each shows and changes only the user's own rows.
    "notifications:list",
    "notifications:bell",
    "notifications:settings",
    "notifications:read_all",
    # Pictures of staff pages (the logo, template images) by their media address; any other
    # file there is for the head of sales only (crm/tests/test_media.py).
    "media",
}
HEAD_ONLY = {
    "deals:team_tasks",
    "clients:seller",
    "billing:seller_tax",
    "billing:catalog_create",
    "billing:catalog_edit",
    "billing:group_create",
    "billing:group_edit",
    "documents:template_list",
    "documents:template_create",
    "documents:template_edit",
    "documents:template_preview",
    "documents:template_preview_text",
    "documents:template_image_upload",
}

# Object URLs for the deal's owner and the head of sales only: a manager who holds a task on
# the deal sees it, but gets 403 here. Annulling a numbered document is one of them.
OWNER_OR_HEAD = {
    "billing:invoice_annul",
    "billing:act_annul",
    "documents:proposal_annul",
    "documents:contract_annul",
}


# Objects of one person alone, not of a deal: the head of sales does not see another's
# notifications either.
PERSONAL = {"notifications:open", "notifications:read"}

# A comment is corrected or deleted by its author alone, for COMMENT_EDIT_MINUTES: the head
# of sales and a task holder see it and get 403 (deals/tests/test_card.py tries the window).
AUTHOR_ONLY = {"deals:comment_edit", "deals:comment_delete"}

# Head-only endpoints that only answer a POST (the editor's preview and image upload).
POST_ONLY = {"documents:template_preview_text", "documents:template_image_upload"}


@dataclass
class World:
    owner: object
    other: object
    head: object
    deal: object
    objects: dict = field(default_factory=dict)


def build_world(manager_a, manager_b, head) -> World:
    from contacts.models import Client, Contact
    from deals import services

    deal = services.deal_create(
        title="Сделка владельца", manager=manager_a, by=manager_a, budget=Decimal("1000")
    )
    world = World(owner=manager_a, other=manager_b, head=head, deal=deal)
    o = world.objects
    o["task"] = services.task_create(
        deal=deal,
        author=manager_a,
        assignee=manager_a,
        kind="call",
        text="Позвонить",
        due_at=timezone.now() + timedelta(days=1),
    )
    o["contact"] = services.contact_save(
        contact=Contact(name="Иван"), phones=["+79161234567"], emails=["ivan@example.ru"], deal=deal
    )
    o["client"] = Client.objects.create(kind="legal", name="ООО «Ромашка»", created_by=manager_a)
    deal.client = o["client"]
    deal.save()
    _build_calculation(world)
    _build_questionnaire(world)
    for builder in EXTRA_BUILDERS:
        builder(world)
    return world


def _build_calculation(world):
    from billing.models import CatalogItem
    from billing.services import LineData, calculation_save

    o = world.objects
    o["calculation"] = calculation_save(
        deal=world.deal,
        by=world.owner,
        lines=[LineData(name="Разработка сайта", quantity=Decimal("1"), price=Decimal("1000"))],
        make_current=True,
    )
    o["catalog_item"] = CatalogItem.objects.create(name="Хостинг", price=Decimal("500"))
    o["catalog_group"] = apps.get_model("billing", "CatalogGroup").objects.create(name="Услуги")


def _build_questionnaire(world):
    from documents import services
    from documents.models import QuestionKind, QuestionnaireTemplate, TemplateQuestion

    template = QuestionnaireTemplate.objects.create(title="Бриф")
    TemplateQuestion.objects.create(template=template, order=1, text="Файл", kind=QuestionKind.FILE)
    q = services.questionnaire_create(deal=world.deal, template=template, by=world.owner)
    question = q.questions.first()
    question.answer_file.save("tz.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    world.objects["questionnaire"] = q
    world.objects["question"] = question


def _build_documents(world):
    """A draft proposal and a draft contract of the world's deal (it has a client)."""
    from documents import services
    from documents.models import DocumentTemplate

    templates = DocumentTemplate.objects.filter(is_default=True)
    for kind, create in (
        ("proposal", services.proposal_create),
        ("contract", services.contract_create),
    ):
        world.objects[kind] = create(
            deal=world.deal, template=templates.get(kind=kind), by=world.owner
        )


def _build_invoice(world):
    """An issued invoice of the owner's deal with a manual payment, and a sandbox payment
    waiting on the sandbox page."""
    from billing import services
    from billing.models import Invoice, Payment
    from billing.payments import get_provider
    from contacts.models import BankAccount, Seller
    from contacts.services import seller_save

    seller_save(
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
    o = world.objects
    invoice = services.invoice_create(deal=world.deal, by=world.owner, calculation=o["calculation"])
    invoice = services.invoice_issue(invoice=invoice, by=world.owner)
    o["payment"] = services.payment_record(
        invoice=invoice,
        amount=Decimal("100"),
        paid_on=timezone.localdate(),
        method=Payment.Method.CASH,
        by=world.owner,
    )
    o["invoice"] = Invoice.objects.get(pk=invoice.pk)
    created = get_provider("sandbox").create_payment(
        amount=Decimal("900"),
        currency="RUB",
        description="Оплата",
        return_url="/",
        idempotence_key="matrix-1",
        metadata={},
    )
    o["sandbox_payment_id"] = created.provider_payment_id


def _build_act(world):
    """A fixed act of the world's invoice: its link works."""
    from billing import services

    act = services.act_create(deal=world.deal, by=world.owner, invoice=world.objects["invoice"])
    world.objects["act"] = services.act_fix(act=act, by=world.owner)


def _build_comment(world):
    from deals import services

    world.objects["comment"] = services.comment_add(
        deal=world.deal, author=world.owner, text="Договорились о встрече"
    )


def _build_notification(world):
    from crm.notifications import notify

    world.objects["notification"] = notify(
        user=world.owner,
        event="client.opened",
        text="Клиент открыл анкету",
        url=world.deal.get_absolute_url(),
    )


# Later features add builders here (proposals, contracts, invoices, acts).
EXTRA_BUILDERS: list = [
    _build_documents,
    _build_invoice,
    _build_act,
    _build_notification,
    _build_comment,
]


def kwargs_for(name: str, world: World) -> dict:
    """URL arguments that point at the owner's objects."""
    o = world.objects
    deal_pk = world.deal.pk
    by_name = {
        "pk": deal_pk,
        "task_pk": o["task"].pk,
        "contact_pk": o["contact"].pk,
        "calc_pk": o["calculation"].pk,
        "questionnaire_pk": o["questionnaire"].pk,
        "question_pk": o["question"].pk,
        "item_pk": o["catalog_item"].pk,
        "group_pk": o["catalog_group"].pk,
    }
    by_name.update(table="all", fmt="xlsx", file="seller/logo.png", name="seller/logo.png")
    by_name.update(payment_id=o.get("sandbox_payment_id", ""), provider="sandbox")
    for key, value in o.items():
        if hasattr(value, "pk"):
            by_name.setdefault(f"{key}_pk", value.pk)
    if name.startswith("clients:"):
        by_name["pk"] = o["client"].pk
    if name.startswith("documents:template_"):
        from documents.models import DocumentTemplate

        by_name["pk"] = DocumentTemplate.objects.first().pk
    return by_name


def _params(pattern) -> list[str]:
    if hasattr(pattern, "converters"):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def all_url_names() -> dict[str, list[str]]:
    """Every named URL with the names of its arguments (those of enclosing includes too)."""
    found = {}

    def walk(patterns, namespace="", params=()):
        for p in patterns:
            here = (*params, *_params(p.pattern))
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, ns, here)
            elif p.name:
                found[f"{namespace}:{p.name}" if namespace else p.name] = list(here)

    walk(get_resolver().url_patterns)
    return {n: p for n, p in found.items() if not n.startswith("admin:")}


def build_url(name: str, params: list[str], world: World) -> str:
    values = kwargs_for(name, world)
    kwargs = {}
    for param in params:
        if param == "token":
            kwargs[param] = TOKEN_SOURCES[name](world)
        elif param in values:
            kwargs[param] = values[param]
        else:
            raise AssertionError(f"No value for <{param}> of {name}")
    return reverse(name, kwargs=kwargs)


TOKEN_SOURCES = {
    "documents:questionnaire_public": lambda w: w.objects["questionnaire"].token,
    "documents:questionnaire_public_file": lambda w: w.objects["questionnaire"].token,
    "documents:questionnaire_public_logo": lambda w: w.objects["questionnaire"].token,
    "documents:proposal_public": lambda w: w.objects["proposal"].token,
    "documents:proposal_public_pdf": lambda w: w.objects["proposal"].token,
    "documents:proposal_public_respond": lambda w: w.objects["proposal"].token,
    "documents:contract_public": lambda w: w.objects["contract"].token,
    "documents:contract_public_pdf": lambda w: w.objects["contract"].token,
    "documents:contract_public_accept": lambda w: w.objects["contract"].token,
    "documents:proposal_public_media": lambda w: w.objects["proposal"].token,
    "documents:contract_public_media": lambda w: w.objects["contract"].token,
    "billing:invoice_public": lambda w: w.objects["invoice"].token,
    "billing:invoice_public_pdf": lambda w: w.objects["invoice"].token,
    "billing:invoice_public_pay": lambda w: w.objects["invoice"].token,
    "billing:act_public": lambda w: w.objects["act"].token,
    "billing:act_public_pdf": lambda w: w.objects["act"].token,
    "billing:act_public_accept": lambda w: w.objects["act"].token,
    "billing:invoice_public_logo": lambda w: w.objects["invoice"].token,
}

EXCLUDED_MODELS = {"sessions.session", "axes.accesslog", "axes.accessattempt"}


def database_state() -> str:
    """A digest of every row of every table, to see that a refused POST changed nothing."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.label_lower in EXCLUDED_MODELS or not model._meta.managed:
            continue
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


# What a foreign manager posts: plausible values for the forms, so that a missing access
# check would really change something.
HOSTILE_POST = {
    "title": "чужое",
    "stage": "1",
    "text": "чужой комментарий",
    "result": "готово",
    "name": "Чужой",
    "phones_text": "+79161234567",
    "contact": "1",
    "client": "1",
    "q": "Ромашка",
    "kind": "legal",
    "recipient": "ivan@example.ru",
    "email": "ivan@example.ru",
    "manager": "1",
    "budget": "1",
    "source": "phone",
}


@pytest.fixture
def world(manager_a, manager_b, head, stages):
    return build_world(manager_a, manager_b, head)


def object_urls():
    return sorted(n for n in all_url_names() if n not in set(PUBLIC) | GLOBAL | HEAD_ONLY)


def test_every_url_is_classified():
    names = set(all_url_names())
    known = set(PUBLIC) | GLOBAL | HEAD_ONLY
    unclassified = sorted(n for n in names - known if set(all_url_names()[n]) <= {"table", "fmt"})
    assert unclassified == [], f"Classify these URLs in the security matrix: {unclassified}"


def _login(user):
    c = HttpClient()
    c.force_login(user)
    return c


def test_anonymous_visitor_is_sent_to_login_everywhere_but_public_urls(world):
    anon = HttpClient()
    for name, pattern in all_url_names().items():
        if name in PUBLIC or name == "login":
            continue
        url = build_url(name, pattern, world)
        for method in ("get", "post"):
            response = getattr(anon, method)(url)
            assert response.status_code == 302, (name, method, response.status_code)
            assert response["Location"].startswith(reverse("login")), name


@pytest.mark.parametrize("name", object_urls())
def test_another_manager_gets_404_and_changes_nothing(name, world):
    pattern = all_url_names()[name]
    url = build_url(name, pattern, world)
    intruder = _login(world.other)
    before = database_state()
    assert intruder.get(url).status_code in (404, 405), name
    response = intruder.post(url, HOSTILE_POST)
    assert response.status_code in (404, 405), (name, response.status_code)
    assert database_state() == before, f"{name}: a refused POST changed the database"


@pytest.mark.parametrize("name", object_urls())
def test_owner_and_head_reach_every_object_url(name, world):
    pattern = all_url_names()[name]
    url = build_url(name, pattern, world)
    for user in (world.owner,) if name in PERSONAL | AUTHOR_ONLY else (world.owner, world.head):
        response = _login(user).get(url)
        assert response.status_code not in (403, 404, 500), (name, user, response.status_code)


@pytest.mark.parametrize("name", sorted(AUTHOR_ONLY))
def test_the_head_gets_403_for_another_persons_comment_and_changes_nothing(name, world):
    url = build_url(name, all_url_names()[name], world)
    head = _login(world.head)
    before = database_state()
    assert head.get(url).status_code in (403, 405), name
    assert head.post(url, HOSTILE_POST).status_code == 403, name
    assert database_state() == before


@pytest.mark.parametrize("name", sorted(PERSONAL))
def test_the_head_gets_404_for_another_persons_own_objects(name, world):
    url = build_url(name, all_url_names()[name], world)
    head = _login(world.head)
    before = database_state()
    assert head.get(url).status_code in (404, 405), name
    assert head.post(url).status_code in (404, 405), name
    assert database_state() == before


@pytest.mark.parametrize("name", sorted(HEAD_ONLY))
def test_head_only_pages_are_closed_to_managers(name, world):
    if name not in all_url_names():
        pytest.skip(f"{name} is not in this URLconf")
    url = build_url(name, all_url_names()[name], world)
    manager = _login(world.owner)
    before = database_state()
    assert manager.get(url).status_code in (403, 404, 405)
    assert manager.post(url, HOSTILE_POST).status_code in (403, 404)
    assert database_state() == before
    head = _login(world.head)
    response = head.post(url, {"body": "<p>Текст</p>"}) if name in POST_ONLY else head.get(url)
    assert response.status_code not in (403, 404, 500)


def test_every_annul_url_is_for_the_owner_or_the_head():
    annul = {name for name in all_url_names() if name.endswith("_annul")}
    assert annul == OWNER_OR_HEAD


@pytest.mark.parametrize("name", sorted(OWNER_OR_HEAD))
def test_a_manager_who_holds_a_task_gets_403_and_changes_nothing(name, world):
    from deals import services

    services.task_create(
        deal=world.deal,
        author=world.owner,
        assignee=world.other,
        kind="call",
        text="Перезвонить",
        due_at=timezone.now() + timedelta(days=1),
    )
    url = build_url(name, all_url_names()[name], world)
    task_holder = _login(world.other)
    before = database_state()
    response = task_holder.post(url, {**HOSTILE_POST, "reason": "чужая причина"})
    assert response.status_code == 403, (name, response.status_code)
    assert database_state() == before, f"{name}: a refused POST changed the database"


def test_only_the_payment_notifications_are_csrf_exempt():
    """A provider posts notifications without our CSRF token (they are verified by the
    provider module instead); no other view may switch the check off."""
    from django.urls import get_resolver

    exempt = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or ""
                walk(p.url_patterns, f"{namespace}:{ns}".strip(":") if ns else namespace)
            elif p.name and getattr(p.callback, "csrf_exempt", False):
                exempt.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns)
    exempt = {n for n in exempt if not n.startswith("admin:")}
    assert exempt <= {"billing:payment_notify", "deals:lead_intake"}
    assert "billing:payment_notify" in exempt


def test_every_post_needs_a_csrf_token(world):
    """Apart from the intake API and payment notifications, which authenticate otherwise."""
    exempt = {"deals:lead_intake", "billing:payment_notify"}
    for name, pattern in all_url_names().items():
        if name in exempt:
            continue
        url = build_url(name, pattern, world)
        strict = HttpClient(enforce_csrf_checks=True)
        if name not in PUBLIC:
            strict.force_login(world.owner if name not in HEAD_ONLY else world.head)
        before = database_state()
        response = strict.post(url, HOSTILE_POST)
        assert response.status_code in (403, 405), (name, response.status_code)
        assert database_state() == before, name


# Shared objects: a contact person can serve several deals, so a manager may hold the id of
# a contact on a deal of someone else. Through their own deal (which they may open) they
# must reach nothing of it: not its card, not its edit, not a link, not a duplicate offer.

SHARED_CONTACT = {
    "name": "Зинаида Общая",
    "position": "главный бухгалтер",
    "messengers": "@zinaida_shared",
    "note": "внутренняя заметка владельца",
}
SHARED_PHONES = ["+79035550101", "+74957770202"]
SHARED_EMAILS = ["zinaida@shared.example.ru"]


@dataclass
class SharedContact:
    contact: object
    own_deal: object  # the other manager's deal, which they may open


@pytest.fixture
def shared_contact(world) -> SharedContact:
    from contacts.models import Contact
    from deals import services

    contact = services.contact_save(
        contact=Contact(**SHARED_CONTACT),
        phones=SHARED_PHONES,
        emails=SHARED_EMAILS,
        deal=world.deal,
        by=world.owner,
    )
    own_deal = services.deal_create(title="Сделка другого", manager=world.other, by=world.other)
    return SharedContact(contact=contact, own_deal=own_deal)


def _assert_no_shared_contact_fields(text: str, contact) -> None:
    shown = [*SHARED_CONTACT.values(), "+7 495 777-02-02", "+7 903 555-01-01", *SHARED_EMAILS]
    leaked = [value for value in shown if value in text]
    assert leaked == [], f"the contact's fields leaked: {leaked}"
    assert f'name="contact" value="{contact.pk}"' not in text


def contact_object_urls() -> list[str]:
    return sorted(n for n, params in all_url_names().items() if "contact_pk" in params)


def test_the_shared_axis_covers_every_contact_url():
    assert contact_object_urls() == ["deals:contact_edit", "deals:contact_unlink"]


@pytest.mark.parametrize("name", contact_object_urls())
def test_another_manager_reaches_no_foreign_contact_through_their_own_deal(
    name, world, shared_contact
):
    url = reverse(
        name, kwargs={"pk": shared_contact.own_deal.pk, "contact_pk": shared_contact.contact.pk}
    )
    intruder = _login(world.other)
    before = database_state()
    assert intruder.get(url).status_code in (404, 405), name
    data = {**HOSTILE_POST, "emails_text": "intruder@example.ru"}
    assert intruder.post(url, data).status_code == 404, name
    assert database_state() == before, f"{name}: a refused POST changed the database"


@pytest.mark.parametrize("htmx", [False, True])
def test_another_manager_cannot_link_a_foreign_contact_to_their_own_deal(
    htmx, world, shared_contact
):
    url = reverse("deals:contact_link", args=[shared_contact.own_deal.pk])
    intruder = _login(world.other)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    before = database_state()
    for typed in ({"phones_text": SHARED_PHONES[0]}, {"emails_text": SHARED_EMAILS[0]}):
        data = {"name": "Чужой", **typed, "contact": shared_contact.contact.pk}
        assert intruder.post(url, data, **headers).status_code == 404
    assert database_state() == before


@pytest.mark.parametrize("htmx", [False, True])
def test_the_duplicate_check_returns_nothing_of_a_foreign_contact(htmx, world, shared_contact):
    url = reverse("deals:contact_create", args=[shared_contact.own_deal.pk])
    intruder = _login(world.other)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    before = database_state()
    for typed in ({"phones_text": SHARED_PHONES[0]}, {"emails_text": SHARED_EMAILS[0].upper()}):
        response = intruder.post(url, {"name": "Чужой", **typed}, **headers)
        assert response.status_code == 400
        _assert_no_shared_contact_fields(response.text, shared_contact.contact)
    assert database_state() == before


def test_the_owner_and_the_head_are_offered_the_contact(world, shared_contact):
    from deals import services

    for user in (world.owner, world.head):
        deal = services.deal_create(title="Ещё сделка", manager=world.owner, by=user)
        response = _login(user).post(
            reverse("deals:contact_create", args=[deal.pk]),
            {"name": "Тот же", "phones_text": SHARED_PHONES[0]},
        )
        assert f'name="contact" value="{shared_contact.contact.pk}"' in response.text, user
        assert SHARED_CONTACT["name"] in response.text


# Roles on a deal: the task holder (deals.roles). A manager with an open task on someone
# else's deal sees the card, comments and completes their own task; every other object URL
# answers 403 (405 for a method the URL does not take) and no POST of theirs changes a row.

# The pages a task holder opens (GET), each with what it is for them.
TASK_HOLDER_PAGES = {
    "deals:detail": "the deal card",
    "deals:timeline": "the card's timeline, narrowed to one kind or its next page",
    "clients:detail": "the client's card, without personal data",
    "calculations:detail": "a calculation, to read",
    "billing:invoice_detail": "an invoice, to read",
    "billing:invoice_pdf": "the invoice's PDF",
    "billing:act_detail": "an act, to read",
    "billing:act_pdf": "the act's PDF",
    "documents:questionnaire_file": "a file the client sent in a questionnaire",
    "documents:proposal_detail": "a proposal, personal data masked",
    "documents:proposal_pdf": "its PDF, personal data masked",
    "documents:contract_detail": "a contract, personal data masked",
    "documents:contract_pdf": "its PDF, personal data masked",
}
# What a task holder may post, with the row it adds.
TASK_HOLDER_POSTS = {"deals:comment_create": "a comment in the deal's timeline"}


@pytest.fixture
def holder_world(world):
    """The world with world.other holding an open task on the owner's deal (and the
    invoice's PDF rendered, as the worker would)."""
    from crm.pdf import pdf_store
    from deals import services

    pdf_store(world.objects["invoice"])

    services.task_create(
        deal=world.deal,
        author=world.owner,
        assignee=world.other,
        kind="call",
        text="Позвонить вместо владельца",
        due_at=timezone.now() + timedelta(days=1),
    )
    return world


def test_the_task_holder_lists_are_object_urls():
    assert set(TASK_HOLDER_PAGES) | set(TASK_HOLDER_POSTS) <= set(object_urls())


# A person's own objects (PERSONAL) are nobody else's, task holder or not: tried above.
@pytest.mark.parametrize("name", [n for n in object_urls() if n not in PERSONAL])
def test_a_task_holder_reads_the_deal_and_changes_nothing_else(name, holder_world):
    url = build_url(name, all_url_names()[name], holder_world)
    holder = _login(holder_world.other)
    response = holder.get(url)
    if name in TASK_HOLDER_PAGES:
        assert response.status_code == 200, (name, response.status_code)
    else:
        assert response.status_code in (403, 405), (name, response.status_code)
    if name in TASK_HOLDER_POSTS:
        return
    before = database_state()
    response = holder.post(url, {**HOSTILE_POST, "manager": str(holder_world.other.pk)})
    if name not in TASK_HOLDER_PAGES:
        assert response.status_code in (403, 405), (name, response.status_code)
    assert database_state() == before, f"{name}: a task holder's POST changed the database"


# Personal data (152-ФЗ): every URL that can show an individual's passport, birth date or
# bank account, as each persona. The rule is deals.clients.access.may_see_personal_data.

PERSONAL_DATA_URLS = {
    "clients:detail",
    "clients:edit",
    "documents:proposal_detail",
    "documents:proposal_edit",
    "documents:proposal_pdf",
    "documents:contract_detail",
    "documents:contract_edit",
    "documents:contract_pdf",
    "documents:proposal_public",
    "documents:proposal_public_pdf",
    "documents:contract_public",
    "documents:contract_public_pdf",
}
PERSON_PASSPORT = "654321"
PERSON_ACCOUNT = "40817810838000098765"
PERSON_BIRTH_DATES = ("14.03.1985", "14 марта 1985", "14\u00a0марта\u00a01985", "1985-03-14")
PERSONAL_TAGS = "<p>{{ client.passport }}; {{ client.birth_date }}; {{ client.bank.account }}</p>"


@pytest.fixture
def person_world(world):
    """The world whose client is an individual with a passport, a birth date and an account,
    documents that print them, and a third manager holding a task on the owner's deal."""
    import datetime

    from contacts.models import BankAccount
    from contacts.services import client_save
    from crm.models import User
    from deals import services

    o = world.objects
    person = o["client"]
    person.kind = "person"
    person.person_name = "Кузьмин Андрей Павлович"
    person.inn = "772345678901"
    person.birth_date = datetime.date(1985, 3, 14)
    person.passport_series, person.passport_number = "4510", PERSON_PASSPORT
    person.passport_issued_by = "ГУ МВД России по г. Москве"
    person.registration_address = "г. Москва, ул. Лесная, д. 7"
    client_save(
        client=person,
        by=world.owner,
        accounts=[
            BankAccount(
                bank_name="ПАО Сбербанк",
                bik="044525225",
                correspondent_account="30101810400000000225",
                settlement_account=PERSON_ACCOUNT,
                is_default=True,
            )
        ],
    )
    for kind in ("proposal", "contract"):
        o[kind].body += PERSONAL_TAGS
        o[kind].save(update_fields=["body"])
    holder = User.objects.create_user(
        username="manager_c", password="x", email="c@example.ru", first_name="Вера"
    )
    services.task_create(
        deal=world.deal,
        author=world.owner,
        assignee=holder,
        kind="call",
        text="Позвонить",
        due_at=timezone.now() + timedelta(days=1),
    )
    o["task_holder"] = holder
    return world


def _fix_documents(world) -> None:
    """Send the proposal and the contract, their PDFs rendered as the worker would."""
    from crm.pdf import pdf_store
    from documents import services

    for kind in ("proposal", "contract"):
        document = services.document_finalize(document=world.objects[kind], by=world.owner)
        pdf_store(document)
        world.objects[kind] = document


def _text(response) -> str:
    from pypdf.errors import PdfReadError

    from crm.testing import pdf_text

    data = response.getvalue()
    if data.startswith(b"%PDF"):
        try:
            return pdf_text(data, flat=True)
        except PdfReadError:
            pass
    return data.decode(errors="replace")


def _shows_personal_data(response) -> bool:
    text = _text(response)
    shown = [
        PERSON_PASSPORT in text,
        PERSON_ACCOUNT in text,
        any(date in text for date in PERSON_BIRTH_DATES),
    ]
    assert len(set(shown)) == 1, f"{response.request['PATH_INFO']}: partly shown {shown}"
    return shown[0]


@pytest.mark.parametrize("state", ["draft", "fixed"])
def test_every_page_that_shows_a_passport_is_in_the_personal_data_list(state, person_world):
    if state == "fixed":
        _fix_documents(person_world)
    head, anon = _login(person_world.head), HttpClient()
    showing = set()
    for name, params in all_url_names().items():
        if name in POST_ONLY or name == "logout":
            continue
        url = build_url(name, params, person_world)
        response = (anon if name in PUBLIC else head).get(url)
        if response.status_code == 200 and _shows_personal_data(response):
            showing.add(name)
    unlisted = showing - PERSONAL_DATA_URLS
    assert not unlisted, f"Add to PERSONAL_DATA_URLS (and check who sees them): {unlisted}"
    expected_public = {n for n in PERSONAL_DATA_URLS if n in PUBLIC}
    assert (expected_public <= showing) == (state == "fixed")


@pytest.mark.parametrize("state", ["draft", "fixed"])
@pytest.mark.parametrize("name", sorted(PERSONAL_DATA_URLS))
def test_personal_data_is_shown_to_whom_the_rule_allows(name, state, person_world):
    """The owner (the client's creator and the deal's manager) and the head see it; another
    manager gets 404; a manager who holds a task on the deal sees the pages masked (the
    forms that would change them answer 403); an anonymous visitor sees it only on the
    client's own pages, by their link."""
    world = person_world
    if state == "fixed":
        _fix_documents(world)
    url = build_url(name, all_url_names()[name], world)
    anon = HttpClient().get(url)
    if name in PUBLIC:
        if state == "draft":
            assert anon.status_code == 404
        else:
            assert anon.status_code == 200 and _shows_personal_data(anon), name
        return
    assert anon.status_code == 302 and anon["Location"].startswith(reverse("login"))
    for user in (world.owner, world.head):
        response = _login(user).get(url)
        if state == "fixed" and name.endswith("_edit"):
            assert response.status_code == 302  # a sent document is not edited
            continue
        assert response.status_code == 200, (name, user)
        assert _shows_personal_data(response), (name, user)
    assert _login(world.other).get(url).status_code == 404
    response = _login(world.objects["task_holder"]).get(url)
    assert response.status_code in (200, 403), (name, response.status_code)
    assert not _shows_personal_data(response), name

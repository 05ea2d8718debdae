"""Leads posted by websites: every request is stored first, then turned into a deal."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from contacts.models import Contact
from crm.notifications import notify

from .contacts import contacts_visible_to, responsible_for
from .forms import LeadForm
from .models import LeadRequest, LeadSource, Source
from .services import comment_add, contact_link, contact_save, deal_create, timeline_add

HONEYPOT_FIELD = "website"
FIELDS = [
    "name",
    "phone",
    "email",
    "message",
    "source_page",
    "utm_source",
    "utm_medium",
    "utm_campaign",
]


@dataclass
class IntakeResult:
    status: int
    request: LeadRequest | None = None
    errors: dict | None = None

    @property
    def deal_id(self):
        return self.request.deal_id if self.request else None


def _no_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def find_source(key: str) -> LeadSource | None:
    if not key:
        return None
    return LeadSource.objects.filter(key=key, active=True).select_related("manager").first()


def lead_receive(
    *, source: LeadSource, data: dict, idempotency_key: str = "", remote_addr: str | None = None
) -> IntakeResult:
    if idempotency_key:
        first = LeadRequest.objects.filter(source=source, idempotency_key=idempotency_key).first()
        if first is not None:
            return IntakeResult(status=200 if first.deal_id else 400, request=first)
    # PostgreSQL cannot store a NUL character in text or JSON: keep it visible as U+FFFD.
    payload = {
        _no_nul(str(k))[:200]: _no_nul(str(v))[:10000] for k, v in data.items() if k != "key"
    }
    try:
        with transaction.atomic():
            request = LeadRequest.objects.create(
                source=source,
                idempotency_key=idempotency_key[:200],
                payload=payload,
                remote_addr=remote_addr,
            )
    except IntegrityError:
        # Another request with the same key got there first.
        first = LeadRequest.objects.get(source=source, idempotency_key=idempotency_key[:200])
        return IntakeResult(status=200 if first.deal_id else 400, request=first)

    if (data.get(HONEYPOT_FIELD) or "").strip():
        request.status = LeadRequest.Status.SPAM
        request.save(update_fields=["status"])
        return IntakeResult(status=201, request=request)

    form = LeadForm(data)
    if not form.is_valid():
        errors = {
            ("non_field" if k == "__all__" else k): [str(m) for m in v]
            for k, v in form.errors.items()
        }
        request.status = LeadRequest.Status.INVALID
        request.errors = errors
        request.save(update_fields=["status", "errors"])
        return IntakeResult(status=400, request=request, errors=errors)

    try:
        _lead_to_deal(request=request, source=source, data=form.cleaned_data)
    except Exception as exc:
        request.status = LeadRequest.Status.FAILED
        request.errors = {"non_field": [f"{type(exc).__name__}: {exc}"]}
        request.save(update_fields=["status", "errors"])
        raise
    return IntakeResult(status=201, request=request)


@transaction.atomic
def _lead_to_deal(*, request: LeadRequest, source: LeadSource, data: dict) -> None:
    phones = [data["phone"]] if data["phone"] else []
    emails = [data["email"]] if data["email"] else []
    name = data["name"].strip() or data["email"] or data["phone"]
    title = f"Заявка с сайта {source.name}: {name}"
    description_lines = [
        f"{label}: {data[field]}"
        for field, label in [
            ("source_page", "Страница"),
            ("utm_source", "utm_source"),
            ("utm_medium", "utm_medium"),
            ("utm_campaign", "utm_campaign"),
        ]
        if data[field]
    ]
    deal = deal_create(
        title=title[:255],
        manager=source.manager,
        by=None,
        source=Source.WEBSITE,
        description="\n".join(description_lines),
        lead_source=source,
    )
    _lead_contact(deal=deal, name=name, phones=phones, emails=emails)
    if data["message"].strip():
        comment_add(deal=deal, author=None, text=f"Сообщение с сайта:\n{data['message'].strip()}")
    notify(user=deal.manager, event="lead.assigned", text=title, url=deal.get_absolute_url())
    request.deal = deal
    request.status = LeadRequest.Status.CREATED
    request.save(update_fields=["deal", "status"])


def _lead_contact(*, deal, name: str, phones: list[str], emails: list[str]) -> None:
    """The sender becomes the deal's contact. A known contact is reused only when the deal's
    manager may already see it: attaching another manager's contact would show them its note
    and deals and let their edits change what the owner mails. Otherwise the lead gets a
    contact of its own, and the timeline names only whom to ask (the head may merge)."""
    matching = Contact.objects.matching(phones=phones, emails=emails)
    known = (
        matching.filter(pk__in=contacts_visible_to(deal.manager).values("pk"))
        .order_by("pk")
        .first()
    )
    if known is not None:
        contact_link(deal=deal, contact=known)
        return
    elsewhere = list(matching.values_list("pk", flat=True))
    contact_save(contact=Contact(name=name[:200]), phones=phones, emails=emails, deal=deal)
    if elsewhere:
        manager = responsible_for(Contact.objects.filter(pk__in=elsewhere))
        who = f"ответственный: {manager}" if manager else "ответственный не указан"
        timeline_add(
            deal=deal,
            kind="contact",
            text=f"Контакт с этим телефоном или e-mail уже есть в сделке другого менеджера "
            f"({who}). Для заявки создан новый контакт; объединить их может руководитель.",
        )

"""Leads posted by websites: every request is stored first, then turned into a deal.

The source key is public (it is in the website's form), so junk is kept apart from real
leads: accepted leads count against the key's limit, refused posts against a limit of their
own, and every post against its address's limit (checked by the view). A post refused for
its size, its shape or a limit is stored all the same: nothing a website sends is lost."""

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError

from contacts.models import Contact
from crm.public import rate_limited, rate_reached

from .contacts import contacts_visible_to, responsible_for
from .forms import LeadForm
from .models import Deal, LeadRequest, LeadSource, Source
from .services import (
    comment_add,
    contact_link,
    contact_save,
    lead_attach,
    lead_deal_create,
    lead_first_task,
    lead_open_deal,
    timeline_add,
)

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
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# A lead is an object of strings; lists of strings are taken too. Deeper JSON is refused
# before it is parsed: the parser recurses once per level.
MAX_JSON_DEPTH = 8
# The payload key of a body that could not be read as fields: it is kept as text.
BODY_FIELD = "_body"
TOO_MANY = {"non_field": ["Слишком много заявок, повторите через минуту."]}
JSON_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
# The key of a form body that is cut or cannot be parsed: urlencoded or multipart.
FORM_KEY_RE = re.compile(r'(?:^|&)key=([\w%-]+)|name="key"\r?\n\r?\n([^\r\n]+)')
RETRIED = (LeadRequest.Status.LIMITED, LeadRequest.Status.FAILED)
SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass
class Posted:
    """What a website posted, read within the limits: its fields, or its body as text and
    why it could not be read."""

    data: dict
    key: str = ""
    is_form: bool = False
    key_in_form: bool = False
    body: str = ""
    errors: dict | None = None

    def digest(self) -> str:
        fields = {k: v for k, v in self.data.items() if k != "key"}
        text = self.body if self.errors else json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def payload(self) -> dict:
        # PostgreSQL cannot store a NUL character in text or JSON: keep it visible as U+FFFD.
        if self.errors:
            return {BODY_FIELD: self.body}
        return {
            _no_nul(str(k))[:200]: _no_nul(str(v))[:10000]
            for k, v in self.data.items()
            if k != "key"
        }


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


def _no_surrogates(value: str) -> str:
    # JSON may carry a lone surrogate ("\ud800"), which no UTF-8 column can store.
    return SURROGATE_RE.sub("\ufffd", value)


def _refused_read(body: bytes, *, key: str, is_form: bool, message: str) -> Posted:
    # A body cut at the limit may end inside a character: that tail is left out.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(body, final=False)
    # PostgreSQL cannot store a NUL character: it is kept visible as U+FFFD. A replaced
    # byte takes three in UTF-8, so the kept text is cut again to the limit.
    limit = settings.INTAKE_MAX_BODY_KB * 1024
    text = _no_nul(text).encode()[:limit].decode("utf-8", errors="ignore")
    found = FORM_KEY_RE.search(text) if is_form else None
    form_key = next((g for g in found.groups() if g), "") if found else ""
    return Posted(
        {},
        key=key or unquote_plus(form_key),
        is_form=is_form,
        key_in_form=bool(form_key),
        body=text,
        errors={"non_field": [message]},
    )


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets in strings aside)."""
    depth = deepest = 0
    for char in re.sub(r"[^\[\]{}]", "", JSON_STRING_RE.sub("", text)):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_post(request: HttpRequest) -> Posted:
    """The fields of a post to /api/leads/: a JSON object, or a form (urlencoded or
    multipart). A body over INTAKE_MAX_BODY_KB is cut there, and a body that cannot be read
    is kept as text with the reason, to be stored and answered 400."""
    auth = request.headers.get("Authorization", "")
    key = auth[7:].strip() if auth.startswith("Bearer ") else ""
    is_form = request.content_type in FORM_TYPES
    limit = settings.INTAKE_MAX_BODY_KB * 1024
    too_big = (
        f"Заявка больше {settings.INTAKE_MAX_BODY_KB} КБ: сократите сообщение и отправьте ещё раз."
    )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return _refused_read(request.read(limit), key=key, is_form=is_form, message=too_big)
    try:
        body = request.body
    except RequestDataTooBig:
        return _refused_read(b"", key=key, is_form=is_form, message=too_big)

    if is_form:
        try:
            data = {k: request.POST.get(k, "") for k in request.POST}
        except (SuspiciousOperation, MultiPartParserError):
            # Too many fields, or a multipart body without its boundaries.
            return _refused_read(body, key=key, is_form=True, message="Данные формы не читаются.")
        form_key = data.get("key", "")
        return Posted(data, key=key or form_key, is_form=True, key_in_form=bool(form_key))

    def refused(message: str) -> Posted:
        return _refused_read(body, key=key, is_form=False, message=message)

    if json_depth(body.decode("utf-8", errors="replace")) > MAX_JSON_DEPTH:
        return refused("Слишком глубокая вложенность JSON: поля заявки — строки в одном объекте.")
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return refused("Тело запроса — не JSON.")
    if not isinstance(data, dict):
        return refused("Ожидается JSON-объект с полями заявки.")
    data = {
        _no_surrogates(k): _no_surrogates(v) if isinstance(v, str) else json.dumps(v)
        for k, v in data.items()
    }
    return Posted(data, key=key or data.get("key", ""))


def find_source(key: str) -> LeadSource | None:
    if not key:
        return None
    return LeadSource.objects.filter(key=key, active=True).select_related("manager").first()


def lead_receive(
    *,
    source: LeadSource,
    posted: Posted,
    idempotency_key: str = "",
    remote_addr: str | None = None,
    over_ip_limit: bool = False,
) -> IntakeResult:
    """Store the post, then make a deal of it if it is a lead and the limits allow.
    `over_ip_limit`: the sender's address posted more than its limit this minute."""
    key = idempotency_key[:200]
    stored = {
        "payload": posted.payload(),
        "body_hash": posted.digest(),
        "remote_addr": remote_addr,
    }
    if key:
        first = LeadRequest.objects.filter(source=source, idempotency_key=key).first()
        if first is not None:
            return _replay(first, posted=posted, over_ip_limit=over_ip_limit, **stored)
    try:
        with transaction.atomic():
            request = LeadRequest.objects.create(source=source, idempotency_key=key, **stored)
    except IntegrityError:
        # Another request with the same key got there first.
        first = LeadRequest.objects.get(source=source, idempotency_key=key)
        return _replay(first, posted=posted, over_ip_limit=over_ip_limit, **stored)
    return _process(request, posted=posted, over_ip_limit=over_ip_limit)


def lead_retry(*, lead_request: LeadRequest) -> LeadRequest:
    """A lead the limits held back, or whose processing failed, processed now by staff
    with no limits."""
    if _claim(lead_request):
        posted = Posted(lead_request.payload)
        if BODY_FIELD in lead_request.payload:
            posted.errors = lead_request.errors or {"non_field": ["Данные не читаются."]}
        _process(lead_request, posted=posted, limits=False)
    return lead_request


def _claim(request: LeadRequest) -> bool:
    """Take a held-back request for processing; only one of concurrent takers gets it."""
    rows = LeadRequest.objects.filter(pk=request.pk, status__in=RETRIED)
    claimed = rows.update(status=LeadRequest.Status.RECEIVED, errors={}) == 1
    request.refresh_from_db()
    return claimed


def _replay(
    first: LeadRequest,
    *,
    posted: Posted,
    over_ip_limit: bool,
    remote_addr: str | None,
    payload: dict,
    body_hash: str,
) -> IntakeResult:
    """A request with an Idempotency-Key already used: the first one's answer for the same
    fields, 422 for other fields (stored without the key, as every post is)."""
    if first.body_hash and first.body_hash != body_hash:
        errors = {
            "idempotency_key": [
                f"Idempotency-Key «{first.idempotency_key}» уже использован для другой "
                "заявки: для новой заявки нужен новый ключ."
            ]
        }
        request = LeadRequest.objects.create(
            source=first.source,
            payload=payload,
            body_hash=body_hash,
            remote_addr=remote_addr,
            status=LeadRequest.Status.INVALID,
            errors=errors,
        )
        return IntakeResult(status=422, request=request, errors=errors)
    if first.status in RETRIED and _claim(first):
        # Held back by a limit (or failed): the sender retried as asked, take it now.
        return _process(first, posted=posted, over_ip_limit=over_ip_limit)
    status = {
        LeadRequest.Status.CREATED: 200,
        LeadRequest.Status.SPAM: 200,
        LeadRequest.Status.INVALID: 400,
        LeadRequest.Status.LIMITED: 429,
        LeadRequest.Status.RECEIVED: 409,
    }.get(first.status, 409)
    errors = {
        400: first.errors,
        429: TOO_MANY,
        409: {"non_field": ["Заявка с этим Idempotency-Key ещё обрабатывается."]},
    }.get(status)
    return IntakeResult(status=status, request=first, errors=errors)


def _process(
    request: LeadRequest, *, posted: Posted, over_ip_limit: bool = False, limits: bool = True
) -> IntakeResult:
    source = request.source

    def hold_back() -> IntakeResult:
        request.status = LeadRequest.Status.LIMITED
        request.errors = TOO_MANY
        request.save(update_fields=["status", "errors"])
        return IntakeResult(status=429, request=request, errors=TOO_MANY)

    def refuse(status, errors: dict) -> IntakeResult:
        request.status = status
        request.errors = errors
        request.save(update_fields=["status", "errors"])
        over = limits and rate_limited(
            f"intake-refused:{source.pk}", settings.INTAKE_REFUSED_RATE_PER_MINUTE
        )
        if status == LeadRequest.Status.SPAM:
            return IntakeResult(status=201, request=request)
        if over:
            return IntakeResult(status=429, request=request, errors=TOO_MANY)
        return IntakeResult(status=400, request=request, errors=errors)

    if limits and over_ip_limit:
        return hold_back()
    if posted.errors:
        return refuse(LeadRequest.Status.INVALID, posted.errors)
    if (posted.data.get(HONEYPOT_FIELD) or "").strip():
        return refuse(LeadRequest.Status.SPAM, {})

    form = LeadForm(posted.data)
    if not form.is_valid():
        errors = {
            ("non_field" if k == "__all__" else k): [str(m) for m in v]
            for k, v in form.errors.items()
        }
        return refuse(LeadRequest.Status.INVALID, errors)
    accepted = f"intake:{source.pk}"
    if limits and rate_reached(accepted, settings.INTAKE_RATE_PER_MINUTE):
        return hold_back()

    try:
        _lead_to_deal(request=request, source=source, data=form.cleaned_data)
    except Exception as exc:
        request.status = LeadRequest.Status.FAILED
        request.errors = {"non_field": [f"{type(exc).__name__}: {exc}"]}
        request.save(update_fields=["status", "errors"])
        raise
    if limits:
        rate_limited(accepted, settings.INTAKE_RATE_PER_MINUTE)
    return IntakeResult(status=201, request=request)


@transaction.atomic
def _lead_to_deal(*, request: LeadRequest, source: LeadSource, data: dict) -> None:
    phones = [data["phone"]] if data["phone"] else []
    emails = [data["email"]] if data["email"] else []
    name = data["name"].strip() or data["email"] or data["phone"]
    details = [
        f"{label}: {data[field]}"
        for field, label in [
            ("source_page", "Страница"),
            ("utm_source", "utm_source"),
            ("utm_medium", "utm_medium"),
            ("utm_campaign", "utm_campaign"),
        ]
        if data[field]
    ]
    if source.attach_repeat_leads:
        deal = lead_open_deal(phones=phones, emails=emails)
        if deal is not None:
            sender = ", ".join(p for p in [data["name"].strip(), *phones, *emails] if p)
            lines = [f"Повторная заявка с сайта {source.name}: {sender}"]
            if data["message"].strip():
                lines.append(f"Сообщение:\n{data['message'].strip()}")
            lead_attach(deal=deal, lead=request, text="\n".join(lines + details))
            request.deal = deal
            request.status = LeadRequest.Status.ATTACHED
            request.save(update_fields=["deal", "status"])
            return
    title = f"Заявка с сайта {source.name}: {name}"
    deal = lead_deal_create(source=source, title=title[:255], description="\n".join(details))
    _lead_contact(deal=deal, name=name, phones=phones, emails=emails)
    if data["message"].strip():
        comment_add(deal=deal, author=None, text=f"Сообщение с сайта:\n{data['message'].strip()}")
    request.deal = deal
    request.status = LeadRequest.Status.CREATED
    request.save(update_fields=["deal", "status"])


@transaction.atomic
def email_lead_receive(
    *, source: LeadSource, name: str, email: str, subject: str
) -> tuple[Deal, bool]:
    """An e-mail to the sales address from someone with no thread of ours, by the rules of
    website leads: from a known contact with an open deal (and the source adds repeats to
    open deals) it belongs to that deal, which gets a first task if it has no open one;
    otherwise a new deal at the first stage, «источник» E-mail, its manager by the source's
    rule, the sender its contact, and the first task. Returns (deal, created). The letter
    itself goes to the timeline by its caller."""
    emails = [email] if email else []
    if source.attach_repeat_leads:
        deal = lead_open_deal(phones=[], emails=emails)
        if deal is not None:
            if not deal.tasks.filter(done_at__isnull=True).exists():
                lead_first_task(deal=deal, source=source)
            return deal, False
    name = name.strip() or email
    title = f"Письмо: {subject.strip()}" if subject.strip() else f"Письмо от {name}"
    deal = lead_deal_create(source=source, title=title[:255], channel=Source.EMAIL)
    _lead_contact(deal=deal, name=name, phones=[], emails=emails)
    return deal, True


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

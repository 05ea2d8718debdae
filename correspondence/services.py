"""E-mail on the deal: a letter written on the card goes out through the outbox
(crm.mail) with a Message-ID and a reply address the CRM knows; a received message is
stored raw first (incoming_store), then read (incoming_process) into the deal it answers,
a new deal, or the list of ignored and unreadable mail, each with its reason."""

import logging
import re
from email import message_from_bytes, policy
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks

from crm.mail import email_queue, mail_domain, new_message_id
from crm.notifications import Email, notify
from deals.intake import email_lead_receive
from deals.models import Deal, LeadSource
from deals.services import deal_file_add, timeline_add
from documents.sanitize import clean_html

from . import parsing
from .models import DealEmail, DealThread, IncomingMessage, Mailbox

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_REFERENCES = 20
TIMELINE_TEXT_LIMIT = 20000
EMAIL_SOURCE_NAME = "E-mail"


# Addresses


def sales_address(mailbox: Mailbox | None = None) -> str:
    """The address clients write to: the mailbox's, MAIL_SALES_ADDRESS, or the sender of
    every e-mail (DEFAULT_FROM_EMAIL)."""
    address = (mailbox.address if mailbox else "") or settings.MAIL_SALES_ADDRESS
    return (address or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]).strip().lower()


def thread_for(deal: Deal) -> DealThread:
    thread, _ = DealThread.objects.get_or_create(deal=deal)
    return thread


def reply_address(deal: Deal) -> str:
    """sales+d12.<token>@example.ru: a reply to it lands in the deal whatever the client's
    mail program did to the headers. Empty when no sales address is set."""
    if not settings.MAIL_SALES_ADDRESS:
        return ""
    local, _, domain = settings.MAIL_SALES_ADDRESS.strip().lower().rpartition("@")
    return f"{local}+d{deal.pk}.{thread_for(deal).token}@{domain}"


def _deal_by_address(recipients: list[str]) -> Deal | None:
    """The deal of a plus-address among the recipients, if its token is right."""
    for address in recipients:
        local, _, _ = address.rpartition("@")
        found = re.search(r"\+d(\d+)\.([a-z0-9]+)$", local)
        if not found:
            continue
        thread = (
            DealThread.objects.filter(deal_id=int(found[1]), token=found[2])
            .select_related("deal__manager")
            .first()
        )
        if thread is not None:
            return thread.deal
    return None


def _deal_by_thread(parsed: parsing.ParsedMail) -> Deal | None:
    """The deal whose letter this one answers, by In-Reply-To and References."""
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    if not ids:
        return None
    known = (
        DealEmail.objects.filter(message_id__in=ids)
        .select_related("deal__manager")
        .order_by("-at", "-pk")
        .first()
    )
    return known.deal if known else None


# Sending


def display_address(name: str, address: str) -> str:
    """«Иван Петров <ivan@…>» as a person reads it (formataddr would encode the name)."""
    name = " ".join(name.replace('"', "").split())
    return f"{name} <{address}>" if name else address


def signature_html(user) -> str:
    signature = (user.email_signature or "").strip()
    return (
        f'<div class="signature">--<br>{linebreaks(escape(signature))}</div>' if signature else ""
    )


@transaction.atomic
def deal_email_send(
    *, deal: Deal, by, recipients: list[str], subject: str, body_html: str, attachments=()
) -> DealEmail:
    """Write to the deal's contacts: one message to all `recipients` (addresses of the
    deal's contacts), cleaned with nh3, the writer's signature below, the chosen PDFs and
    files attached; threaded under the client's last letter; kept in the deal with its full
    text and sent by the outbox after the commit."""
    allowed = {e.lower() for e in deal.contacts.values_list("emails__email", flat=True) if e}
    recipients = list(dict.fromkeys(r.strip().lower() for r in recipients if r.strip()))
    if not recipients:
        raise ValidationError({"recipients": "Выберите, кому отправить письмо."})
    foreign = [r for r in recipients if r not in allowed]
    if foreign:
        raise ValidationError(
            {"recipients": f"Адреса нет среди контактов сделки: {', '.join(foreign)}."}
        )
    body = clean_html(body_html)
    if not parsing.html_to_text(body):
        raise ValidationError({"body": "Напишите текст письма."})
    files = [(a.filename(), a.content(), a.content_type()) for a in attachments]
    total = sum(len(content) for _, content, _ in files)
    if total > settings.MAIL_MAX_SEND_MB * MB:
        raise ValidationError(
            {
                "attachments": f"Вложения вместе — {total / MB:.1f} МБ, больше "
                f"{settings.MAIL_MAX_SEND_MB} МБ: почтовые серверы клиентов такие письма не "
                "принимают. Отправьте часть вложений отдельным письмом."
            }
        )
    html = body + signature_html(by)
    text = parsing.html_to_text(html)
    last = (
        DealEmail.objects.filter(deal=deal, direction=DealEmail.Direction.IN)
        .order_by("-at", "-pk")
        .first()
    )
    references = (last.references.split() + [last.message_id])[-MAX_REFERENCES:] if last else []
    sender = sales_address()
    name = by.get_full_name() or by.get_username()
    email = DealEmail.objects.create(
        deal=deal,
        direction=DealEmail.Direction.OUT,
        author=by,
        from_address=display_address(name, sender),
        to=", ".join(recipients),
        subject=subject.strip()[:500],
        body_html=html,
        body_text=text,
        message_id=new_message_id(),
        in_reply_to=last.message_id if last else "",
        references=" ".join(references),
        attachments=[{"name": n, "size": len(c), "kept": True, "note": ""} for n, c, _ in files],
    )
    headers = {"From": formataddr((name, sender))}
    if last:
        headers.update({"In-Reply-To": last.message_id, "References": " ".join(references)})
    email_queue(
        event_key=f"deal_email:{email.pk}",
        to=recipients[0],
        also_to=recipients[1:],
        template="deal_email",
        context={"subject": email.subject, "body_html": html, "body_text": text},
        attachments=files,
        reply_to=reply_address(deal),
        headers=headers,
        message_id=email.message_id,
    )
    timeline_add(
        deal=deal,
        kind="email.sent",
        text=_timeline_text(f"Письмо «{email.subject}» → {email.to}", text, email.attachments),
        actor=by,
        url=email_url(email),
    )
    return email


def email_url(email: DealEmail) -> str:
    return reverse("mail:detail", args=[email.deal_id, email.pk])


def _timeline_text(head: str, text: str, attachments: list[dict]) -> str:
    lines = [head, "", text.strip()]
    if attachments:
        lines += ["", "Вложения:"]
        for a in attachments:
            note = f" — {a['note']}" if a.get("note") else ""
            lines.append(f"• {a['name']} ({_size(a['size'])}){note}")
    return "\n".join(lines).strip()[:TIMELINE_TEXT_LIMIT]


def _size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} МБ"
    return f"{max(1, round(size / 1024))} КБ"


# Receiving


def incoming_store(*, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, size=None):
    """Keep a message taken from the mailbox, raw, before anything is made of it, and move
    the mailbox's mark past it, in one transaction. Returns (message, created): a UID taken
    before is not stored twice."""
    headers = _headers_only(raw)
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = IncomingMessage.objects.create(
                    mailbox=mailbox,
                    uidvalidity=uidvalidity,
                    uid=uid,
                    raw=raw,
                    size=size if size is not None else len(raw),
                    message_id=headers["message_id"][:255],
                    from_address=headers["from"][:320],
                    subject=headers["subject"][:500],
                )
            created = True
        except IntegrityError:
            message = IncomingMessage.objects.get(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)
            created = False
        Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid)
    return message, created


def _headers_only(raw: bytes) -> dict:
    try:
        msg = message_from_bytes(raw.split(b"\r\n\r\n", 1)[0], policy=policy.default)
        ids = parsing.MSGID_RE.findall(str(msg.get("Message-ID") or ""))
        return {
            "message_id": ids[0] if ids else "",
            "from": " ".join(str(msg.get("From") or "").split()),
            "subject": " ".join(str(msg.get("Subject") or "").split()),
        }
    except Exception:
        return {"message_id": "", "from": "", "subject": ""}


def incoming_refuse(*, message: IncomingMessage, reason: str) -> None:
    """A message that will not be read (too big to take): kept with the reason."""
    IncomingMessage.objects.filter(pk=message.pk, status=IncomingMessage.Status.RECEIVED).update(
        status=IncomingMessage.Status.FAILED, reason=reason, processed_at=timezone.now()
    )


def incoming_process(*, message_id: int) -> IncomingMessage:
    """Read a stored message once: into the deal it answers, a new deal, or ignored or
    unreadable with the reason. Safe to run twice; an error in our own code leaves the
    message marked failed with the error, to be processed again from the admin."""
    try:
        with transaction.atomic():
            message = (
                IncomingMessage.objects.select_for_update()
                .select_related("mailbox")
                .get(pk=message_id)
            )
            if message.status != IncomingMessage.Status.RECEIVED:
                return message
            status, reason, deal = _read(message)
            message.status, message.reason, message.deal = status, reason, deal
            message.processed_at = timezone.now()
            message.save(update_fields=["status", "reason", "deal", "processed_at"])
            return message
    except Exception as exc:
        logger.exception("incoming message %s not processed", message_id)
        IncomingMessage.objects.filter(
            pk=message_id, status=IncomingMessage.Status.RECEIVED
        ).update(
            status=IncomingMessage.Status.FAILED,
            reason=f"Сбой обработки: {type(exc).__name__}: {exc}"[:2000],
            processed_at=timezone.now(),
        )
        return IncomingMessage.objects.get(pk=message_id)


def incoming_retry(*, messages) -> int:
    """Failed messages read again (from the admin). Returns how many were taken. One too
    big to take is not among them: only its headers are here."""
    failed = messages.filter(status=IncomingMessage.Status.FAILED).exclude(
        size__gt=settings.MAIL_MAX_MESSAGE_MB * MB
    )
    ids = list(failed.values_list("pk", flat=True))
    IncomingMessage.objects.filter(pk__in=ids).update(
        status=IncomingMessage.Status.RECEIVED, reason="", processed_at=None
    )
    for pk in ids:
        incoming_process(message_id=pk)
    return len(ids)


def _read(message: IncomingMessage):
    Status = IncomingMessage.Status
    try:
        parsed = parsing.parse(bytes(message.raw))
    except parsing.Unreadable as exc:
        return Status.FAILED, str(exc), None
    if not parsed.from_address or "@" not in parsed.from_address:
        return Status.FAILED, "Нет адреса отправителя (From).", None
    if parsed.message_id:
        if DealEmail.objects.filter(message_id=parsed.message_id).exists():
            return Status.IGNORED, f"Уже получено: Message-ID {parsed.message_id}.", None
        if parsed.message_id.rstrip(">").endswith("@" + mail_domain()):
            return Status.IGNORED, "Наше собственное письмо (Message-ID нашего домена).", None
    ours = {sales_address(message.mailbox), sales_address()}
    ours |= {
        a.lower() for a in Mailbox.objects.exclude(address="").values_list("address", flat=True)
    }
    if parsed.from_address in ours or _is_plus_of(parsed.from_address, ours):
        return Status.IGNORED, f"Письмо с нашего адреса {parsed.from_address} (петля).", None
    if parsed.robot_reason:
        return Status.IGNORED, parsed.robot_reason, None

    deal = _deal_by_address(parsed.to) or _deal_by_thread(parsed)
    colleague = (
        get_user_model().objects.filter(email__iexact=parsed.from_address).exclude(email="").first()
    )
    warning = ""
    if colleague is not None:
        if deal is None:
            return (
                Status.IGNORED,
                f"Отправитель — адрес сотрудника ({colleague}), письмо пришло извне: адрес "
                "мог быть подделан, сделка из него не создаётся.",
                None,
            )
        warning = (
            f"Адрес отправителя — адрес сотрудника ({colleague}), но письмо пришло извне: "
            "отправитель не подтверждён, адрес мог быть подделан."
        )
    status = Status.ATTACHED
    if deal is None:
        deal, created = email_lead_receive(
            source=_lead_source(message.mailbox),
            name=parsed.from_name,
            email=parsed.from_address,
            subject=parsed.subject,
        )
        status = Status.CREATED if created else Status.ATTACHED
    email = _deal_email_add(deal=deal, message=message, parsed=parsed, warning=warning)
    if status == Status.CREATED:
        # lead_deal_create has told the manager of the new deal already.
        return status, f"Новая сделка №{deal.pk}.", deal
    _tell_manager(deal=deal, email=email)
    return status, f"В сделку №{deal.pk}.", deal


def _is_plus_of(address: str, ours: set[str]) -> bool:
    local, _, domain = address.rpartition("@")
    return f"{local.split('+')[0]}@{domain}" in ours


def _lead_source(mailbox: Mailbox) -> LeadSource:
    """The mailbox's rules for new deals, or the «E-mail» source: in turn among the active
    managers, its key taking no website posts."""
    if mailbox.lead_source_id:
        return mailbox.lead_source
    source = LeadSource.objects.filter(name=EMAIL_SOURCE_NAME).order_by("pk").first()
    if source is not None:
        return source
    User = get_user_model()
    owner = (
        User.objects.filter(is_active=True)
        .filter(Q(role=User.Role.HEAD) | Q(is_superuser=True) | Q(role=User.Role.MANAGER))
        .order_by("-is_superuser", "pk")
        .first()
    )
    return LeadSource.objects.create(
        name=EMAIL_SOURCE_NAME,
        manager=owner,
        routing=LeadSource.Routing.ROUND_ROBIN,
        active=False,
    )


def _deal_email_add(*, deal, message, parsed: parsing.ParsedMail, warning: str) -> DealEmail:
    sender = display_address(parsed.from_name, parsed.from_address)
    origin = f"вложение письма от {parsed.from_address}"[:300]
    attachments = [_keep_attachment(deal, a, origin=origin) for a in parsed.attachments]
    body_html = parsed.html or (linebreaks(escape(parsed.text)) if parsed.text else "")
    email = DealEmail.objects.create(
        deal=deal,
        direction=DealEmail.Direction.IN,
        from_address=sender[:320],
        to=", ".join(parsed.to)[:5000],
        subject=parsed.subject,
        body_html=body_html,
        body_text=parsed.text,
        message_id=parsed.message_id or f"<incoming-{message.pk}@{mail_domain()}>",
        in_reply_to=parsed.in_reply_to[:255],
        references=" ".join(parsed.references[-MAX_REFERENCES:]),
        attachments=attachments,
        warning=warning[:500],
        incoming=message,
        at=timezone.now(),
    )
    head = f"Письмо от {sender}: «{parsed.subject or 'без темы'}»"
    text = parsed.text or "(текста нет)"
    if warning:
        text = f"⚠ {warning}\n\n{text}"
    timeline_add(
        deal=deal,
        kind="email.received",
        text=_timeline_text(head, text, attachments),
        url=email_url(email),
    )
    return email


def _keep_attachment(deal, attachment: parsing.Attachment, *, origin: str) -> dict:
    """The attachment among the deal's files, by their rules (size, types); one refused is
    named with the reason and the letter is kept all the same."""
    row = {"name": attachment.name, "size": attachment.size, "kept": False, "note": ""}
    try:
        with transaction.atomic():
            stored = deal_file_add(
                deal=deal,
                name=attachment.name,
                content=attachment.content,
                content_type=attachment.content_type,
                origin=origin,
            )
    except ValidationError as exc:
        row["note"] = "не сохранено: " + " ".join(exc.messages)
        return row
    row.update(kept=True, file_id=stored.pk)
    return row


def _tell_manager(*, deal: Deal, email: DealEmail) -> None:
    notify(
        user=deal.manager,
        event="mail.received",
        text=f"Письмо от {email.from_address} · сделка {deal}",
        url=email_url(email),
        dedupe_key=f"mail_received:{email.pk}",
        email=Email("mail_received", {"deal": deal, "letter": email, "url": email_url(email)}),
    )

"""Workflows on deals. Later apps write into a deal only through the functions here."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact, ContactEmail, ContactPhone
from crm.formats import money
from crm.mail import email_queue

from .clients.access import may_see_personal_data
from .models import Comment, Deal, DealEvent, LossReason, Source, Stage, StageChange, Task


def timeline_add(
    *, deal: Deal, kind: str, text: str, actor=None, url: str = "", at=None
) -> DealEvent:
    """Add one event to the deal's timeline. `kind` is a short code ("comment", "stage",
    "questionnaire.opened", …); `text` is plain text, escaped when shown."""
    return DealEvent.objects.create(
        deal=deal, kind=kind, text=text, actor=actor, url=url, at=at or timezone.now()
    )


@transaction.atomic
def deal_create(
    *,
    title: str,
    manager,
    by,
    source: str = Source.PHONE,
    budget: Decimal = Decimal("0"),
    description: str = "",
    stage: Stage | None = None,
    client=None,
    lead_source=None,
    at=None,
) -> Deal:
    at = at or timezone.now()
    stage = stage or Stage.first_open()
    entrusted = client is not None and by is not None and may_see_personal_data(by, client)
    deal = Deal.objects.create(
        title=title,
        manager=manager,
        source=source,
        budget=budget or Decimal("0"),
        description=description,
        stage=stage,
        client=client,
        client_entrusted=entrusted,
        lead_source=lead_source,
        created_at=at,
        stage_changed_at=at,
        closed_at=None if stage.is_open else at,
    )
    StageChange.objects.create(deal=deal, from_stage=None, to_stage=stage, by=by, at=at)
    timeline_add(
        deal=deal,
        kind="created",
        text=f"Сделка создана на этапе «{stage}», источник: {deal.get_source_display()}",
        actor=by,
        at=at,
    )
    return deal


@transaction.atomic
def deal_move(
    *,
    deal: Deal,
    stage: Stage,
    by,
    loss_reason: LossReason | None = None,
    comment: str = "",
    reason: str = "",
    at=None,
) -> Deal:
    """Move a deal to a stage. Losing needs a reason and a comment; moving a closed deal
    back to an open stage reopens it. `reason` (the event that moved it) ends the timeline
    line. Raises ValidationError with Russian messages."""
    deal = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if stage.pk == deal.stage_id:
        return deal
    errors = {}
    if stage.is_lost:
        if loss_reason is None:
            errors["loss_reason"] = "Укажите причину отказа."
        if not comment.strip():
            errors["comment"] = "Опишите, почему сделка проиграна."
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    previous = deal.stage
    reopened = not previous.is_open and stage.is_open
    deal.stage = stage
    deal.stage_changed_at = at
    deal.loss_reason = loss_reason if stage.is_lost else None
    deal.closed_at = None if stage.is_open else at
    deal.save(update_fields=["stage", "stage_changed_at", "loss_reason", "closed_at", "updated_at"])
    StageChange.objects.create(
        deal=deal,
        from_stage=previous,
        to_stage=stage,
        loss_reason=deal.loss_reason,
        by=by,
        at=at,
    )
    if reopened:
        text = f"Сделка открыта заново: «{previous}» → «{stage}»"
    elif stage.is_lost:
        text = f"Сделка проиграна на этапе «{previous}». Причина: {loss_reason}"
    elif stage.is_won:
        text = f"Сделка успешно закрыта: «{previous}» → «{stage}»"
    else:
        text = f"Этап: «{previous}» → «{stage}»"
    if reason:
        text += f": {reason}"
    timeline_add(deal=deal, kind="stage", text=text, actor=by, at=at)
    if comment.strip():
        comment_add(deal=deal, author=by, text=comment.strip(), at=at)
    return deal


@transaction.atomic
def deal_advance(*, deal: Deal, to_stage: Stage | None, by=None, reason: str = "") -> Deal:
    """Move the deal on because of a business event (an invoice paid, a contract accepted).
    It moves only forward and only an open deal, never to a lost stage (that needs a
    person's reason); otherwise nothing happens. `reason` is written in the timeline."""
    deal = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if to_stage is None or to_stage.is_lost or not deal.stage.is_open:
        return deal
    if (to_stage.order, to_stage.pk) <= (deal.stage.order, deal.stage.pk):
        return deal
    return deal_move(deal=deal, stage=to_stage, by=by, reason=reason)


@transaction.atomic
def deal_set_budget(*, deal: Deal, amount: Decimal, by=None, reason: str = "") -> Deal:
    """Write a new budget and record it in the timeline («Бюджет: 1,00 → 2,00 ₽, по …»)."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    old = deal.budget
    if old == amount:
        return deal
    deal.budget = amount
    deal.save(update_fields=["budget", "updated_at"])
    text = f"Бюджет: {money(old)} → {money(amount)} ₽"
    if reason:
        text += f", {reason}"
    timeline_add(deal=deal, kind="budget", text=text, actor=by)
    return deal


@transaction.atomic
def deal_update(
    *, deal: Deal, by, title: str, source: str, manager, budget: Decimal, description: str
) -> Deal:
    """Save what the deal form edits. A changed budget is written by deal_set_budget, so the
    timeline says «Бюджет: … ₽, вручную»; a new manager by deal_reassign; the other fields
    leave no timeline entry. Who may change the manager is deals.roles' business."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    deal.title = title
    deal.source = source
    deal.description = description
    deal.save(update_fields=["title", "source", "description", "updated_at"])
    deal = deal_reassign(deal=deal, manager=manager, by=by)
    return deal_set_budget(deal=deal, amount=budget, by=by, reason="вручную")


@transaction.atomic
def deal_reassign(*, deal: Deal, manager, by) -> Deal:
    """Make `manager` responsible for the deal, write who did it in the timeline and tell
    the new and the previous manager by e-mail. Nothing happens if they are the same."""
    deal = Deal.objects.select_for_update().select_related("manager").get(pk=deal.pk)
    previous = deal.manager
    if previous.pk == manager.pk:
        return deal
    deal.manager = manager
    deal.save(update_fields=["manager", "updated_at"])
    event = timeline_add(
        deal=deal, kind="manager", text=f"Ответственный: {previous} → {manager}", actor=by
    )
    deal_reassigned_email(deal=deal, previous=previous, by=by, event=event)
    return deal


def deal_reassigned_email(*, deal: Deal, previous, by, event: DealEvent) -> None:
    """E-mail the deal's new manager and the previous one; not the person who made the
    change, who knows already."""
    for recipient, gained in ((deal.manager, True), (previous, False)):
        if by is not None and recipient.pk == by.pk:
            continue
        email_queue(
            event_key=f"reassigned:{event.pk}",
            to=recipient.email,
            template="deal_reassigned",
            context={
                "deal": deal,
                "manager": recipient,
                "gained": gained,
                "previous": previous,
                "new_manager": deal.manager,
                "by": by,
                "deal_url": deal.get_absolute_url(),
            },
        )


@transaction.atomic
def task_create(*, deal: Deal, author, assignee, kind: str, text: str, due_at) -> Task:
    task = Task.objects.create(
        deal=deal, author=author, assignee=assignee, kind=kind, text=text, due_at=due_at
    )
    local_due = timezone.localtime(due_at)
    timeline_add(
        deal=deal,
        kind="task",
        text=f"Задача для {assignee} ({task.get_kind_display().lower()}, "
        f"до {local_due:%d.%m.%Y %H:%M}): {text}",
        actor=author,
    )
    return task


@transaction.atomic
def task_complete(*, task: Task, by, result: str) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        return task
    task.done_at = timezone.now()
    task.result = result
    task.save(update_fields=["done_at", "result"])
    timeline_add(
        deal=task.deal,
        kind="task_done",
        text=f"Задача выполнена: {task.text}. Результат: {result}",
        actor=by,
    )
    return task


@transaction.atomic
def comment_add(*, deal: Deal, author, text: str, at=None) -> Comment:
    at = at or timezone.now()
    comment = Comment.objects.create(deal=deal, author=author, text=text, created_at=at)
    timeline_add(deal=deal, kind="comment", text=text, actor=author, at=at)
    return comment


def _contact_fill(contact: Contact, *, phones: list[str], emails: list[str]) -> None:
    have_phones = set(contact.phones.values_list("number", flat=True))
    ContactPhone.objects.bulk_create(
        [ContactPhone(contact=contact, number=p) for p in phones if p not in have_phones]
    )
    ContactPhone.objects.filter(contact=contact).exclude(number__in=phones).delete()
    lowered = [e.lower() for e in emails]
    have_emails = set(contact.emails.values_list("email", flat=True))
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=contact, email=e) for e in lowered if e not in have_emails]
    )
    ContactEmail.objects.filter(contact=contact).exclude(email__in=lowered).delete()


def _contact_state(contact: Contact) -> dict:
    """What an edit of a contact is reported on, read from the database."""
    return {
        "name": contact.name,
        "position": contact.position,
        "phones": [p.display for p in contact.phones.all()],
        "emails": [e.email for e in contact.emails.all()],
        "messengers": contact.messengers,
        "note": contact.note,
    }


CONTACT_FIELDS = [
    ("name", "имя"),
    ("position", "должность"),
    ("phones", "телефоны"),
    ("emails", "e-mail"),
    ("messengers", "мессенджеры"),
]


def _contact_changes(old: dict, new: dict) -> list[str]:
    """«имя: Иван → Иван Петров», one line per changed field; the note is only said to have
    changed (it can be long)."""
    lines = []
    for field, label in CONTACT_FIELDS:
        before, after = old[field], new[field]
        if isinstance(before, list):
            if set(before) == set(after):
                continue
            before, after = ", ".join(before), ", ".join(after)
        elif before == after:
            continue
        lines.append(f"{label}: {before or '—'} → {after or '—'}")
    if old["note"] != new["note"]:
        lines.append("заметка изменена")
    return lines


@transaction.atomic
def contact_save(
    *, contact: Contact, phones: list[str], emails: list[str], deal: Deal | None = None, by=None
) -> Contact:
    """Save a contact with its phones (E.164) and e-mails; link it to the deal if given.
    An edit is written in the timeline of every deal the contact serves (they all show and
    mail it), whoever made it and through whichever deal."""
    is_new = contact.pk is None
    if is_new:
        contact.created_by = by
        old = None
    else:
        old = _contact_state(Contact.objects.select_for_update().get(pk=contact.pk))
    contact.save()
    _contact_fill(contact, phones=phones, emails=emails)
    if deal is not None and is_new:
        contact_link(deal=deal, contact=contact, by=by)
    if old is not None:
        changes = _contact_changes(old, _contact_state(contact))
        if changes:
            text = f"Контактное лицо «{contact.name}» изменено: " + "; ".join(changes)
            for served in Deal.objects.filter(contacts=contact).order_by("pk"):
                timeline_add(deal=served, kind="contact", text=text, actor=by)
    return contact


@transaction.atomic
def contact_link(*, deal: Deal, contact: Contact, by=None, at=None) -> None:
    if deal.contacts.filter(pk=contact.pk).exists():
        return
    deal.contacts.add(contact)
    label = contact.name + (f", {contact.position}" if contact.position else "")
    timeline_add(
        deal=deal, kind="contact", text=f"Добавлено контактное лицо: {label}", actor=by, at=at
    )


@transaction.atomic
def contact_unlink(*, deal: Deal, contact: Contact, by=None) -> None:
    deal.contacts.remove(contact)
    timeline_add(
        deal=deal, kind="contact", text=f"Контактное лицо убрано: {contact.name}", actor=by
    )

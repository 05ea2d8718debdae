"""Workflows on deals. Later apps write into a deal only through the functions here.

Every service is atomic. Those that raise nothing a caller could recover from (creating a
deal, a comment, a contact, taking a lead) join the caller's transaction without a savepoint
of their own (`atomic(savepoint=False)`): a failure there rolls back the whole of it."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact, ContactEmail, ContactPhone
from crm.formats import money

from . import events, history, schedule
from .clients.access import may_see_personal_data
from .models import (
    Comment,
    Deal,
    DealEvent,
    LeadRequest,
    LeadSource,
    LossReason,
    Source,
    Stage,
    StageChange,
    Task,
)


def timeline_add(
    *, deal: Deal, kind: str, text: str, actor=None, url: str = "", at=None, comment=None
) -> DealEvent:
    """Add one event to the deal's timeline. `kind` is a short code ("comment", "stage",
    "questionnaire.opened", …); `text` is plain text, escaped when shown."""
    return DealEvent.objects.create(
        deal=deal,
        kind=kind,
        text=text,
        actor=actor,
        url=url,
        at=at or timezone.now(),
        comment=comment,
    )


@transaction.atomic(savepoint=False)
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
        # The first move of the history (deals.history): nothing before it, nothing after.
        furthest_stage=stage if stage.is_open else None,
        was_won=stage.is_won,
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
    history.history_refresh(deal_model=Deal, change_model=StageChange, deal_ids=[deal.pk])
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
    if not stage.is_open:
        _tasks_close_with_deal(deal=deal, by=by, at=at)
    return deal


def _tasks_close_with_deal(*, deal: Deal, by, at) -> None:
    """A won or lost deal needs no more calls: its open tasks are closed, so nobody is shown
    an overdue task of a closed deal."""
    tasks = list(Task.objects.select_for_update().filter(deal=deal, done_at__isnull=True))
    if not tasks:
        return
    result = (
        "Сделка проиграна, задача закрыта без выполнения."
        if deal.stage.is_lost
        else "Сделка успешно закрыта, задача больше не нужна."
    )
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(done_at=at, result=result)
    listed = "; ".join(t.text for t in tasks)
    timeline_add(
        deal=deal,
        kind="task_done",
        text=f"Открытые задачи закрыты вместе со сделкой ({len(tasks)}): {listed}",
        actor=by,
        at=at,
    )


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
    events.deal_handed_over(deal=deal, old_manager=previous, by=by, event=event)
    return deal


def _due(at: datetime) -> str:
    return f"{timezone.localtime(at):%d.%m.%Y %H:%M}"


def _task_add(*, deal: Deal, author, assignee, kind: str, text: str, due_at) -> Task:
    task = Task.objects.create(
        deal=deal, author=author, assignee=assignee, kind=kind, text=text, due_at=due_at
    )
    timeline_add(
        deal=deal,
        kind="task",
        text=f"Задача для {events.person_genitive(assignee)} "
        f"({task.get_kind_display().lower()}, до {_due(due_at)}): {text}",
        actor=author,
    )
    return task


@transaction.atomic
def task_create(*, deal: Deal, author, assignee, kind: str, text: str, due_at) -> Task:
    task = _task_add(
        deal=deal, author=author, assignee=assignee, kind=kind, text=text, due_at=due_at
    )
    events.task_assigned(task=task, by=author)
    return task


@transaction.atomic
def task_update(*, task: Task, by, text: str, kind: str, assignee, due_at) -> Task:
    """Edit an open task: its text, type, assignee or due. The timeline says what changed
    («перенесена с … на …», «была для Анны, теперь для Бориса»); a new assignee is told.
    Raises ValidationError for a task already done."""
    task = Task.objects.select_for_update().select_related("deal", "assignee").get(pk=task.pk)
    if task.done_at is not None:
        raise ValidationError("Задача уже выполнена, её нельзя изменить.")
    changes = []
    if text != task.text:
        changes.append(f"текст был: «{task.text}»")
    if kind != task.kind:
        old_kind = task.get_kind_display().lower()
        changes.append(f"тип: {old_kind} → {Task.Kind(kind).label.lower()}")
    if due_at != task.due_at:
        changes.append(f"перенесена с {_due(task.due_at)} на {_due(due_at)}")
    reassigned = assignee.pk != task.assignee_id
    if reassigned:
        changes.append(
            f"передана: была для {events.person_genitive(task.assignee)}, "
            f"теперь для {events.person_genitive(assignee)}"
        )
    if not changes:
        return task
    task.text, task.kind, task.assignee, task.due_at = text, kind, assignee, due_at
    task.save(update_fields=["text", "kind", "assignee", "due_at"])
    timeline_add(
        deal=task.deal,
        kind="task_changed",
        text=f"Задача «{text}»: " + "; ".join(changes),
        actor=by,
    )
    if reassigned:
        events.task_assigned(task=task, by=by)
    return task


@transaction.atomic
def task_complete(
    *,
    task: Task,
    by,
    result: str,
    next_text: str = "",
    next_due=None,
    next_kind: str = Task.Kind.CALL,
) -> Task:
    """Mark the task done with its result and, when `next_text` is given, set the next task
    of the same deal for the same assignee, due `next_due`. A task already done is left as
    it is (a second click sets no second next task)."""
    if next_text.strip() and next_due is None:
        raise ValidationError({"next_due": "Укажите срок следующей задачи."})
    task = Task.objects.select_for_update().select_related("deal", "assignee").get(pk=task.pk)
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
    if next_text.strip():
        task_create(
            deal=task.deal,
            author=by,
            assignee=task.assignee,
            kind=next_kind,
            text=next_text.strip(),
            due_at=next_due,
        )
    return task


# Leads from websites and other automatic sources

FIRST_TASK_TEXT = "Связаться с клиентом"


@transaction.atomic
def lead_route(*, source: LeadSource):
    """Who gets the source's next lead. A fixed manager while they are active; otherwise the
    next active manager of the source's queue (all active managers when it is empty), in
    turn. The source row stays locked to the end of the caller's transaction, so two leads
    at once never go to the same turn. Nobody active: the source's manager."""
    source = LeadSource.objects.select_for_update().select_related("manager").get(pk=source.pk)
    if source.routing == LeadSource.Routing.FIXED and source.manager.is_active:
        return source.manager
    User = get_user_model()
    if source.pool.exists():
        people = source.pool.filter(is_active=True)
    else:
        people = User.objects.filter(is_active=True, role=User.Role.MANAGER)
    ids = list(people.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return source.manager
    later = [pk for pk in ids if pk > (source.last_assigned_id or 0)]
    chosen = later[0] if later else ids[0]
    LeadSource.objects.filter(pk=source.pk).update(last_assigned=chosen)
    return User.objects.get(pk=chosen)


def lead_first_task(*, deal: Deal, source: LeadSource, at=None) -> Task:
    """«Связаться с клиентом» for the deal's manager, due within the source's minutes of
    working time."""
    due = schedule.add_work_minutes(
        at or schedule.now(), source.first_task_minutes, source.work_time()
    )
    return _task_add(
        deal=deal,
        author=None,
        assignee=deal.manager,
        kind=Task.Kind.CALL,
        text=FIRST_TASK_TEXT,
        due_at=due,
    )


@transaction.atomic(savepoint=False)
def lead_deal_create(*, source: LeadSource, title: str, description: str = "") -> Deal:
    """A deal for a new lead: its manager by the source's rule, the first task, and the
    manager told."""
    manager = lead_route(source=source)
    deal = deal_create(
        title=title,
        manager=manager,
        by=None,
        source=Source.WEBSITE,
        description=description,
        lead_source=source,
    )
    timeline_add(
        deal=deal,
        kind="lead",
        text=f"Заявка передана: {manager} ({source.get_routing_display().lower()})",
    )
    task = lead_first_task(deal=deal, source=source)
    events.lead_assigned(deal=deal, task=task)
    return deal


def lead_open_deal(*, phones: list[str], emails: list[str]) -> Deal | None:
    """The newest open deal of a contact with one of these phones or e-mails."""
    if not phones and not emails:
        return None
    contacts = Contact.objects.matching(phones=phones, emails=emails)
    return (
        Deal.objects.open()
        .filter(contacts__in=contacts)
        .select_related("manager", "lead_source")
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic(savepoint=False)
def lead_attach(*, deal: Deal, lead: LeadRequest, text: str) -> Deal:
    """A repeat lead of a client with an open deal: a comment in that deal, a first task
    when the deal has no open one, and its manager told."""
    comment_add(deal=deal, author=None, text=text)
    task = None
    if not deal.tasks.filter(done_at__isnull=True).exists():
        task = lead_first_task(deal=deal, source=lead.source)
    events.lead_repeated(deal=deal, lead=lead, task=task)
    return deal


@transaction.atomic(savepoint=False)
def comment_add(*, deal: Deal, author, text: str, at=None) -> Comment:
    at = at or timezone.now()
    comment = Comment.objects.create(deal=deal, author=author, text=text, created_at=at)
    timeline_add(deal=deal, kind="comment", text=text, actor=author, at=at, comment=comment)
    return comment


COMMENT_WINDOW_CLOSED = (
    "Комментарий может изменить или удалить только его автор, и только в первые "
    "{minutes} мин. после того, как написал его."
)


def _comment_for_change(comment: Comment, by) -> Comment:
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if not locked.may_change(by):
        raise PermissionDenied(COMMENT_WINDOW_CLOSED.format(minutes=settings.COMMENT_EDIT_MINUTES))
    return locked


@transaction.atomic
def comment_edit(*, comment: Comment, by, text: str) -> Comment:
    """The author corrects their comment while Comment.may_change allows; the timeline shows
    the new text marked «изменён»."""
    comment = _comment_for_change(comment, by)
    if text == comment.text:
        return comment
    comment.text = text
    comment.edited_at = timezone.now()
    comment.save(update_fields=["text", "edited_at"])
    DealEvent.objects.filter(comment=comment).update(text=text)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by) -> Comment:
    """The author takes their comment back while Comment.may_change allows. Its words are
    gone; the timeline keeps a trace «Комментарий удалён» with who and when."""
    comment = _comment_for_change(comment, by)
    comment.text = ""
    comment.deleted_at = timezone.now()
    comment.deleted_by = by
    comment.save(update_fields=["text", "deleted_at", "deleted_by"])
    DealEvent.objects.filter(comment=comment).update(text="Комментарий удалён")
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


@transaction.atomic(savepoint=False)
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


@transaction.atomic(savepoint=False)
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

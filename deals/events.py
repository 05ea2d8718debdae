"""Telling people what happened to their deals and tasks. Every such event goes through one
function here and on to crm.notifications.notify(): a line in the person's notification
centre and, as they chose for the event, an e-mail. Callers are the services, inside their
transaction: the e-mail is stored with the change and sent after the commit. Nobody is told
about what they did themselves."""

import time

from django.conf import settings

from contacts.names import name_genitive
from crm.notifications import Email, notify
from crm.webhooks import emit

from .models import Deal, LeadRequest, Task


def person_genitive(user) -> str:
    """«Игоря Кузнецова» for a user named Игорь Кузнецов; the login where there is no name."""
    if user is None:
        return ""
    return name_genitive(user.first_name, user.last_name) or user.get_username()


def _tell(
    *, user, event: str, text: str, url: str, event_key: str, template: str, context: dict
) -> None:
    notify(
        user=user,
        event=event,
        text=text,
        url=url,
        dedupe_key=event_key,
        email=Email(template, context),
    )


def _moment() -> int:
    # The same person may be given the same task twice (handed back): each time is news.
    return time.time_ns()


def lead_assigned(*, deal: Deal, task: Task | None = None) -> None:
    """A new lead became the manager's deal, with its first task."""
    _tell(
        user=deal.manager,
        event="lead.assigned",
        text=deal.title,
        url=deal.get_absolute_url(),
        event_key=f"lead_assigned:{deal.pk}",
        template="lead_assigned",
        context={"deal": deal, "task": task, "manager": deal.manager, "source": deal.lead_source},
    )


def lead_repeated(*, deal: Deal, lead: LeadRequest, task: Task | None = None) -> None:
    """A lead came again from a client who already has this open deal."""
    _tell(
        user=deal.manager,
        event="lead.assigned",
        text=f"Повторная заявка по сделке {deal}",
        url=deal.get_absolute_url(),
        event_key=f"lead_repeated:{deal.pk}:{lead.pk}",
        template="lead_repeated",
        context={"deal": deal, "lead": lead, "task": task, "manager": deal.manager},
    )


def task_assigned(*, task: Task, by) -> None:
    """Someone set a task for another person, or handed a task over to them."""
    if by is not None and by.pk == task.assignee_id:
        return
    source = f"Задача от {person_genitive(by)}" if by is not None else "Новая задача"
    _tell(
        user=task.assignee,
        event="task.assigned",
        text=f"{source}: {task.text} · сделка {task.deal}",
        url=task.deal.get_absolute_url(),
        event_key=f"task_assigned:{task.pk}:{task.assignee_id}:{_moment()}",
        template="task_assigned",
        context={
            "task": task,
            "deal": task.deal,
            "assignee": task.assignee,
            "by": by,
            "by_genitive": person_genitive(by),
        },
    )


def deal_handed_over(*, deal: Deal, old_manager, by, event) -> None:
    """The deal got a new responsible manager: the new and the previous one are told, not
    the person who made the change, who knows already. `event` is the timeline entry."""
    for recipient, gained in ((deal.manager, True), (old_manager, False)):
        if by is not None and recipient.pk == by.pk:
            continue
        _tell(
            user=recipient,
            event="deal.handed_over",
            text=(
                f"Вам передали сделку {deal}"
                if gained
                else f"Сделку {deal} теперь ведёт {deal.manager}"
            ),
            url=deal.get_absolute_url(),
            event_key=f"reassigned:{event.pk}:{recipient.pk}",
            template="deal_reassigned",
            context={
                "deal": deal,
                "manager": recipient,
                "gained": gained,
                "previous": old_manager,
                "new_manager": deal.manager,
                "by": by,
                "deal_url": deal.get_absolute_url(),
            },
        )


# The same events for other systems: outgoing webhooks (crm.webhooks), stored with the change.


def deal_payload(deal: Deal) -> dict:
    """How a deal reads in every webhook: what a receiver needs to find and show it."""
    stage = deal.stage
    return {
        "id": deal.pk,
        "title": deal.title,
        "stage": {"id": stage.pk, "name": stage.name, "kind": stage.kind},
        "manager": {"id": deal.manager_id, "name": str(deal.manager)},
        "budget": str(deal.budget),
        "source": deal.source,
        "client_id": deal.client_id,
        "url": settings.SITE_URL + deal.get_absolute_url(),
    }


def task_payload(task: Task) -> dict:
    return {
        "id": task.pk,
        "kind": task.kind,
        "text": task.text,
        "assignee": {"id": task.assignee_id, "name": str(task.assignee)},
        "due_at": task.due_at,
        "done_at": task.done_at,
        "result": task.result,
    }


def deal_created(*, deal: Deal) -> None:
    emit("deal.created", lambda: {"deal": deal_payload(deal)})


def deal_stage_changed(*, deal: Deal, previous, by) -> None:
    """deal.stage_changed for every move, and deal.won or deal.lost when it closes."""

    def data() -> dict:
        return {
            "deal": deal_payload(deal),
            "from_stage": {"id": previous.pk, "name": previous.name, "kind": previous.kind},
            "by": {"id": by.pk, "name": str(by)} if by is not None else None,
        }

    def lost() -> dict:
        reason = deal.loss_reason
        return {**data(), "loss_reason": {"id": reason.pk, "name": reason.name}}

    emit("deal.stage_changed", data)
    if deal.stage.is_won:
        emit("deal.won", data)
    elif deal.stage.is_lost:
        emit("deal.lost", lost)


def task_created(*, task: Task) -> None:
    emit("task.created", lambda: {"task": task_payload(task), "deal": deal_payload(task.deal)})


def task_done(*, task: Task) -> None:
    emit("task.done", lambda: {"task": task_payload(task), "deal": deal_payload(task.deal)})


def client_document(*, event: str, document, **extra) -> None:
    """A client opened, accepted or declined a document (a proposal, a contract, an invoice,
    an act, a questionnaire) by its link."""

    def data() -> dict:
        return {
            "document": {
                "type": document._meta.model_name,
                "id": document.pk,
                "title": document.link_title(),
            },
            "deal": deal_payload(document.link_deal()),
            **extra,
        }

    emit(event, data)

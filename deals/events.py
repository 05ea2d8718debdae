"""Telling people what happened to their deals and tasks. Every such event goes through one
function here, so each channel (today the e-mail outbox) is added in one place. Callers are
the services, inside their transaction: the e-mail is stored with the change and sent after
the commit. Nobody is told about what they did themselves."""

import time

from contacts.names import name_genitive
from crm.mail import email_queue

from .models import Deal, LeadRequest, Task


def person_genitive(user) -> str:
    """«Игоря Кузнецова» for a user named Игорь Кузнецов; the login where there is no name."""
    if user is None:
        return ""
    return name_genitive(user.first_name, user.last_name) or user.get_username()


def _mail(*, user, event_key: str, template: str, context: dict) -> None:
    if user is None or not user.is_active or not user.email:
        return
    email_queue(event_key=event_key, to=user.email, template=template, context=context)


def _moment() -> int:
    # The same person may be given the same task twice (handed back): each time is news.
    return time.time_ns()


def lead_assigned(*, deal: Deal, task: Task | None = None) -> None:
    """A new lead became the manager's deal, with its first task."""
    _mail(
        user=deal.manager,
        event_key=f"lead_assigned:{deal.pk}",
        template="lead_assigned",
        context={"deal": deal, "task": task, "manager": deal.manager, "source": deal.lead_source},
    )


def lead_repeated(*, deal: Deal, lead: LeadRequest, task: Task | None = None) -> None:
    """A lead came again from a client who already has this open deal."""
    _mail(
        user=deal.manager,
        event_key=f"lead_repeated:{deal.pk}:{lead.pk}",
        template="lead_repeated",
        context={"deal": deal, "lead": lead, "task": task, "manager": deal.manager},
    )


def task_assigned(*, task: Task, by) -> None:
    """Someone set a task for another person, or handed a task over to them."""
    if by is not None and by.pk == task.assignee_id:
        return
    _mail(
        user=task.assignee,
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
        _mail(
            user=recipient,
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

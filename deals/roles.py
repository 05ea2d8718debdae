"""Roles on a deal: who a user is to one deal, and what that role may do. Who sees a deal
at all is Deal.objects.visible_to; among those who see it, only the deal's manager (the
owner) and the head of sales change it. A manager who sees the deal because of an open task
on it reads the card, comments and completes their own task; everything else answers 403
with a message that says why. Every staff view that changes a deal or something of it
(tasks, contacts, the client, calculations, invoices, documents) fetches the deal through
get_deal_for_edit()."""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Deal, Task


class Role(StrEnum):
    HEAD = "head"
    OWNER = "owner"
    TASK_HOLDER = "task_holder"


EDITORS = frozenset({Role.HEAD, Role.OWNER})
TASK_HOLDER_REFUSED = (
    "По этой сделке у вас только задача: вы видите карточку, можете оставить комментарий и "
    "выполнить свою задачу. Менять сделку, её этап, клиента, контакты, расчёты, счета и "
    "документы может ответственный менеджер или руководитель."
)
NOT_YOUR_TASK = (
    "Это задача другого сотрудника: выполнить её может исполнитель, ответственный "
    "менеджер или руководитель."
)


def deal_role(user, deal: Deal) -> Role | None:
    """The user's role on the deal, or None when they have none (and do not see it)."""
    if not user.is_authenticated:
        return None
    if user.is_head:
        return Role.HEAD
    if deal.manager_id == user.pk:
        return Role.OWNER
    if Task.objects.filter(deal=deal, assignee=user, done_at__isnull=True).exists():
        return Role.TASK_HOLDER
    return None


def may_edit_deal(user, deal: Deal) -> bool:
    """Change the deal or anything of it, reassign it included (the owner hands it over)."""
    return deal_role(user, deal) in EDITORS


def may_complete_task(user, task: Task) -> bool:
    return task.assignee_id == user.pk or may_edit_deal(user, task.deal)


def require_deal_edit(user, deal: Deal) -> None:
    """403 with the reason for whoever sees the deal but may not change it. Call it after
    the deal's own access check, so that a deal the user does not see still answers 404."""
    if not may_edit_deal(user, deal):
        raise PermissionDenied(TASK_HOLDER_REFUSED)


def get_deal_for_edit(request, pk, deals=None) -> Deal:
    """The deal the user sees (404 otherwise) and may change (403 otherwise). `deals` is
    the caller's queryset with its select_related."""
    deals = Deal.objects.all() if deals is None else deals
    deal = get_object_or_404(deals.visible_to(request.user), pk=pk)
    require_deal_edit(request.user, deal)
    return deal


FILE_DELETE_REFUSED = (
    "Удалить файл может тот, кто его загрузил, или руководитель; файл из письма клиента — "
    "ответственный менеджер или руководитель."
)


def may_delete_file(user, file) -> bool:
    """A deal's file (deals.DealFile) goes away at the hands of the head of sales, or of the
    one who uploaded it while they may still change the deal; a file no person uploaded (an
    e-mail's attachment) by the deal's owner. A task holder downloads, never deletes."""
    role = deal_role(user, file.deal)
    if role == Role.HEAD:
        return True
    if role != Role.OWNER:
        return False
    return file.uploaded_by_id in (None, user.pk)

"""The head of sales' actions on many deals at once, from the deal list. Each deal goes
through the same service as one deal from its card (deal_reassign, deal_move, task_create),
so each is written in that deal's timeline and its people are told as usual.

Each deal is done in its own transaction: one that a service refuses (a rule of the stage
move) is reported with the service's reason and the others are done, as in amoCRM's and
Bitrix24's group actions. A head who moves 40 deals expects 39 moved and one named with
the reason, not 40 left as they were because of it."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .models import Deal, LossReason, Stage


@dataclass
class BulkResult:
    done: list[Deal] = field(default_factory=list)
    # Already as asked: nothing to do, nothing written.
    unchanged: list[Deal] = field(default_factory=list)
    # Each with the service's reason.
    refused: list[tuple[Deal, str]] = field(default_factory=list)


def _each(deals, result: BulkResult, act) -> BulkResult:
    for deal in deals:
        try:
            with transaction.atomic():
                act(deal)
        except ValidationError as exc:
            result.refused.append((deal, " ".join(exc.messages)))
        else:
            result.done.append(deal)
    return result


def deals_reassign(*, deals: list[Deal], manager, by) -> BulkResult:
    result = BulkResult()
    todo = [deal for deal in deals if deal.manager_id != manager.pk]
    result.unchanged = [deal for deal in deals if deal.manager_id == manager.pk]
    return _each(
        todo, result, lambda deal: services.deal_reassign(deal=deal, manager=manager, by=by)
    )


def deals_move(
    *,
    deals: list[Deal],
    stage: Stage,
    by,
    loss_reason: LossReason | None = None,
    comment: str = "",
) -> BulkResult:
    result = BulkResult()
    todo = [deal for deal in deals if deal.stage_id != stage.pk]
    result.unchanged = [deal for deal in deals if deal.stage_id == stage.pk]
    return _each(
        todo,
        result,
        lambda deal: services.deal_move(
            deal=deal, stage=stage, by=by, loss_reason=loss_reason, comment=comment
        ),
    )


def deals_add_task(
    *, deals: list[Deal], by, assignee=None, kind: str, text: str, due_at
) -> BulkResult:
    """A task on each deal, for `assignee` or, when None, for each deal's own manager."""
    return _each(
        deals,
        BulkResult(),
        lambda deal: services.task_create(
            deal=deal,
            author=by,
            assignee=assignee or deal.manager,
            kind=kind,
            text=text,
            due_at=due_at,
        ),
    )

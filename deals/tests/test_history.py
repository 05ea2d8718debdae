"""The stage history's shape for the funnel report (deals.history) equals a recount from the
history itself after any sequence of moves, reopenings, moves back in time, deletions and
changes of the pipeline's order."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deals import services
from deals.models import Deal, LossReason, Stage, StageChange

START = datetime.datetime(2025, 1, 1, 9, 0, tzinfo=datetime.UTC)


def recount() -> tuple[dict, dict]:
    """What the stored fields must be, worked out here from the history alone."""
    moves_of: dict = {}
    for move in StageChange.objects.select_related("to_stage"):
        moves_of.setdefault(move.deal_id, []).append(move)
    moves, deals = {}, {}
    for deal in Deal.objects.all():
        history = sorted(moves_of.get(deal.pk, []), key=lambda m: (m.at, m.pk))
        for i, move in enumerate(history):
            moves[move.pk] = (
                history[i - 1].at if i else None,
                history[i + 1].at if i + 1 < len(history) else None,
            )
        opened = [m.to_stage for m in history if m.to_stage.is_open]
        furthest = max(opened, key=lambda s: (s.order, s.pk)) if opened else None
        deals[deal.pk] = (
            furthest.pk if furthest else None,
            any(m.to_stage.is_won for m in history),
        )
    return moves, deals


def stored() -> tuple[dict, dict]:
    moves = {m.pk: (m.entered_at, m.left_at) for m in StageChange.objects.all()}
    deals = {d.pk: (d.furthest_stage_id, d.was_won) for d in Deal.objects.all()}
    return moves, deals


operation = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 500)),
    st.tuples(st.just("move"), st.integers(0, 9), st.integers(0, 7), st.integers(-48, 500)),
    st.tuples(st.just("delete"), st.integers(0, 9)),
    st.tuples(st.just("reorder"), st.integers(0, 7), st.integers(0, 7)),
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_the_stored_history_equals_a_recount(operations, stages, manager_a):
    reason = LossReason.objects.first()
    with transaction.atomic():
        deals: list[Deal] = []
        clock = START
        for op in operations:
            pipeline = list(Stage.objects.all())
            if op[0] == "create":
                clock += datetime.timedelta(hours=op[1])
                deals.append(
                    services.deal_create(
                        title="Сделка", manager=manager_a, by=manager_a, budget=Decimal(1), at=clock
                    )
                )
            elif op[0] == "move" and deals:
                deal = deals[op[1] % len(deals)]
                # A move may be recorded at any time, even before the deal's latest one.
                clock += datetime.timedelta(hours=op[3])
                services.deal_move(
                    deal=deal,
                    stage=pipeline[op[2] % len(pipeline)],
                    by=manager_a,
                    loss_reason=reason,
                    comment="Отказ",
                    at=clock,
                )
            elif op[0] == "delete" and deals:
                deals.pop(op[1] % len(deals)).delete()
            elif op[0] == "reorder":
                first, second = pipeline[op[1]], pipeline[op[2]]
                first.order, second.order = second.order, first.order + 0
                first.save()
                second.save()
        assert stored() == recount()
        transaction.set_rollback(True)


def test_a_deal_keeps_its_furthest_stage_and_its_win_when_reopened(stages, manager_a):
    new, qualified, brief = stages[0], stages[1], stages[2]
    won = next(s for s in stages if s.is_won)
    deal = services.deal_create(title="Сделка", manager=manager_a, by=manager_a, at=START)
    services.deal_move(deal=deal, stage=brief, by=manager_a, at=START + datetime.timedelta(days=1))
    services.deal_move(deal=deal, stage=won, by=manager_a, at=START + datetime.timedelta(days=2))
    services.deal_move(deal=deal, stage=new, by=manager_a, at=START + datetime.timedelta(days=3))
    deal.refresh_from_db()
    assert deal.furthest_stage == brief and deal.was_won
    moves = list(deal.stage_changes.order_by("at"))
    assert [m.entered_at for m in moves] == [None, *[m.at for m in moves[:-1]]]
    assert [m.left_at for m in moves] == [*[m.at for m in moves[1:]], None]
    # With the brief put first in the pipeline, the furthest stage it was at is the new one.
    brief.order, new.order = new.order, brief.order
    brief.save()
    new.save()
    deal.refresh_from_db()
    assert deal.furthest_stage == new
    services.deal_move(deal=deal, stage=won, by=manager_a, at=START + datetime.timedelta(4))
    deal.refresh_from_db()
    assert deal.furthest_stage == new and deal.was_won
    assert qualified.deals.count() == 0

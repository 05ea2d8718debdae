"""A hand-built stage history for March 2025 (and the months around it) whose every
figure in the funnel report is worked out by hand in test_funnel.py."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.funnel import Period
from deals import services
from deals.models import LossReason, Stage

MARCH = Period(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    tz = timezone.get_current_timezone()
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=tz)


class History:
    def __init__(self, manager_a, manager_b):
        self.a, self.b = manager_a, manager_b
        stages = {s.name: s for s in Stage.objects.all()}
        self.N = stages["Новая заявка"]
        self.Q = stages["Квалификация"]
        self.B = stages["Бриф"]
        self.K = stages["Расчёт и КП"]
        self.D = stages["Договор"]
        self.S = stages["Счёт выставлен"]
        self.W = stages["Оплачено"]
        self.L = stages["Проиграна"]
        reasons = {r.name: r for r in LossReason.objects.all()}
        self.R1 = reasons["Дорого"]
        self.R2 = reasons["Выбрали конкурента"]
        self.R3 = reasons["Нет бюджета"]
        self.deals = {}

    def create(self, key, manager, when, budget, source="phone"):
        deal = services.deal_create(
            title=f"Сделка-{key}",
            manager=manager,
            by=manager,
            budget=Decimal(budget),
            source=source,
            at=when,
        )
        self.deals[key] = deal
        return deal

    def move(self, key, stage, when, reason=None):
        deal = self.deals[key]
        services.deal_move(
            deal=deal,
            stage=stage,
            by=deal.manager,
            at=when,
            loss_reason=reason,
            comment="Отказ" if reason else "",
        )

    def task(self, key, assignee):
        services.task_create(
            deal=self.deals[key],
            author=assignee,
            assignee=assignee,
            kind="call",
            text="Позвонить",
            due_at=timezone.now() + datetime.timedelta(days=3),
        )

    def build(self):
        a, b = self.a, self.b
        Q, B, K, D, S, W, L = self.Q, self.B, self.K, self.D, self.S, self.W, self.L
        # Manager A
        self.create("01", a, at(3, 2), 100_000)  # walks every stage, won in 18 days
        for stage, day in [(Q, 3), (B, 5), (K, 10), (D, 12), (S, 15), (W, 20)]:
            self.move("01", stage, at(3, day))
        self.create("02", a, at(3, 3), 200_000, source="website")  # skips Q, lost at B
        self.move("02", B, at(3, 4))
        self.move("02", L, at(3, 8), self.R1)
        self.create("03", a, at(3, 4), 300_000)  # lost at Q, reopened at K, lost at K
        self.move("03", Q, at(3, 6))
        self.move("03", L, at(3, 9), self.R2)
        self.move("03", K, at(3, 12))
        self.move("03", L, at(3, 14), self.R1)
        self.create("04", a, at(3, 5), 400_000, source="website")  # skips to K, then won
        self.move("04", K, at(3, 7))
        self.move("04", W, at(3, 25))
        self.create("05", a, at(3, 6), 50_000)  # stays new, no task
        self.create("06", a, at(2, 20), 500_000)  # February deal moving in March, lost at D
        self.move("06", Q, at(2, 22))
        self.move("06", B, at(3, 3))
        self.move("06", D, at(3, 10))
        self.move("06", L, at(3, 18), self.R3)
        # Manager B
        self.create("07", b, at(3, 10), 1_000_000)  # at Q with a task
        self.move("07", Q, at(3, 11))
        self.task("07", b)
        self.create("08", b, at(3, 12), 150_000)  # lost at the first stage
        self.move("08", L, at(3, 13), self.R2)
        self.task("08", a)  # A holds a task on B's deal: visible to A, not A's funnel
        self.create("09", b, at(1, 15), 700_000)  # January deal won in March
        self.move("09", Q, at(1, 20))
        self.move("09", B, at(2, 10))
        self.move("09", K, at(3, 1))
        self.move("09", W, at(3, 5))
        self.create("10", b, at(3, 20), 250_000)  # won, then reopened at S, no task
        self.move("10", Q, at(3, 21))
        self.move("10", W, at(3, 28))
        self.move("10", S, at(3, 30))
        self.create("11", b, at(4, 2), 90_000)  # April: outside the period
        self.move("11", Q, at(4, 3))
        self.create("12", b, at(3, 31, 23, 30), 80_000)  # the last half hour of March
        self.task("12", b)
        self.create("13", b, at(4, 1, 0, 10), 60_000)  # the first minutes of April
        return self


@pytest.fixture
def history(manager_a, manager_b, stages):
    return History(manager_a, manager_b).build()


@pytest.fixture
def march():
    return MARCH

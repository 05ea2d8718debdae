"""The sales funnel («Воронка продаж»), computed from the stage history by aggregate queries.

Two views of one period:

- **cohort**: the deals created in the period, followed through their whole history up to
  now. A deal *reached* an open stage if it was ever at that stage or at a later open stage
  (a deal that skipped a stage passed it), or if it was ever won. Its outcome is its current
  state: won, lost (at the stage it was lost from, with the reason), or still open at its
  current stage. A reopened deal counts once, by its current state.
- **flow**: what happened in the period to any deal, whatever its creation date: the deals
  that came to each stage, were won, were lost.

Every figure is defined by a queryset here, and the drill-down list of deals behind a figure
is built from the same queryset, so the list always matches the number clicked. The number of
queries does not depend on the number of deals.

The report's scope is the user's own deals for a manager, and every deal (or one manager's)
for the head of sales, always inside ``Deal.objects.visible_to(user)``.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from crm.formats import MONTHS_NOMINATIVE
from deals.models import Deal, LossReason, Source, Stage, StageChange, Task

ZERO = Decimal("0.00")
NONE_KEY = "none"  # the drill-down value for "no stage" / "no reason"


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), ROUND_HALF_UP)


def percent(part, whole) -> Decimal | None:
    """Share in percent with one decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


# Period


@dataclass(frozen=True)
class Period:
    """A range of whole days, both ends included, in the project's time zone."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def month_of(cls, day: datetime.date) -> "Period":
        first = day.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return cls(first, following - datetime.timedelta(days=1))

    @classmethod
    def current_month(cls) -> "Period":
        return cls.month_of(timezone.localdate())

    @property
    def is_month(self) -> bool:
        return self == Period.month_of(self.start)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes: midnight of the first day to midnight after the last."""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return start, end

    def previous(self) -> "Period":
        if self.is_month:
            return Period.month_of(self.start - datetime.timedelta(days=1))
        return Period(
            self.start - datetime.timedelta(days=self.days),
            self.start - datetime.timedelta(days=1),
        )

    def next(self) -> "Period":
        if self.is_month:
            return Period.month_of(self.end + datetime.timedelta(days=1))
        return Period(
            self.end + datetime.timedelta(days=1), self.end + datetime.timedelta(days=self.days)
        )

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{MONTHS_NOMINATIVE[self.start.month - 1]} {self.start.year}"
        return f"{self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"

    def as_query(self) -> dict[str, str]:
        if self.is_month:
            return {"month": f"{self.start:%Y-%m}"}
        return {"date_from": self.start.isoformat(), "date_to": self.end.isoformat()}


# Scope: whose deals


@dataclass(frozen=True)
class Scope:
    user: object
    manager: object | None = None
    source: str = ""

    def deal_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.manager is not None:
            q &= Q(**{f"{prefix}manager": self.manager})
        if self.source:
            q &= Q(**{f"{prefix}source": self.source})
        return q

    def deals(self) -> QuerySet:
        return Deal.objects.visible_to(self.user).filter(self.deal_q())

    @property
    def source_label(self) -> str:
        return Source(self.source).label if self.source else ""


def scope_for(user, *, manager=None, source: str = "") -> Scope:
    """A manager's report covers only the deals they are responsible for, whatever was asked;
    the head of sales sees every deal or the chosen manager's. Queries on the stage history
    filter by these fields, which always lie inside ``visible_to(user)``."""
    if not user.is_head:
        manager = user
    return Scope(user=user, manager=manager, source=source or "")


# Pipeline


@dataclass
class Pipeline:
    stages: list
    reasons: list

    @property
    def open(self) -> list:
        return [s for s in self.stages if s.kind == Stage.Kind.OPEN]

    @property
    def open_ids(self) -> list[int]:
        return [s.pk for s in self.open]

    @property
    def won_ids(self) -> list[int]:
        return [s.pk for s in self.stages if s.kind == Stage.Kind.WON]

    @property
    def lost_ids(self) -> list[int]:
        return [s.pk for s in self.stages if s.kind == Stage.Kind.LOST]

    def stage(self, pk):
        return next((s for s in self.stages if s.pk == pk), None)

    def reason(self, pk):
        return next((r for r in self.reasons if r.pk == pk), None)


def load_pipeline() -> Pipeline:
    # Inactive reasons stay: the history may still point at them.
    return Pipeline(stages=list(Stage.objects.all()), reasons=list(LossReason.objects.all()))


# Cohort


def cohort_deals(scope: Scope, period: Period) -> QuerySet:
    start, end = period.bounds()
    return scope.deals().filter(created_at__gte=start, created_at__lt=end)


def _with_reach(deals: QuerySet, pipeline: Pipeline) -> QuerySet:
    """Per deal: the position of the furthest open stage it was ever at (0 = the first open
    stage) and whether it was ever won, as deals.history keeps them on the deal."""
    position = Case(
        *[When(furthest_stage_id=stage.pk, then=Value(i)) for i, stage in enumerate(pipeline.open)],
        default=None,
        output_field=IntegerField(),
    )
    won = Case(When(was_won=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    return deals.annotate(reached_pos=position, won_ever=won)


def _reached_q(pos: int) -> Q:
    return Q(reached_pos__gte=pos) | Q(won_ever__gt=0)


def _days_to_win():
    return ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())


def _cohort_totals(scope: Scope, period: Period, pipeline: Pipeline) -> dict:
    won_q = Q(stage_id__in=pipeline.won_ids)
    lost_q = Q(stage_id__in=pipeline.lost_ids)
    aggregates = {
        "created": Count("pk"),
        "created_sum": Sum("budget"),
        "won": Count("pk", filter=won_q),
        "won_sum": Sum("budget", filter=won_q),
        "won_duration": Avg(_days_to_win(), filter=won_q),
        "lost": Count("pk", filter=lost_q),
        "lost_sum": Sum("budget", filter=lost_q),
    }
    for i, stage in enumerate(pipeline.open):
        aggregates[f"reached_{i}"] = Count("pk", filter=_reached_q(i))
        aggregates[f"reached_sum_{i}"] = Sum("budget", filter=_reached_q(i))
        aggregates[f"still_{i}"] = Count("pk", filter=Q(stage_id=stage.pk))
        aggregates[f"still_sum_{i}"] = Sum("budget", filter=Q(stage_id=stage.pk))
    return _with_reach(cohort_deals(scope, period), pipeline).aggregate(**aggregates)


def cohort_loss_moves(scope: Scope, period: Period, pipeline: Pipeline) -> QuerySet:
    """For each cohort deal that is lost now, the move that lost it (its latest move, the
    one it has not left): from_stage is the stage it was lost at, loss_reason the reason."""
    start, end = period.bounds()
    # A deal's moves come after its creation: `at >= start` changes no result and lets the
    # database read only the history since the period began.
    return StageChange.objects.filter(
        scope.deal_q("deal__"),
        deal__created_at__gte=start,
        deal__created_at__lt=end,
        deal__stage_id__in=pipeline.lost_ids,
        to_stage_id__in=pipeline.lost_ids,
        at__gte=start,
        left_at__isnull=True,
    )


# Flow


def flow_moves(scope: Scope, period: Period) -> QuerySet:
    start, end = period.bounds()
    return StageChange.objects.filter(scope.deal_q("deal__"), at__gte=start, at__lt=end)


def flow_loss_moves(scope: Scope, period: Period, pipeline: Pipeline) -> QuerySet:
    """For each deal lost in the period, its last loss in the period (a deal lost, reopened
    and lost again counts once, where it was lost last)."""
    start, end = period.bounds()
    later_loss = StageChange.objects.filter(
        deal=OuterRef("deal"),
        to_stage_id__in=pipeline.lost_ids,
        at__gt=OuterRef("at"),
        at__gte=start,
        at__lt=end,
    )
    # A loss the deal did not leave within the period is its last there: only a deal reopened
    # in the period is looked up for a later loss.
    kept = Q(left_at__isnull=True) | Q(left_at__gte=end)
    return (
        flow_moves(scope, period)
        .filter(to_stage_id__in=pipeline.lost_ids)
        .filter(kept | ~Exists(later_loss))
    )


def _flow_won_deals(scope: Scope, period: Period, pipeline: Pipeline) -> QuerySet:
    won_moves = flow_moves(scope, period).filter(to_stage_id__in=pipeline.won_ids)
    return scope.deals().filter(pk__in=won_moves.values("deal_id"))


# Tables


@dataclass
class Cell:
    count: int = 0
    total: Decimal = ZERO


@dataclass
class LossRow:
    stage: object  # a Stage or None ("без этапа")
    cells: dict  # reason pk (or None) -> Cell, in the order of LossTable.reasons
    total: Cell

    @property
    def stage_key(self):
        return self.stage.pk if self.stage else None


@dataclass
class LossTable:
    basis: str
    reasons: list  # LossReason objects (or None) that have at least one loss, in order
    rows: list  # LossRow, in pipeline order
    column_totals: dict
    total: Cell

    def row_for(self, stage_pk):
        return next((r for r in self.rows if (r.stage.pk if r.stage else None) == stage_pk), None)


def _loss_table(basis: str, moves: QuerySet, pipeline: Pipeline) -> LossTable:
    grouped = (
        moves.values("from_stage_id", "loss_reason_id")
        .annotate(n=Count("deal_id"), total=Sum("deal__budget"))
        .order_by()
    )
    cells: dict = {}
    for row in grouped:
        cells[(row["from_stage_id"], row["loss_reason_id"])] = Cell(row["n"], _money(row["total"]))
    stage_keys = {k[0] for k in cells}
    reason_keys = {k[1] for k in cells}
    stages = [s for s in pipeline.stages if s.pk in stage_keys]
    if None in stage_keys:
        stages.append(None)
    reasons = [r for r in pipeline.reasons if r.pk in reason_keys]
    if None in reason_keys:
        reasons.append(None)
    rows, column_totals, grand = [], {}, Cell()
    for stage in stages:
        spk = stage.pk if stage else None
        row_cells, row_total = {}, Cell()
        for reason in reasons:
            rpk = reason.pk if reason else None
            cell = cells.get((spk, rpk), Cell())
            row_cells[rpk] = cell
            row_total = Cell(row_total.count + cell.count, row_total.total + cell.total)
            column = column_totals.setdefault(rpk, Cell())
            column.count += cell.count
            column.total += cell.total
        rows.append(LossRow(stage, row_cells, row_total))
        grand = Cell(grand.count + row_total.count, grand.total + row_total.total)
    return LossTable(basis, reasons, rows, column_totals, grand)


@dataclass
class StageRow:
    stage: object
    position: int
    reached: int = 0
    reached_sum: Decimal = ZERO
    conversion_prev: Decimal | None = None
    conversion_start: Decimal | None = None
    lost: int = 0
    lost_sum: Decimal = ZERO
    lost_reasons: list = field(default_factory=list)  # [{reason, key, count}]
    still: int = 0
    still_sum: Decimal = ZERO
    prev_reached: int | None = None
    prev_conversion_start: Decimal | None = None

    @property
    def delta(self):
        return None if self.prev_reached is None else self.reached - self.prev_reached

    @property
    def conversion_delta(self):
        if self.conversion_start is None or self.prev_conversion_start is None:
            return None
        return self.conversion_start - self.prev_conversion_start


@dataclass
class Cohort:
    created: int
    created_sum: Decimal
    stages: list  # StageRow
    won: int
    won_sum: Decimal
    won_average: Decimal | None
    won_days: Decimal | None
    won_conversion_prev: Decimal | None
    won_conversion_start: Decimal | None
    lost: int
    lost_sum: Decimal
    losses: LossTable | None

    @property
    def lost_share(self):
        return percent(self.lost, self.created)


def _cohort(scope: Scope, period: Period, pipeline: Pipeline, *, with_losses=True) -> Cohort:
    t = _cohort_totals(scope, period, pipeline)
    losses = (
        _loss_table("cohort", cohort_loss_moves(scope, period, pipeline), pipeline)
        if with_losses
        else None
    )
    created = t["created"]
    rows, previous = [], created
    for i, stage in enumerate(pipeline.open):
        reached = t[f"reached_{i}"]
        row = StageRow(
            stage=stage,
            position=i,
            reached=reached,
            reached_sum=_money(t[f"reached_sum_{i}"]),
            conversion_prev=percent(reached, previous),
            conversion_start=percent(reached, created),
            still=t[f"still_{i}"],
            still_sum=_money(t[f"still_sum_{i}"]),
        )
        if losses is not None:
            loss_row = losses.row_for(stage.pk)
            if loss_row is not None:
                row.lost, row.lost_sum = loss_row.total.count, loss_row.total.total
                row.lost_reasons = [
                    {"reason": reason, "key": key, "count": cell.count}
                    for reason, (key, cell) in zip(
                        losses.reasons, loss_row.cells.items(), strict=True
                    )
                    if cell.count
                ]
        rows.append(row)
        previous = reached
    won, won_sum = t["won"], _money(t["won_sum"])
    duration = t["won_duration"]
    won_days = None
    if duration is not None:
        won_days = (Decimal(duration.total_seconds()) / 86400).quantize(Decimal("0.1"))
    return Cohort(
        created=created,
        created_sum=_money(t["created_sum"]),
        stages=rows,
        won=won,
        won_sum=won_sum,
        won_average=(won_sum / won).quantize(Decimal("0.01"), ROUND_HALF_UP) if won else None,
        won_days=won_days,
        won_conversion_prev=percent(won, previous),
        won_conversion_start=percent(won, created),
        lost=t["lost"],
        lost_sum=_money(t["lost_sum"]),
        losses=losses,
    )


@dataclass
class FlowRow:
    stage: object
    entered: int = 0
    lost: int = 0
    lost_sum: Decimal = ZERO
    prev_entered: int | None = None

    @property
    def delta(self):
        return None if self.prev_entered is None else self.entered - self.prev_entered


@dataclass
class Flow:
    stages: list  # FlowRow
    won: int
    won_sum: Decimal
    lost: int
    lost_sum: Decimal
    losses: LossTable | None


def _flow(scope: Scope, period: Period, pipeline: Pipeline, *, with_losses=True) -> Flow:
    entered = dict(
        flow_moves(scope, period)
        .filter(to_stage_id__in=pipeline.open_ids)
        .values("to_stage_id")
        .annotate(n=Count("deal_id", distinct=True))
        .order_by()
        .values_list("to_stage_id", "n")
    )
    won = _flow_won_deals(scope, period, pipeline).aggregate(n=Count("pk"), total=Sum("budget"))
    losses = (
        _loss_table("flow", flow_loss_moves(scope, period, pipeline), pipeline)
        if with_losses
        else None
    )
    rows = []
    for stage in pipeline.open:
        row = FlowRow(stage=stage, entered=entered.get(stage.pk, 0))
        loss_row = losses.row_for(stage.pk) if losses else None
        if loss_row is not None:
            row.lost, row.lost_sum = loss_row.total.count, loss_row.total.total
        rows.append(row)
    return Flow(
        stages=rows,
        won=won["n"],
        won_sum=_money(won["total"]),
        lost=losses.total.count if losses else 0,
        lost_sum=losses.total.total if losses else ZERO,
        losses=losses,
    )


# Time in stage


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """The same linear interpolation as PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    pos = fraction * (len(sorted_values) - 1)
    lower = int(pos)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (pos - lower)


def stage_moves_with_entry(scope: Scope, period: Period) -> QuerySet:
    """Every move in the period with ``entered_at``, the moment the deal came to the stage
    it left (its previous move, kept on the move by deals.history)."""
    return flow_moves(scope, period).order_by()


@dataclass
class TimeRow:
    stage: object
    left: int = 0
    median: Decimal | None = None
    p90: Decimal | None = None


def _days(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _time_in_stage(scope: Scope, period: Period, pipeline: Pipeline) -> list:
    moves = stage_moves_with_entry(scope, period).values("from_stage_id", "at", "entered_at")
    stats: dict = {}
    if connection.vendor == "postgresql":
        # The window must see every move of the period, so the durations are aggregated
        # around it: percentile_cont over the moves out of open stages.
        sql, params = moves.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT from_stage_id, COUNT(*),
                    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days),
                    PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY days)
                FROM (
                    SELECT m.from_stage_id, EXTRACT(EPOCH FROM m.at - m.entered_at) / 86400.0
                        AS days
                    FROM ({sql}) AS m
                    WHERE m.from_stage_id = ANY(%s) AND m.entered_at IS NOT NULL
                ) AS exits
                GROUP BY from_stage_id
                """,  # noqa: S608 (the inner SQL is Django's, the values are parameters)
                [*params, pipeline.open_ids],
            )
            for stage_id, n, median, p90 in cursor.fetchall():
                stats[stage_id] = (n, median, p90)
    else:
        # No percentile aggregate here: one query brings the moves, sorted out per stage.
        durations: dict = {}
        open_ids = set(pipeline.open_ids)
        for stage_id, at, entered_at in moves.values_list("from_stage_id", "at", "entered_at"):
            if stage_id in open_ids and entered_at is not None:
                durations.setdefault(stage_id, []).append((at - entered_at).total_seconds())
        for stage_id, seconds in durations.items():
            days = sorted(s / 86400 for s in seconds)
            stats[stage_id] = (len(days), percentile(days, 0.5), percentile(days, 0.9))
    rows = []
    for stage in pipeline.open:
        n, median, p90 = stats.get(stage.pk, (0, None, None))
        rows.append(TimeRow(stage=stage, left=n, median=_days(median), p90=_days(p90)))
    return rows


# Managers


@dataclass
class ManagerRow:
    manager_id: int
    name: str
    created: int
    won: int
    lost: int
    won_sum: Decimal
    idle: int

    @property
    def conversion(self):
        return percent(self.won, self.created)


def _open_without_task_q(pipeline: Pipeline) -> Q:
    open_tasks = Task.objects.filter(deal=OuterRef("pk"), done_at__isnull=True)
    return Q(stage_id__in=pipeline.open_ids) & ~Exists(open_tasks)


def _managers(scope: Scope, period: Period, pipeline: Pipeline) -> list:
    won_q = Q(stage_id__in=pipeline.won_ids)
    grouped = (
        cohort_deals(scope, period)
        .values("manager_id", "manager__first_name", "manager__last_name", "manager__username")
        .annotate(
            created=Count("pk"),
            won=Count("pk", filter=won_q),
            lost=Count("pk", filter=Q(stage_id__in=pipeline.lost_ids)),
            won_sum=Sum("budget", filter=won_q),
            idle=Count("pk", filter=_open_without_task_q(pipeline)),
        )
        .order_by()
    )
    rows = [
        ManagerRow(
            manager_id=r["manager_id"],
            name=f"{r['manager__first_name']} {r['manager__last_name']}".strip()
            or r["manager__username"],
            created=r["created"],
            won=r["won"],
            lost=r["lost"],
            won_sum=_money(r["won_sum"]),
            idle=r["idle"],
        )
        for r in grouped
    ]
    return sorted(rows, key=lambda r: (-r.won_sum, -r.created, r.name))


# The report


@dataclass
class FunnelReport:
    scope: Scope
    period: Period
    previous: Period
    pipeline: Pipeline
    cohort: Cohort
    flow: Flow
    previous_cohort: Cohort
    previous_flow: Flow
    time_in_stage: list
    managers: list

    @property
    def won_conversion(self):
        return self.cohort.won_conversion_start


PLANNER_SETTINGS = (
    "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL random_page_cost = 1.1"
)


@contextmanager
def _report_transaction():
    """On PostgreSQL, only for the report's transaction: JIT off (compiling these queries
    costs more than running them), room to aggregate in memory, and index look-ups priced as
    on SSD storage, so a month's deals are joined to their history through the index
    instead of a scan of the whole history."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(PLANNER_SETTINGS)
        yield


def build_report(scope: Scope, period: Period) -> FunnelReport:
    with _report_transaction():
        return _build_report(scope, period)


def _build_report(scope: Scope, period: Period) -> FunnelReport:
    pipeline = load_pipeline()
    previous = period.previous()
    cohort = _cohort(scope, period, pipeline)
    flow = _flow(scope, period, pipeline)
    prev_cohort = _cohort(scope, previous, pipeline, with_losses=False)
    prev_flow = _flow(scope, previous, pipeline)
    for row, prev_row in zip(cohort.stages, prev_cohort.stages, strict=True):
        row.prev_reached = prev_row.reached
        row.prev_conversion_start = prev_row.conversion_start
    for row, prev_row in zip(flow.stages, prev_flow.stages, strict=True):
        row.prev_entered = prev_row.entered
    return FunnelReport(
        scope=scope,
        period=period,
        previous=previous,
        pipeline=pipeline,
        cohort=cohort,
        flow=flow,
        previous_cohort=prev_cohort,
        previous_flow=prev_flow,
        time_in_stage=_time_in_stage(scope, period, pipeline),
        managers=_managers(scope, period, pipeline),
    )


# Drill-down: the deals behind one figure

COHORT_METRICS = {"created", "reached", "still", "won", "lost", "idle"}
FLOW_METRICS = {"entered", "won", "lost"}


class UnknownFigure(ValueError):
    pass


def _key(value):
    """A stage or reason key from a link: a pk, NONE_KEY for "none", or "" for any."""
    if value in (None, ""):
        return ""
    if value == NONE_KEY:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise UnknownFigure(value) from exc


def _loss_filter(moves: QuerySet, stage, reason) -> QuerySet:
    if stage == "":
        pass
    elif stage is None:
        moves = moves.filter(from_stage__isnull=True)
    else:
        moves = moves.filter(from_stage_id=stage)
    if reason == "":
        pass
    elif reason is None:
        moves = moves.filter(loss_reason__isnull=True)
    else:
        moves = moves.filter(loss_reason_id=reason)
    return moves


def drilldown(
    scope: Scope,
    period: Period,
    *,
    basis: str,
    metric: str,
    stage: str = "",
    reason: str = "",
    pipeline: Pipeline | None = None,
) -> QuerySet:
    """The deals behind one figure of the report, as a queryset of the scope's deals."""
    pipeline = pipeline or load_pipeline()
    stage, reason = _key(stage), _key(reason)
    position = None
    if metric in {"reached", "still", "entered"}:
        position = next((i for i, s in enumerate(pipeline.open) if s.pk == stage), None)
        if position is None:
            raise UnknownFigure(stage)
    deals = scope.deals()
    if basis == "cohort" and metric in COHORT_METRICS:
        cohort = cohort_deals(scope, period)
        if metric == "created":
            return cohort
        if metric == "reached":
            reached = _with_reach(cohort, pipeline).filter(_reached_q(position))
            return deals.filter(pk__in=reached.values("pk"))
        if metric == "still":
            return cohort.filter(stage_id=stage)
        if metric == "won":
            return cohort.filter(stage_id__in=pipeline.won_ids)
        if metric == "idle":
            return cohort.filter(_open_without_task_q(pipeline))
        moves = _loss_filter(cohort_loss_moves(scope, period, pipeline), stage, reason)
        return deals.filter(pk__in=moves.values("deal_id"))
    if basis == "flow" and metric in FLOW_METRICS:
        if metric == "entered":
            moves = flow_moves(scope, period).filter(to_stage_id=stage)
            return deals.filter(pk__in=moves.values("deal_id"))
        if metric == "won":
            return _flow_won_deals(scope, period, pipeline)
        moves = _loss_filter(flow_loss_moves(scope, period, pipeline), stage, reason)
        return deals.filter(pk__in=moves.values("deal_id"))
    raise UnknownFigure(f"{basis}/{metric}")


def describe(
    pipeline: Pipeline, *, basis: str, metric: str, stage: str = "", reason: str = ""
) -> str:
    """A Russian caption for a drill-down list."""
    stage_key, reason_key = _key(stage), _key(reason)
    stage_obj = pipeline.stage(stage_key) if stage_key else None
    stage_name = f"«{stage_obj}»" if stage_obj else "без этапа"
    reason_obj = pipeline.reason(reason_key) if reason_key else None
    reason_name = f"«{reason_obj}»" if reason_obj else "не указана"
    parts = ["Созданные в периоде" if basis == "cohort" else "За период"]
    text = {
        "created": "все сделки",
        "reached": f"дошли до этапа {stage_name}",
        "still": f"сейчас на этапе {stage_name}",
        "won": "выиграны",
        "idle": "открыты и без задачи",
        "entered": f"перешли на этап {stage_name}",
        "lost": "проиграны",
    }[metric]
    if metric == "lost":
        if stage_key != "":
            text += f" на этапе {stage_name}"
        if reason_key != "":
            text += f", причина {reason_name}"
    parts.append(text)
    return ": ".join(parts)

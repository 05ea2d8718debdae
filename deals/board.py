"""The board: the deals a user sees, in one column per stage. What it reads is kept flat
whatever the size of the deals table: the newest cards of each column come from one index
scan per stage, and the count and sum of each column from StageTotal (kept by the database
in step with every change of a deal), never from a scan of the deals.

Later apps add marks to the cards (an issued or paid invoice) with register_marks(): a
function (deal ids) -> {deal id: [Mark]} that runs one query whatever the number of ids."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, Min, Sum, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from crm import formats

from .models import Deal, Stage, StageTotal, Task

COLUMN_SIZE = 30


@dataclass(frozen=True)
class Mark:
    """A badge on a card. A mark with a `warning` makes the board ask before the deal is
    lost or moved back to an earlier stage."""

    label: str
    color: str = "secondary"
    warning: str = ""


_markers: list[Callable[[list[int]], dict[int, list[Mark]]]] = []


def register_marks(func: Callable[[list[int]], dict[int, list[Mark]]]) -> None:
    if func not in _markers:
        _markers.append(func)


def marks(deal_ids: list[int]) -> dict[int, list[Mark]]:
    found: dict[int, list[Mark]] = {}
    if not deal_ids:
        return found
    for func in _markers:
        for deal_id, deal_marks in func(deal_ids).items():
            found.setdefault(deal_id, []).extend(deal_marks)
    return found


def move_warnings(deal: Deal, stage: Stage) -> list[str]:
    """What to confirm before the move: a deal with an issued or paid invoice that is lost
    or sent back to an earlier stage (a won deal reopened included)."""
    backwards = stage.is_lost or (
        stage.is_open and (not deal.stage.is_open or stage.order < deal.stage.order)
    )
    if not backwards or stage.pk == deal.stage_id:
        return []
    return [m.warning for m in marks([deal.pk]).get(deal.pk, []) if m.warning]


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal("0")
    deals: list = field(default_factory=list)
    # Won and lost columns show their count and sum; their cards are read on request.
    collapsed: bool = False
    total_text: str = ""
    total_exact: str = ""


def columns(
    user,
    stages: list[Stage],
    params: Mapping,
    *,
    only: Iterable[int] | None = None,
    expanded: Iterable[int] = (),
) -> list[Column]:
    """The board's columns for the user, filtered by the board's form (manager, source,
    «без задачи»). `only` limits them to some stages (the two a move touched); `expanded`
    names closed stages whose cards are shown."""
    wanted = [s for s in stages if only is None or s.pk in set(only)]
    expanded = set(expanded)
    cols = [Column(stage=s, collapsed=not s.is_open and s.pk not in expanded) for s in wanted]
    deals = Deal.objects.visible_to(user).filtered(params)
    ids = _newest_ids(deals, [c.stage for c in cols if not c.collapsed])
    cards = _cards(ids, user)
    for col in cols:
        col.deals = cards.get(col.stage.pk, [])
    sums = _totals(user, deals, params, [c.stage.pk for c in cols])
    for col in cols:
        col.count, col.total = sums.get(col.stage.pk, (0, Decimal("0")))
        col.total_text = rubles_short(col.total)
        col.total_exact = formats.money(col.total)
    return cols


def rubles_short(value: Decimal) -> str:
    """A sum as a column or a card shows it: «850 000 ₽», «12,3 млн ₽», «1,25 млрд ₽»."""
    value = Decimal(value or 0)
    for size, unit in ((Decimal(10) ** 9, "млрд"), (Decimal(10) ** 6, "млн")):
        if abs(value) >= size:
            short = f"{value / size:.2f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{short}\N{NO-BREAK SPACE}{unit}\N{NO-BREAK SPACE}₽"
    whole = f"{value.quantize(Decimal(1), ROUND_HALF_UP):,}".replace(",", "\N{NO-BREAK SPACE}")
    return f"{whole}\N{NO-BREAK SPACE}₽"


def _newest_ids(deals, stages: list[Stage]) -> list[int]:
    """The newest deals of each column: one index scan per stage, sent as one query."""
    parts = [
        deals.filter(stage=stage)
        .order_by("-created_at", "-id")
        .values_list("id", "created_at")[:COLUMN_SIZE]
        for stage in stages
    ]
    if not parts:
        return []
    if connection.features.supports_slicing_ordering_in_compound:
        return [pk for pk, _ in parts[0].union(*parts[1:], all=True).order_by()]
    ranked = deals.filter(stage__in=stages).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("stage_id")],
            order_by=[F("created_at").desc(), F("id").desc()],
        )
    )
    return list(ranked.filter(rank__lte=COLUMN_SIZE).values_list("pk", flat=True))


def _cards(ids: list[int], user) -> dict[int, list[Deal]]:
    """The cards by stage, newest first, with the next open task and the marks: three
    queries whatever the number of cards. Links are built from one reversed address."""
    if not ids:
        return {}
    rows = (
        Deal.objects.filter(pk__in=ids)
        .select_related("client", "manager")
        .only(
            "id",
            "title",
            "budget",
            "stage_id",
            "created_at",
            "manager_id",
            "client__name",
            "manager__first_name",
            "manager__last_name",
            "manager__username",
        )
        .order_by("stage_id", "-created_at", "-id")
    )
    next_due = dict(
        Task.objects.filter(deal_id__in=ids, done_at__isnull=True)
        .values("deal_id")
        .annotate(due=Min("due_at"))
        .values_list("deal_id", "due")
    )
    found = marks(ids)
    now = timezone.now()
    detail = reverse("deals:detail", args=[0]).removesuffix("0/")
    by_stage: dict[int, list[Deal]] = {}
    for deal in rows:
        deal.url = f"{detail}{deal.pk}/"
        deal.budget_text = rubles_short(deal.budget)
        deal.next_due = next_due.get(deal.pk)
        deal.overdue = deal.next_due is not None and deal.next_due < now
        deal.marks = found.get(deal.pk, [])
        deal.warning = " ".join(m.warning for m in deal.marks if m.warning)
        deal.foreign = deal.manager_id != user.pk
        by_stage.setdefault(deal.stage_id, []).append(deal)
    return by_stage


def _totals(user, deals, params: Mapping, stage_ids: list[int]) -> dict[int, tuple]:
    """Count and sum of each column. StageTotal holds every deal by stage, manager and
    source; Deal.objects.visible_to still decides what is counted: the head of sales sees
    every deal (all the rows), a manager their own deals (their rows) and, counted from the
    deals themselves, the few others they see through an open task. «Без задачи» depends on
    tasks, which StageTotal does not follow: it is counted from the open deals."""
    if params.get("no_task"):
        return _aggregate(deals.filter(stage_id__in=stage_ids))
    rows = StageTotal.objects.filter(stage_id__in=stage_ids)
    if params.get("manager"):
        rows = rows.filter(manager=params["manager"])
    if params.get("source"):
        rows = rows.filter(source=params["source"])
    others = None
    if not user.is_head:
        rows = rows.filter(manager=user)
        held = Task.objects.filter(assignee=user, done_at__isnull=True).values("deal_id")
        others = deals.filter(pk__in=held, stage_id__in=stage_ids).exclude(manager=user)
    sums = {
        row["stage_id"]: (row["n"] or 0, row["total"] or Decimal("0"))
        for row in rows.values("stage_id").annotate(n=Sum("deals"), total=Sum("budget"))
    }
    if others is not None:
        for stage_id, (n, total) in _aggregate(others).items():
            had_n, had_total = sums.get(stage_id, (0, Decimal("0")))
            sums[stage_id] = (had_n + n, had_total + total)
    return sums


def _aggregate(deals) -> dict[int, tuple]:
    return {
        row["stage_id"]: (row["n"], row["total"] or Decimal("0"))
        for row in deals.order_by().values("stage_id").annotate(n=Count("pk"), total=Sum("budget"))
    }
